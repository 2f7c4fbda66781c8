"""Read an order-line file into validated canonical rows plus rejected rows with reasons.

The same parsing rules serve the store ingestion and the file-to-file recommender contract, so a
file is read one way everywhere. Every data row ends up in exactly one of `lines` or `rejected`; a value the store
cannot hold (a 33-character invoice id, a NUL character: `ingestion.storable`) is a rejected row in both.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.tables import INTEGER_MAX, MONEY_LIMIT, Merchant, Order, OrderLine, Product
from ingestion.codes import non_product_mask
from ingestion.csvfile import read_delimited
from ingestion.dates import FIRST_YEAR, LAST_YEAR, as_arrow_text, read_dates
from ingestion.formats import CANONICAL_COLUMNS, FeedFormat, FormatError, chosen_format, fit_format
from ingestion.storable import Check, unstorable
from ingestion.workbook import is_workbook, read_workbook

REPEATED_BLOCK = "repeats an earlier block of the same invoice"
INCOMPLETE_DATE = "incomplete date (day, month or year missing)"
DATE_OUT_OF_RANGE = f"date out of range (years {FIRST_YEAR} to {LAST_YEAR})"
MERCHANT_LANGUAGE_BY_COUNTRY = {"Hong Kong": "zh", "China": "zh", "Taiwan": "zh", "Singapore": "zh"}


@dataclass
class ParsedOrders:
    """Validated order lines and the rows that failed, both keyed by 1-based row number: row 1 is the first row under
    the header, and in a text file blank lines keep their numbers (`ingestion.csvfile`), so row N is line N + 1."""

    source: str
    sha256: str
    format_name: str
    rows_read: int
    lines: pd.DataFrame
    rejected: pd.DataFrame
    date_order: str = "ISO"  # how the dates were read, e.g. 'month/day/year' (`ingestion.dates`)
    encoding: str = "utf8"  # a text file's encoding (`ingestion.csvfile`), or 'parquet' / 'workbook'

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


def _read_table(path: Path, fmt_name: str, mapping: Path | None) -> tuple[pd.DataFrame, FeedFormat, pd.DataFrame, str]:
    """Return (all well-formed data rows as text with `row_number`, the format, malformed lines, the encoding)."""
    no_malformed = pd.DataFrame({"row_number": pd.Series([], dtype=np.int64), "reason": [], "raw": []})
    chosen = chosen_format(fmt_name, mapping)  # a mapping file is read once, before the data
    if is_workbook(path):
        table, fmt = read_workbook(path, chosen)
        return table, fmt, no_malformed, "workbook"
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
        fmt = fit_format(chosen, [str(c) for c in table.columns])
        table = table.astype(object).where(table.notna(), "").astype(str)
        table["row_number"] = np.arange(1, len(table) + 1)
        return table, fmt, no_malformed, "parquet"
    rows = read_delimited(path, chosen.delimiter if chosen is not None else None)
    return rows.table, fit_format(chosen, rows.header), rows.malformed, rows.encoding


_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


_COMMA_FRACTION = r"^\s*[-+]?\d*,(?P<fraction>\d+)\s*$"
_POINT_FRACTION = r"^\s*[-+]?\d*\.\d+"


def _writes_decimal_commas(text: pa.Array | pa.ChunkedArray) -> bool:
    """Whether a column writes fractions after a comma (2,55: European exports): some value does, none uses a point,
    and not every such value has three digits after the comma (1,000 may be a thousand)."""
    if not pc.any(pc.match_substring(text, ",")).as_py():
        return False
    comma = pc.extract_regex(text, _COMMA_FRACTION)
    if not pc.any(comma.is_valid()).as_py() or pc.any(pc.match_substring_regex(text, _POINT_FRACTION)).as_py():
        return False
    fraction_lengths = pc.utf8_length(pc.struct_field(comma.filter(comma.is_valid()), 0))
    return bool(pc.any(pc.not_equal(fraction_lengths, 3)).as_py())


def parse_numbers(values: pd.Series) -> pd.Series:
    """Text to float; anything that is not a plain decimal number becomes NaN (vectorised in Arrow). A column that
    writes its fractions after a comma throughout (2,55) is read with the comma as the decimal point."""
    text = as_arrow_text(values)
    if _writes_decimal_commas(text):
        text = pc.replace_substring(text, ",", ".")
    valid = pc.match_substring_regex(text, _NUMBER)
    numbers = pc.cast(pc.utf8_trim_whitespace(pc.if_else(valid, text, "0")), pa.float64())
    return pd.Series(pc.if_else(valid, numbers, None).to_numpy(zero_copy_only=False), index=values.index)


def normalise_merchant_ids(values: pd.Series) -> pd.Series:
    """'12347.0' -> '12347'; blanks stay blank (anonymous)."""
    cleaned = values.str.strip()
    return cleaned.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def _first_failure(checks: list[Check], index: pd.Index) -> pd.Series:
    reason = pd.Series("", index=index, dtype=object)
    for label, failed in reversed(checks):
        reason = reason.mask(failed, label)
    return reason


def parse_orders(path: Path, fmt_name: str = "auto", mapping: Path | None = None) -> ParsedOrders:
    """Parse and validate an order-line file (CSV or CSV.gz, Parquet, or a workbook: .xlsx, .xls, .ods)."""
    table, fmt, malformed, encoding = _read_table(path, fmt_name, mapping)
    if mapping is not None:  # a column the user named and the file lacks is a typo, not an optional column
        absent = [src for src in fmt.columns.values() if src not in table.columns]
        if absent:
            header = [str(c) for c in table.columns if c != "row_number"]
            raise FormatError(f"{mapping}: the file has no column {absent} (it has {header})")
    cols = {
        canon: table[src] if src in table else pd.Series("", index=table.index) for canon, src in fmt.columns.items()
    }
    frame = pd.DataFrame({c: cols.get(c, pd.Series("", index=table.index)) for c in CANONICAL_COLUMNS})
    frame = frame.astype(str)
    frame["row_number"] = table["row_number"].to_numpy()

    invoice = frame["invoice_id"].str.strip().str.upper()
    sku = frame["sku"].str.strip().str.upper()
    merchant = normalise_merchant_ids(frame["merchant_id"])
    description = frame["description"].str.strip()
    country = frame["country"].str.strip()
    quantity = parse_numbers(frame["quantity"])
    price = parse_numbers(frame["unit_price"])
    ordered_at, date_order, incomplete_date, date_out_of_range = read_dates(frame["ordered_at"], fmt.date_format)
    written = frame["ordered_at"].str.strip()
    if fmt.date_format and ordered_at.isna().all() and (written != "").any():
        example = written[written != ""].iloc[0]
        raise FormatError(f"date_format {fmt.date_format!r} reads none of the dates, e.g. {example!r}")
    reason = _first_failure(
        [
            ("missing invoice id", invoice == ""),
            *unstorable("invoice id", invoice, Order.invoice_id, OrderLine.cancels_invoice_id),
            ("missing SKU", sku == ""),
            *unstorable("SKU", sku, OrderLine.sku, Product.sku),
            *unstorable("merchant id", merchant, Merchant.id, OrderLine.merchant_id),
            *unstorable("country", country, Order.country, Merchant.country),
            *unstorable("description", description, Product.title, Product.description),
            ("non-numeric quantity", quantity.isna()),
            ("non-integer quantity", quantity.notna() & (quantity != quantity.round())),
            ("quantity out of range", quantity.abs() > INTEGER_MAX),
            (INCOMPLETE_DATE, incomplete_date),
            (DATE_OUT_OF_RANGE, date_out_of_range),
            ("unparseable date", ordered_at.isna()),
            ("non-numeric price", price.isna()),
            ("price out of range", price.abs() >= MONEY_LIMIT),
        ],
        frame.index,
    )
    valid = reason == ""
    keys = pd.DataFrame(
        {"sku": sku, "quantity": quantity, "price": price, "at": ordered_at, "who": frame["merchant_id"]}
    )
    repeats = repeated_blocks(invoice[valid], keys[valid])
    reason.loc[repeats.index] = repeats
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
            "description": description[good].to_numpy(),
            "quantity": quantity[good].astype(np.int64).to_numpy(),
            "unit_price": price[good].round(4).to_numpy(),
            "ordered_at": ordered_at[good].to_numpy(),
            "merchant_id": merchant[good].to_numpy(),
            "country": country[good].to_numpy(),
        }
    )
    lines["is_product"] = ~non_product_mask(lines["sku"], lines["description"]).to_numpy()
    lines = lines.sort_values(["invoice_id", "row_number"], ignore_index=True)
    lines["line_no"] = lines.groupby("invoice_id", sort=False).cumcount().astype(np.int64)
    return ParsedOrders(
        source=path.name,
        sha256=file_sha256(path),
        format_name=fmt.name,
        rows_read=len(table) + len(malformed),
        lines=lines,
        rejected=rejected,
        date_order=date_order,
        encoding=encoding,
    )


def repeated_blocks(invoice: pd.Series, keys: pd.DataFrame) -> pd.Series:
    """Reasons for the rows of a block that repeats an earlier block of the same invoice, row for row (an export
    whose parts overlap, e.g. two yearly sheets that both hold the days between them), indexed like those rows.

    A block is a run of consecutive rows (in file order) with one invoice id. An invoice whose rows are split by
    other invoices' rows but differ stays whole: only rows that repeat an earlier block are set aside. Where the parts
    of an export overlap, an invoice cut at a part's end comes back as the start of a longer block (the repeat, then
    the rest), and one cut at the next part's start as the end of an earlier block: an earlier block of two or more
    rows at the start of a later one, or a later block of two or more rows at the end of an earlier one, is such a
    repeat too.
    """
    starts = invoice.ne(invoice.shift())
    runs = starts.groupby(invoice, sort=False).sum()
    split = set(runs.index[runs > 1])
    if not split:
        return pd.Series([], index=pd.Index([], dtype=invoice.index.dtype), dtype=object)
    block = starts.cumsum()
    chosen = invoice.isin(split)
    earlier: dict[object, list[tuple[tuple[str, ...], ...]]] = {}
    repeated: list[object] = []
    for (invoice_id, _), rows in keys[chosen].groupby([invoice[chosen], block[chosen]], sort=False):
        signature = tuple(map(tuple, rows.astype(str).to_numpy()))
        repeats = max((_overlap(before, signature) for before in earlier.get(invoice_id, [])), default=0)
        repeated.extend(rows.index[:repeats])
        earlier.setdefault(invoice_id, []).append(signature)
    return pd.Series(REPEATED_BLOCK, index=pd.Index(repeated, dtype=invoice.index.dtype), dtype=object)


def _overlap(before: tuple[tuple[str, ...], ...], block: tuple[tuple[str, ...], ...]) -> int:
    """How many of `block`'s first rows repeat `before`: all when equal, or when `block` (two rows or more) is the
    end of `before`; `before`'s length when it (two rows or more) is the start of `block`; else none."""
    if block == before or (len(block) >= 2 and before[-len(block) :] == block):
        return len(block)
    if len(before) >= 2 and block[: len(before)] == before:
        return len(before)
    return 0


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
