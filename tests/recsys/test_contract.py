from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from assistant.cli.main import app
from recsys.contract import predict_lines, recommend_file
from recsys.titles import titles_from_lines


def _file_merchants(path: Path) -> set[str]:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    column = "CustomerID" if "CustomerID" in raw else "Customer ID"
    return {value.removesuffix(".0") for value in raw[column].str.strip() if value}


def test_file_contract_writes_one_line_per_merchant(sample_orders_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "pred.jsonl"
    summary = recommend_file(sample_orders_path, out, k=15)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    ids = [r["merchant_id"] for r in records]
    assert len(ids) == len(set(ids)) == summary.merchants
    assert set(ids) == _file_merchants(sample_orders_path)
    assert all(not mid.endswith(".0") and mid.isdigit() for mid in ids)
    for record in records:
        assert set(record) >= {"merchant_id", "items", "quantities", "reasons"}
        assert 0 < len(record["items"]) <= 15
        assert len(record["items"]) == len(set(record["items"])) == len(record["quantities"]) == len(record["reasons"])
        assert all(sku == sku.upper().strip() for sku in record["items"])
        assert all(isinstance(q, int) and q >= 1 for q in record["quantities"])
        assert all(r["kind"] in {"repeat", "discover", "popular"} for r in record["reasons"])


def test_file_contract_reads_lowercase_skus_and_float_ids(tmp_path: Path) -> None:
    rows = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    for n, day in enumerate(range(1, 28)):
        for customer in ("12345.0", "23456.0", "34567.0"):
            rows.append(f"{100 + n}{customer[:2]},85123a,HEART,6,2011-0{1 + n % 6}-{day:02d} 10:00,2.55,{customer},UK")
            rows.append(f"{100 + n}{customer[:2]},post,POSTAGE,1,2011-0{1 + n % 6}-{day:02d} 10:00,18,{customer},UK")
    path = tmp_path / "orders.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(rows) + "\n")
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(app, ["recommend", "restock", "--orders", str(path), "--k", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["merchant_id"] for r in records] == ["12345", "23456", "34567"]
    assert all(r["items"] == ["85123A"] for r in records)
    assert all(r["reasons"][0]["kind"] == "repeat" and r["quantities"] == [6] for r in records)


def test_file_contract_learns_from_the_files_descriptions(sample_lines: pd.DataFrame) -> None:
    _, model, _ = predict_lines(sample_lines, 5)
    assert model.stats.titles == titles_from_lines(sample_lines) and model.stats.title_sim.nnz > 0


def test_file_contract_keeps_rejected_rows_with_their_reason(tmp_path: Path) -> None:
    header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
    good = [f"5{n:05d},22961,JAM SET,{6 + n % 3},12/{1 + n % 28}/2010 9:41,1.45,1780{n % 4},UK" for n in range(60)]
    bad = ["536381,,NO SKU,24,12/1/2010 9:41,1.45,17809,UK", "536382,22961,JAM SET,abc,12/1/2010 9:41,1.45,17809,UK"]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join([header, *good, *bad]) + "\n")
    out, rejected = tmp_path / "pred.jsonl", tmp_path / "bad.jsonl"
    args = ["recommend", "restock", "--orders", str(path), "--out", str(out), "--rejected", str(rejected)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "as of 2010-12-28, dates read as month/day/year," in output
    assert "2 rows not used (1 missing SKU, 1 non-numeric quantity)" in output
    records = [json.loads(line) for line in rejected.read_text().splitlines()]
    assert [(r["row_number"], r["reason"]) for r in records] == [(61, "missing SKU"), (62, "non-numeric quantity")]
    assert records[1]["fields"]["Quantity"] == "abc" and records[1]["fields"]["InvoiceDate"] == "12/1/2010 9:41"


def test_file_contract_takes_a_mapping_file(tmp_path: Path) -> None:
    rows = ["order;sku;qty;when;price;shop"]
    rows += [f"{9000 + n};2100{n % 3};{2 + n % 2};{1 + n % 28:02d}/03/2011 10:00;1.5;shop{n % 5}" for n in range(80)]
    path, mapping = tmp_path / "feed.csv", tmp_path / "feed.yaml"
    path.write_text("\n".join(rows) + "\n")
    mapping.write_text(
        "columns: {invoice_id: order, sku: sku, quantity: qty, ordered_at: when, unit_price: price, "
        "merchant_id: shop}\ndate_format: '%d/%m/%Y %H:%M'\ndelimiter: ';'\n"
    )
    out = tmp_path / "pred.jsonl"
    args = ["recommend", "restock", "--orders", str(path), "--mapping", str(mapping), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "as of 2011-03-28, dates read as format %d/%m/%Y %H:%M," in " ".join(result.output.split())
    assert [json.loads(line)["merchant_id"] for line in out.read_text().splitlines()] == [f"shop{i}" for i in range(5)]


def test_a_file_with_nothing_to_learn_says_which_rows_were_rejected_and_why(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
    path.write_text(f"{header}\n536381,22139,TEA SET,23,2010-12-01 09:41:00,n/a,15311,UK\n")
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(app, ["recommend", "restock", "--orders", str(path), "--out", str(out)])
    assert result.exit_code == 2 and not out.exists()
    message = " ".join(result.output.split())
    assert "nothing to learn from; 1 of 1 rows were rejected: non-numeric price (1); row 1:" in message
    assert '"UnitPrice": "n/a"' in message


def test_a_purchase_cancelled_in_full_is_no_restock_suggestion(sample_lines: pd.DataFrame) -> None:
    """Like customer 12346 of the demo, who ordered 74,215 storage jars and cancelled them the same day."""
    last = sample_lines["ordered_at"].max()
    skus = sample_lines["sku"][sample_lines["is_product"]].value_counts().index[:3].tolist()
    rows = [(f"99000{n}", sku, 12, last - pd.Timedelta(days=30 * n)) for n in (1, 2, 3) for sku in skus[:2]]
    rows += [("990004", skus[2], 74215, last - pd.Timedelta(days=10))]
    cancel = [("C990005", skus[2], -74215, last - pd.Timedelta(days=10) + pd.Timedelta(minutes=5))]

    def lines_with(extra: list[tuple[str, str, int, pd.Timestamp]]) -> pd.DataFrame:
        added = pd.DataFrame(
            {
                "invoice_id": [r[0] for r in extra],
                "sku": [r[1] for r in extra],
                "quantity": [r[2] for r in extra],
                "ordered_at": pd.to_datetime([r[3] for r in extra]).astype(sample_lines["ordered_at"].dtype),
            }
        ).assign(description="", unit_price=1.04, merchant_id="99999", country="United Kingdom", is_product=True)
        added["row_number"] = range(len(sample_lines) + 1, len(sample_lines) + len(added) + 1)
        added["line_no"] = 1
        return pd.concat([sample_lines, added[sample_lines.columns]], ignore_index=True)

    def jar_suggestion(lines: pd.DataFrame) -> list[tuple[str, int]]:
        suggestions, _, _ = predict_lines(lines, 10)
        return [(s.reason["kind"], s.quantity) for s in suggestions["99999"] if s.sku == skus[2]]

    assert jar_suggestion(lines_with(rows)) == [("repeat", 74215)]  # kept: a real (if large) purchase
    assert all(quantity != 74215 and kind != "repeat" for kind, quantity in jar_suggestion(lines_with(rows + cancel)))
