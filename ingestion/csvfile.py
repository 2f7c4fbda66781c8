"""Delimited text files (CSV, CSV.gz) into text columns, with the malformed lines kept apart.

What varies between exports of the same data is found from the file, not asked for:
- the delimiter: the one of ',', ';', tab and '|' that splits the header into the most fields (a mapping's wins);
- the encoding: UTF-8 (with or without a byte-order mark) or, when the bytes are not UTF-8, Windows-1252, else
  Latin-1. The widely copied CSV of Online Retail is Latin-1 (`£`, `é` in descriptions), as a Windows Excel export is.

Rows are numbered as a spreadsheet shows the file, less the header: row 1 is the first row under the header, and a
blank line keeps its number (a spreadsheet shows it as an empty row) though it is no row of data. So row N is line
N + 1 in an editor, unless a quoted field above it breaks over several lines (one row, as in a spreadsheet).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DELIMITERS = (",", ";", "\t", "|")
_Malformed = list[tuple[int, str, str]]


@dataclass
class CsvRows:
    """Every well-formed data row as text with its 1-based `row_number` (blank lines counted, as in the module
    docstring), the malformed lines, how it was read."""

    table: pd.DataFrame
    malformed: pd.DataFrame
    header: list[str]
    encoding: str


GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(magic)) == magic
    except OSError:
        return False


def _read_bytes(path: Path, *, first_line: bool = False) -> bytes:
    """The file's bytes (decompressed when gzip, whatever its name), or only its first line."""
    if _starts_with(path, GZIP_MAGIC):
        with gzip.open(path, "rb") as packed:
            return packed.readline() if first_line else packed.read()
    with path.open("rb") as handle:
        return handle.readline() if first_line else handle.read()


def legacy_encoding(path: Path) -> str:
    """'cp1252' if every byte decodes as Windows-1252, else 'latin-1' (which decodes anything)."""
    try:
        _read_bytes(path).decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def header_line(path: Path) -> tuple[str, bool]:
    """The first line as text, and whether it was UTF-8."""
    try:
        first = _read_bytes(path, first_line=True)
    except (OSError, EOFError):
        return "", True  # the reader reports the problem with its own message
    first = first.split(b"\r", 1)[0]  # a classic-Mac file (Excel's "CSV (Macintosh)") ends its lines with CR only
    try:
        return first.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        return first.decode("cp1252", errors="replace"), False


def sniff_delimiter(line: str) -> str:
    """The delimiter that splits the header line into the most fields; ',' on a tie."""
    return max(DELIMITERS, key=lambda candidate: (len(_fields(line, candidate)), candidate == ","))


def _fields(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])


def read_delimited(path: Path, delimiter: str | None) -> CsvRows:
    """Read the whole file as text columns (the delimiter sniffed from the header unless given)."""
    if _starts_with(path, ZIP_MAGIC):
        raise ValueError(f"{path}: a ZIP archive, not CSV; unpack it and ingest the file inside")
    line, utf8 = header_line(path)
    if "\x00" in line:
        raise ValueError(f"{path}: a binary file, not CSV text")
    try:
        delimiter = delimiter or sniff_delimiter(line)
        header = _fields(line, delimiter)
    except csv.Error as exc:
        raise ValueError(f"{path}: not a delimited text file ({exc})") from exc
    encoding = "utf8" if utf8 else legacy_encoding(path)
    try:
        arrow, bad = _arrow_read(path, header, delimiter, encoding, threads=True)
    except pa.ArrowInvalid as exc:
        if "UTF8" not in str(exc) or encoding != "utf8":
            raise ValueError(f"{path}: cannot read the file ({exc}); is it truncated or not CSV?") from exc
        encoding = legacy_encoding(path)  # UTF-8 header, other bytes further down
        arrow, bad = _arrow_read(path, header, delimiter, encoding, threads=True)
    if bad:  # row numbers are only known single-threaded; malformed files are rare, so re-read
        arrow, bad = _arrow_read(path, header, delimiter, encoding, threads=False)
    table = _numbered(arrow.to_pandas(), bad)
    empty = _empty_rows(arrow)
    if len(empty):  # blank lines were read as rows of empty fields to keep their numbers; they hold no data
        table = table.drop(index=_blank_lines(path, delimiter, encoding, table.iloc[empty], len(table) + len(bad)))
    return CsvRows(table.reset_index(drop=True), _malformed(bad), header, encoding)


