"""Order lines from a spreadsheet workbook (.xlsx, .xlsm, .xls, .xlsb, .ods), as the text a CSV export would hold.

The UCI file itself is a workbook (`Online Retail.xlsx`, one sheet; Online Retail II has one sheet per year). Every
sheet whose header has order-line columns is read, in order, and its data rows are numbered on from the previous
sheet's, so a rejected row's number counts data rows across those sheets; other sheets (notes, pivots) are
skipped. Each sheet may spell its columns its own way (`CustomerID` in one year, `Customer ID` in the next, or
another preset's names): its columns are renamed to the first order sheet's spelling, which names the format.
Cells become text: dates as ISO `YYYY-MM-DD HH:MM:SS`, whole numbers without `.0` (stock code 71053, customer
17850), empty cells as ''. Read with calamine (Rust; the demo's 541,909 lines in about 6 s).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineError

from ingestion.formats import FeedFormat, FormatError, chosen_format, fit_format

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_SUFFIXES


def read_workbook(path: Path, fmt_name: str, mapping: Path | None) -> tuple[pd.DataFrame, FeedFormat]:
    """(every data row of the matching sheets as text, with a 1-based `row_number`; the format)."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, engine="calamine", dtype=object)
    except (CalamineError, OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the workbook ({exc}); is it an Excel or OpenDocument file?") from exc
    formats = _sheet_formats(path, sheets, fmt_name, mapping)
    fmt = next(iter(formats.values()))
    used = [_as_text(sheets[name]).rename(columns=_renaming(own, fmt)) for name, own in formats.items()]
    table = pd.concat(used, ignore_index=True).fillna("")  # an optional column one sheet lacks: empty cells
    table["row_number"] = np.arange(1, len(table) + 1, dtype=np.int64)
    return table, fmt


def _sheet_formats(
    path: Path, sheets: dict[str, pd.DataFrame], fmt_name: str, mapping: Path | None
) -> dict[str, FeedFormat]:
    """Each order sheet's format, in sheet order; when there is none, every sheet's error names what is missing."""
    formats: dict[str, FeedFormat] = {}
    errors: list[str] = []
    chosen = chosen_format(fmt_name, mapping)
    for name, sheet in sheets.items():
        try:
            formats[name] = fit_format(chosen, [str(c) for c in sheet.columns])
        except FormatError as exc:
            errors.append(f"sheet {name!r}: {exc}")
    if not formats:
        raise FormatError(f"{path}: no sheet has order-line columns ({'; '.join(errors) or 'no sheets'})")
    return formats


def _renaming(own: FeedFormat, first: FeedFormat) -> dict[str, str]:
    """A sheet's column names -> the first order sheet's names for the same canonical columns."""
    return {src: first.columns[canon] for canon, src in own.columns.items() if canon in first.columns}


def _as_text(sheet: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({str(column): [_cell_text(v) for v in sheet[column]] for column in sheet.columns})


def _cell_text(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
