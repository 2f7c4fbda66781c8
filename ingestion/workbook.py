"""Order lines from a spreadsheet workbook (.xlsx, .xlsm, .xls, .xlsb, .ods), as the text a CSV export would hold.

The UCI file itself is a workbook (`Online Retail.xlsx`, one sheet; Online Retail II has one sheet per year). Every
sheet whose header has order-line columns is read, in order, and its data rows are numbered on from the previous
sheet's, so a rejected row's number counts data rows across those sheets; other sheets (notes, pivots) are
skipped. Each sheet may spell its columns its own way (`CustomerID` in one year, `Customer ID` in the next, or
another preset's names): its columns are renamed to the first order sheet's spelling, which names the format.
Cells become text as a CSV export would hold them: dates as ISO `YYYY-MM-DD HH:MM:SS`, whole numbers without `.0`
(stock code 71053, customer 17850), empty cells as '', and text as written (a country `NA`, Namibia, or a
description `N/A` stays, as in a CSV; pandas' `read_excel` would make them empty). A sheet's table may start below
or right of empty rows and columns; its first row names the columns (an empty name becomes `Unnamed: j`, a repeated
one `name.1`). Read with calamine (Rust; about 4 s for the demo's 541,909 lines) and
turned to text once per distinct cell value (about 1 s). fastexcel (calamine to Arrow, every column as text) reads the
demo workbook in 2.2 s but writes text of its own: 1/3 as 0.333333333 (digits lost), 1e-07 as 0.0000001, a time as
1899-12-31 08:26:00, a boolean as true, and milliseconds on dates; so it is not used (2026-11-25, fastexcel 0.21.0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from ingestion.formats import FeedFormat, FormatError, fit_format

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_SUFFIXES


Grid = Sequence[Sequence[object]]  # a sheet's cells, row by row, as calamine returns them


def read_workbook(path: Path, chosen: FeedFormat | None) -> tuple[pd.DataFrame, FeedFormat]:
    """(every data row of the matching sheets as text, with a 1-based `row_number`; the format): `chosen` is the
    format the user named (`ingestion.formats.chosen_format`), None to detect it from each sheet's header."""
    grids = _read_grids(path)
    formats = _sheet_formats(path, grids, chosen)
    fmt = next(iter(formats.values()))
    used = [_as_text(grids[name]).rename(columns=_renaming(own, fmt)) for name, own in formats.items()]
    table = pd.concat(used, ignore_index=True).fillna("")  # an optional column one sheet lacks: empty cells
    table["row_number"] = np.arange(1, len(table) + 1, dtype=np.int64)
    return table, fmt


def _read_grids(path: Path) -> dict[str, Grid]:
    """Every sheet's used area (leading empty rows and columns skipped), by sheet name in workbook order."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}
    except (CalamineError, OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the workbook ({exc}); is it an Excel or OpenDocument file?") from exc


def _column_names(grid: Grid) -> list[str]:
    """The header row's texts; an empty one is `Unnamed: j`, a repeat gets `.1`, `.2`... (as pandas names them)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for j, cell in enumerate(grid[0] if grid else []):
        name = _cell_text(cell) or f"Unnamed: {j}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def _sheet_formats(path: Path, grids: dict[str, Grid], chosen: FeedFormat | None) -> dict[str, FeedFormat]:
    """Each order sheet's format, in sheet order; when there is none, every sheet's error names what is missing."""
    formats: dict[str, FeedFormat] = {}
    errors: list[str] = []
    for name, grid in grids.items():
        try:
            formats[name] = fit_format(chosen, _column_names(grid))
        except FormatError as exc:
            errors.append(f"sheet {name!r}: {exc}")
    if not formats:
        raise FormatError(f"{path}: no sheet has order-line columns ({'; '.join(errors) or 'no sheets'})")
    return formats


def _renaming(own: FeedFormat, first: FeedFormat) -> dict[str, str]:
    """A sheet's column names -> the first order sheet's names for the same canonical columns."""
    return {src: first.columns[canon] for canon, src in own.columns.items() if canon in first.columns}


def _as_text(grid: Grid) -> pd.DataFrame:
    """The data rows below the header, every cell as text."""
    names = _column_names(grid)
    cells = np.empty((len(grid) - 1, len(names)), dtype=object)
    if len(grid) > 1:
        cells[:] = grid[1:]
    return pd.DataFrame({name: _column_text(cells[:, j]) for j, name in enumerate(names)}, columns=names)


def _column_text(values: np.ndarray) -> np.ndarray:
    """`_cell_text` of each value, computed once per distinct value (a column repeats its invoices, dates, prices and
    countries: 3x faster on the demo)."""
    if bool in set(map(type, values)):  # True == 1 == 1.0 would share one text
        return np.array([_cell_text(v) for v in values], dtype=object)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)  # None and NaN: code -1, the last text
    texts = np.array([*(_cell_text(v) for v in distinct), ""], dtype=object)
    return texts[codes]


def _cell_text(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):  # a date-only cell: midnight, as a date-and-time cell would read
        return f"{value.isoformat()} 00:00:00"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
