"""The file-to-file contract: order lines in, one JSON line of restock suggestions per merchant out.

`s2b recommend restock --orders FILE --k 20 --out PRED.jsonl` parses FILE with the ingestion rules
(Online Retail column names, same validation), trains on it without touching the configured store, and
writes, for every merchant present in FILE, sorted by merchant id:

    {"merchant_id": "12347", "items": ["85123A", ...], "quantities": [24, ...], "reasons": [{...}, ...],
     "expected_reorder_dates": ["2011-12-20", ...]}

Merchant ids as in the file (no trailing `.0`), SKUs upper-cased, as of the last date in FILE (orders
of that day included). Merchants present only through returns or non-product lines get the cold-start list.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.parse import ParsedOrders, parse_orders
from recsys.data import purchase_events
from recsys.model import RestockModel
from recsys.ranker import RankerParams
from recsys.restock import Suggestion, cold_start, suggest
from recsys.titles import titles_from_lines


@dataclass
class ContractSummary:
    orders: str
    out: str
    as_of: str
    merchants: int
    cold_start: int
    model_version: str
    seconds: float
    date_order: str = "ISO"
    encoding: str = "utf8"
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    rejected_out: str | None = None


def predict_lines(
    lines: pd.DataFrame, k: int, params: RankerParams | None = None
) -> tuple[dict[str, list[Suggestion]], RestockModel, int]:
    """Suggestions for every merchant in `lines` (parse_orders shape), as of the last date in it."""
    as_of = pd.Timestamp(lines["ordered_at"].max()).date()
    events = purchase_events(lines)
    if events.empty:
        raise ValueError("no purchases by identified merchants in the file: nothing to learn from")
    model = RestockModel.fit(events, as_of + timedelta(days=1), params, titles_from_lines(lines))
    index = model.history.merchant_index()
    present = sorted({str(mid) for mid in lines["merchant_id"].unique() if str(mid) != ""})
    known = np.array([index[mid] for mid in present if mid in index], dtype=np.int64)
    listed = suggest(model, known, k)
    popular = cold_start(model, k)
    result = {mid: listed.get(mid, popular) for mid in present}
    return result, model, sum(1 for mid in present if mid not in index)


def recommend_file(
    orders: Path,
    out: Path,
    *,
    k: int = 20,
    fmt: str = "auto",
    mapping: Path | None = None,
    rejected_out: Path | None = None,
) -> ContractSummary:
    """Write `out` (see the module docstring); rows that fail validation go to `rejected_out` when given."""
    started = time.perf_counter()
    parsed = parse_orders(orders, fmt, mapping)
    if rejected_out is not None:
        write_rejected(parsed.rejected, rejected_out)
    lines = parsed.lines
    try:
        result, model, cold = predict_lines(lines, k)
    except ValueError as exc:
        raise ValueError(f"{orders}: {exc}{_rejected_hint(parsed)}") from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for mid, items in result.items():
            record = {
                "merchant_id": mid,
                "items": [s.sku for s in items],
                "quantities": [s.quantity for s in items],
                "reasons": [s.reason for s in items],
                "expected_reorder_dates": [s.expected_reorder_date.isoformat() for s in items],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return ContractSummary(
        orders=str(orders),
        out=str(out),
        as_of=pd.Timestamp(lines["ordered_at"].max()).date().isoformat(),
        merchants=len(result),
        cold_start=cold,
        model_version=model.version,
        seconds=round(time.perf_counter() - started, 3),
        date_order=parsed.date_order,
        encoding=parsed.encoding,
        rejected_by_reason=parsed.rejected_by_reason,
        rejected_out=str(rejected_out) if rejected_out is not None else None,
    )


def _rejected_hint(parsed: ParsedOrders) -> str:
    """Why a file gave nothing to learn from, when rows were rejected: the reasons and the first such row."""
    if parsed.rejected.empty:
        return ""
    counts = ", ".join(f"{reason} ({count:,})" for reason, count in parsed.rejected_by_reason.items())
    first = parsed.rejected.iloc[0]
    return (
        f"; {len(parsed.rejected):,} of {parsed.rows_read:,} rows were rejected: {counts}; "
        f"row {int(first['row_number'])}: {first['raw']}"
    )


def write_rejected(rejected: pd.DataFrame, path: Path) -> None:
    """One JSON line per rejected row: its 1-based row number (row N is line N + 1 of a text file, blank lines
    counted: `ingestion.csvfile`), the reason, and its fields as read (`fields`) or, for a line that could not be
    split into fields, its text (`line`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for number, reason, raw in zip(rejected["row_number"], rejected["reason"], rejected["raw"], strict=True):
            record: dict[str, object] = {"row_number": int(number), "reason": str(reason)}
            if str(reason).startswith("malformed line"):
                record["line"] = str(raw)
            else:
                record["fields"] = json.loads(str(raw))
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
