from __future__ import annotations

import json
from pathlib import Path

from core.db import Store
from ingestion.orders import ingest_orders
from ingestion.quarantine import RejectedCount, rejected_counts, rejected_rows

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def bad_orders(tmp_path: Path, name: str = "spring_50%.csv", first: str = "536001") -> Path:
    path = tmp_path / name
    path.write_text(
        HEADER
        + f"{first},22632,HAND WARMER RED,6,2011-01-02 10:00:00,1.85,12347,United Kingdom\n"
        + "536002,22633,HAND WARMER UNION JACK,six,2011-01-02 10:00:00,1.85,12347,United Kingdom\n"
        + "536003,22634,CHILDS BREAKFAST SET,2,2011-02-30 10:00:00,9.95,12347,United Kingdom\n"
        + "536004,22635,CHILDS BREAKFAST SET,2,2011-03-31 10:00:00,9.95,12347,United Kingdom\n"
        + "536005,22636,CHILDS BREAKFAST SET,2,not a date,9.95,12348,United Kingdom\n"
    )
    return path


def test_the_quarantine_lists_each_files_rows_with_their_reasons(store: Store, tmp_path: Path) -> None:
    ingest_orders(store, bad_orders(tmp_path))
    rows = rejected_rows(store)
    assert [(r.source, r.row_number) for r in rows] == [("spring_50%.csv", n) for n in (2, 3, 5)]
    assert json.loads(rows[0].raw)["Quantity"] == "six"
    assert rejected_counts(store) == [
        RejectedCount("spring_50%.csv", "unparseable date", 2),
        RejectedCount("spring_50%.csv", rows[0].reason, 1),
    ]


def test_filters_match_parts_of_names_and_reasons_in_any_case(store: Store, tmp_path: Path) -> None:
    ingest_orders(store, bad_orders(tmp_path))
    ingest_orders(store, bad_orders(tmp_path, "autumn.csv", first="537001"))  # other bytes: its own rows
    assert {r.source for r in rejected_rows(store, source="SPRING")} == {"spring_50%.csv"}
    assert [r.row_number for r in rejected_rows(store, source="autumn", reason="DATE")] == [3, 5]
    assert rejected_rows(store, source="s_r") == rejected_rows(store, source="g%c") == []  # no LIKE wildcards
    assert len(rejected_rows(store, source="g_50%")) == 3
    assert len(rejected_rows(store, limit=4)) == 4
    assert sum(c.rows for c in rejected_counts(store, reason="date")) == 4
