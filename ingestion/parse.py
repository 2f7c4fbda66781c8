"""Read an order-line file into validated canonical rows plus rejected rows with reasons.

The same parsing rules serve the store ingestion and the file-to-file recommender contract, so a
file is read one way everywhere. Every data row ends up in exactly one of `lines` or `rejected`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.codes import non_product_mask
from ingestion.formats import CANONICAL_COLUMNS, FeedFormat, resolve_format

_BAD_LINE = re.compile(r"Skipping line (\d+): (.+?)(?:\n|$)")
MERCHANT_LANGUAGE_BY_COUNTRY = {"Hong Kong": "zh", "China": "zh", "Taiwan": "zh", "Singapore": "zh"}


@dataclass
class ParsedOrders:
    """Validated order lines and the rows that failed, both keyed by 1-based data row number."""

    source: str
    sha256: str
    format_name: str
    rows_read: int
    lines: pd.DataFrame
    rejected: pd.DataFrame

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        counts = self.rejected["reason"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_header(path: Path, delimiter: str) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # type: ignore[operator]
        return next(csv.reader(handle, delimiter=delimiter), [])


def _read_raw_lines(path: Path, wanted: set[int]) -> dict[int, str]:
    """Fetch physical lines (1-based, header = 1) by number, for quarantining malformed lines verbatim."""
    opener = gzip.open if path.suffix == ".gz" else open
    found: dict[int, str] = {}
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # type: ignore[operator]
        for number, line in enumerate(handle, start=1):
            if number in wanted:
                found[number] = line.rstrip("\r\n")
                if len(found) == len(wanted):
                    break
    return found


def _read_table(path: Path, fmt_name: str, mapping: Path | None) -> tuple[pd.DataFrame, FeedFormat, pd.DataFrame]:
    """Return (all data rows as text with `row_number`, the format, malformed lines)."""
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
        fmt = resolve_format(fmt_name, [str(c) for c in table.columns], mapping)
        table = table.astype(object).where(table.notna(), "").astype(str)
        table["row_number"] = np.arange(1, len(table) + 1)
        return table, fmt, pd.DataFrame(columns=["row_number", "reason", "raw"])
    header = _read_header(path, ",")
    delimiter = ","
    if mapping is not None:
        from ingestion.formats import load_mapping

        delimiter = load_mapping(mapping).delimiter
        header = _read_header(path, delimiter)
    fmt = resolve_format(fmt_name, header, mapping)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            table = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                sep=delimiter,
                on_bad_lines="warn",
                encoding="utf-8",
                encoding_errors="replace",
            )
        except (EOFError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise ValueError(f"{path}: cannot read the file ({exc}); is it truncated or not CSV?") from exc
    bad = {int(m.group(1)): m.group(2).strip() for w in caught for m in _BAD_LINE.finditer(str(w.message))}
    table = table.fillna("")
    n_rows = len(table) + len(bad)
    bad_rows = {line - 1 for line in bad}
    table["row_number"] = np.array([r for r in range(1, n_rows + 1) if r not in bad_rows], dtype=np.int64)
    raw = _read_raw_lines(path, set(bad)) if bad else {}
    malformed = pd.DataFrame(
        {
            "row_number": [line - 1 for line in bad],
            "reason": [f"malformed line: {why}" for why in bad.values()],
            "raw": [raw.get(line, "") for line in bad],
        }
    )
    return table, fmt, malformed


def normalise_merchant_ids(values: pd.Series) -> pd.Series:
    """'12347.0' -> '12347'; blanks stay blank (anonymous)."""
    cleaned = values.str.strip()
    return cleaned.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def _first_failure(checks: list[tuple[str, pd.Series]], index: pd.Index) -> pd.Series:
    reason = pd.Series("", index=index, dtype=object)
    for label, failed in reversed(checks):
        reason = reason.mask(failed, label)
    return reason


def parse_orders(path: Path, fmt_name: str = "auto", mapping: Path | None = None) -> ParsedOrders:
    """Parse and validate an order-line file (CSV, CSV.gz or Parquet)."""
    table, fmt, malformed = _read_table(path, fmt_name, mapping)
    cols = {
        canon: table[src] if src in table else pd.Series("", index=table.index) for canon, src in fmt.columns.items()
    }
    frame = pd.DataFrame({c: cols.get(c, pd.Series("", index=table.index)) for c in CANONICAL_COLUMNS})
    frame = frame.astype(str)
    frame["row_number"] = table["row_number"].to_numpy()

    invoice = frame["invoice_id"].str.strip().str.upper()
    sku = frame["sku"].str.strip().str.upper()
    quantity = pd.to_numeric(frame["quantity"].str.strip(), errors="coerce")
    price = pd.to_numeric(frame["unit_price"].str.strip(), errors="coerce")
    date_text = frame["ordered_at"].str.strip()
    if fmt.date_format:
        ordered_at = pd.to_datetime(date_text, format=fmt.date_format, errors="coerce")
    else:
        ordered_at = pd.to_datetime(date_text, format="ISO8601", errors="coerce")
        if ordered_at.isna().mean() > 0.5:
            ordered_at = pd.to_datetime(date_text, format="mixed", dayfirst=True, errors="coerce")
    reason = _first_failure(
        [
            ("missing invoice id", invoice == ""),
            ("missing SKU", sku == ""),
            ("non-numeric quantity", quantity.isna()),
            ("non-integer quantity", quantity.notna() & (quantity != quantity.round())),
            ("unparseable date", ordered_at.isna()),
            ("non-numeric price", price.isna()),
        ],
        frame.index,
    )
    bad = reason != ""
    rejected_fields = table.loc[bad, [c for c in table.columns if c != "row_number"]]
    rejected = pd.DataFrame(
        {
            "row_number": frame.loc[bad, "row_number"].to_numpy(),
            "reason": reason[bad].to_numpy(),
            "raw": [json.dumps(r, ensure_ascii=False) for r in rejected_fields.to_dict("records")],
        }
    )
    rejected = pd.concat([rejected, malformed], ignore_index=True).sort_values("row_number", ignore_index=True)

    good = ~bad
    lines = pd.DataFrame(
        {
            "row_number": frame.loc[good, "row_number"].to_numpy(),
            "invoice_id": invoice[good].to_numpy(),
            "sku": sku[good].to_numpy(),
            "description": frame.loc[good, "description"].str.strip().to_numpy(),
            "quantity": quantity[good].astype(np.int64).to_numpy(),
            "unit_price": price[good].round(4).to_numpy(),
            "ordered_at": ordered_at[good].to_numpy(),
            "merchant_id": normalise_merchant_ids(frame.loc[good, "merchant_id"]).to_numpy(),
            "country": frame.loc[good, "country"].str.strip().to_numpy(),
        }
    )
    lines["is_product"] = ~non_product_mask(lines["sku"]).to_numpy()
    lines = lines.sort_values(["invoice_id", "row_number"], ignore_index=True)
    lines["line_no"] = lines.groupby("invoice_id", sort=False).cumcount().astype(np.int64)
    return ParsedOrders(
        source=path.name,
        sha256=file_sha256(path),
        format_name=fmt.name,
        rows_read=len(table) + len(malformed),
        lines=lines,
        rejected=rejected,
    )


def invoice_kind(invoice_ids: pd.Series) -> pd.Series:
    """purchase | cancellation (C-prefixed) | adjustment (A-prefixed bad-debt adjustments)."""
    first = invoice_ids.str[0]
    return pd.Series(
        np.select([first == "C", first == "A"], ["cancellation", "adjustment"], "purchase"),
        index=invoice_ids.index,
    )


def link_cancellations(lines: pd.DataFrame) -> pd.Series:
    """For each return line, the latest earlier purchase invoice of the same merchant with the same SKU."""
    result = pd.Series(None, index=lines.index, dtype=object)
    has_merchant = lines["merchant_id"] != ""
    returns = lines[has_merchant & (lines["quantity"] < 0) & lines["is_product"]]
    buys = lines[has_merchant & (lines["quantity"] > 0) & (invoice_kind(lines["invoice_id"]) == "purchase")]
    if returns.empty or buys.empty:
        return result
    left = returns[["merchant_id", "sku", "ordered_at"]].reset_index().sort_values("ordered_at")
    right = buys[["merchant_id", "sku", "ordered_at", "invoice_id"]].sort_values("ordered_at")
    matched = pd.merge_asof(left, right, on="ordered_at", by=["merchant_id", "sku"], direction="backward")
    matched = matched.dropna(subset=["invoice_id"])
    result.loc[matched["index"].to_numpy()] = matched["invoice_id"].to_numpy()
    return result