def _arrow_read(
    path: Path, header: list[str], delimiter: str, encoding: str, threads: bool
) -> tuple[pa.Table, _Malformed]:
    bad: _Malformed = []

    def _skip(row: pacsv.InvalidRow) -> str:
        why = f"expected {row.expected_columns} fields, saw {row.actual_columns}"
        joined = (row.text or "").count("\n")
        if joined:  # a quote opened and never closed runs over the lines after it: say how many are in this one row
            why = f"an unmatched quote joins it with the next {joined} lines; {why}"
        bad.append((row.number or 0, why, row.text))
        return "skip"

    source = pa.input_stream(str(path), compression="gzip") if _starts_with(path, GZIP_MAGIC) else path
    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(use_threads=threads, block_size=1 << 22, encoding=encoding),
            # A blank line is read as a row (of empty fields), so it counts in the row numbers, as in an editor. Blocks
            # end where no quoted field is open: a record whose quoted line break was the last line break of a 4 MiB
            # block was cut into two malformed rows (no slower on the demo: 1.86 / 2.01 s against 2.03 / 1.95 s).
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=_skip, ignore_empty_lines=False, newlines_in_values=True
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header}, strings_can_be_null=False
            ),
        )
    except (EOFError, OSError) as exc:
        raise ValueError(f"{path}: cannot read the file ({exc}); is it truncated or not CSV?") from exc
    return table, bad


def _numbered(table: pd.DataFrame, bad: _Malformed) -> pd.DataFrame:
    bad_rows = {number - 1 for number, _, _ in bad}
    numbers = np.arange(1, len(table) + len(bad) + 1, dtype=np.int64)
    table["row_number"] = numbers[~np.isin(numbers, list(bad_rows))] if bad_rows else numbers
    return table


def _empty_rows(table: pa.Table) -> np.ndarray:
    """Positions of the rows whose every field is empty: blank lines, and lines of delimiters only (',,,,'). Most
    files have none, which the first column (an invoice id, a SKU) shows in one pass (under 1 ms on the demo)."""
    empty = pc.equal(pc.binary_length(table.column(0)), 0)
    for column in table.columns[1:]:
        if not pc.any(empty).as_py():
            break
        empty = pc.and_(empty, pc.equal(pc.binary_length(column), 0))
    return np.flatnonzero(empty.to_numpy(zero_copy_only=False))


def _blank_lines(path: Path, delimiter: str, encoding: str, empty: pd.DataFrame, rows: int) -> pd.Index:
    """Which of the `empty` rows (numbered; `rows` rows in all, malformed ones included) are blank lines, not lines of
    delimiters only, which stay rows (rejected for what they lack): Arrow reads both alike, Python's csv module does
    not. Should the two readers split the file into different numbers of rows (a quote left open), every empty row is
    taken for a blank line: either way it holds no data."""
    text = _read_bytes(path).decode("utf-8-sig" if encoding == "utf8" else encoding, errors="replace")
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    blank: list[int] = []
    number = 0
    try:
        next(records, None)  # the header
        for number, fields in enumerate(records, start=1):
            if not fields:
                blank.append(number)
    except csv.Error:  # e.g. a field over the module's size limit
        return empty.index
    if number != rows:
        return empty.index
    return empty.index[empty["row_number"].isin(blank).to_numpy()]


def _malformed(bad: _Malformed) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row_number": np.array([number - 1 for number, _, _ in bad], dtype=np.int64),
            "reason": pd.Series([f"malformed line: {why}" for _, why, _ in bad], dtype=object),
            "raw": pd.Series([text for _, _, text in bad], dtype=object),
        }
    )
