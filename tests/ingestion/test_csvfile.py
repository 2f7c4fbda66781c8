from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from ingestion.csvfile import read_delimited, sniff_delimiter
from ingestion.parse import parse_orders

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
BLOCK = 1 << 22  # the bytes Arrow reads at a time (ingestion.csvfile)
ROWS = [
    "536365,85123A,CAFÉ HEART £5,6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n",
    "536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,17850,United Kingdom\n",
]


@pytest.mark.parametrize(("encoding", "expected"), [("utf-8", "utf8"), ("latin-1", "cp1252"), ("cp1252", "cp1252")])
def test_text_is_read_in_the_files_encoding(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "orders.csv.gz"
    with gzip.open(path, "wt", encoding=encoding) as handle:
        handle.write(HEADER + "".join(ROWS))
    parsed = parse_orders(path)
    assert parsed.encoding == expected
    assert parsed.lines["description"].tolist() == ["CAFÉ HEART £5", "HAND WARMER"]


def test_bytes_no_code_page_defines_fall_back_to_latin1(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + ROWS[1]).encode() + ROWS[0].replace("CAFÉ", "CAF\x81").encode("latin-1"))
    rows = read_delimited(path, None)
    assert rows.encoding == "latin-1" and rows.table["Description"].tolist() == ["HAND WARMER", "CAF\x81 HEART £5"]


def test_a_utf8_header_over_windows_bytes_further_down_is_reread(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(HEADER.encode() + ROWS[1].encode() * 5000 + ROWS[0].encode("cp1252"))
    parsed = parse_orders(path)
    assert parsed.encoding == "cp1252" and "CAFÉ HEART £5" in set(parsed.lines["description"])
    assert len(parsed.lines) == 5001 and parsed.rejected.empty


@pytest.mark.parametrize(
    ("line", "expected"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a|b|c", "|"), ("a;b,c", ","), ("single", ",")],
)
def test_the_delimiter_is_the_one_that_splits_the_header_most(line: str, expected: str) -> None:
    assert sniff_delimiter(line + "\r\n") == expected


def test_classic_mac_line_endings_and_gzip_without_its_suffix_read_like_the_plain_file(tmp_path: Path) -> None:
    text = HEADER + "".join(ROWS)
    plain, mac, packed = tmp_path / "orders.csv", tmp_path / "mac.csv", tmp_path / "packed.csv"
    plain.write_text(text, encoding="utf-8")
    mac.write_text(text.replace("\n", "\r"), encoding="utf-8", newline="")
    packed.write_bytes(gzip.compress(text.encode()))
    expected = parse_orders(plain).lines
    for path in (mac, packed):
        assert parse_orders(path).lines.drop(columns="row_number").equals(expected.drop(columns="row_number"))


def test_an_archive_or_a_binary_named_csv_is_a_clear_error(tmp_path: Path) -> None:
    archive, binary = tmp_path / "orders.csv", tmp_path / "program.csv"
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("orders.csv", HEADER + "".join(ROWS))
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00,\x00\n\x00\x01")
    with pytest.raises(ValueError, match="a ZIP archive"):
        read_delimited(archive, None)
    with pytest.raises(ValueError, match="a binary file"):
        read_delimited(binary, None)


def test_an_unmatched_quote_says_how_many_lines_it_swallowed(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    broken = '536367,22224,"UNBALANCED QUOTE,1,2010-12-01 08:34:00,1.0,13047,United Kingdom\n'
    path.write_text(HEADER + ROWS[1] + broken + ROWS[1].replace("536366", "536368") * 3, encoding="utf-8")
    parsed = parse_orders(path)
    assert len(parsed.lines) == 1 and parsed.rejected_by_reason == {
        "malformed line: an unmatched quote joins it with the next 3 lines; expected 8 fields, saw 3": 1
    }


def test_blank_lines_keep_their_numbers_so_row_n_is_line_n_plus_1(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    bad_date = ROWS[1].replace("536366", "536367").replace("2010-12-01 08:28:00", "yesterday")
    lines = [HEADER, ROWS[0], "\n", "\r\n", "\n", bad_date, ROWS[1], "\n", "1,2,3,4,5,6,7,8,9\n", ",,,,,,,\n", ROWS[1]]
    path.write_text("".join(lines) + "\n", encoding="utf-8")  # and a blank last line
    parsed = parse_orders(path)
    rejected = dict(zip(parsed.rejected["row_number"], parsed.rejected["reason"], strict=True))
    assert rejected == {  # lines 6, 9 and 10 in an editor; they were reported as rows 2, 4 and 5
        5: "unparseable date",
        8: "malformed line: expected 8 fields, saw 9",
        9: "missing invoice id",  # a line of delimiters only is a row, as before; a blank line is none
    }
    assert parsed.lines["row_number"].tolist() == [1, 6, 10]
    assert parsed.rows_read == 6 == len(parsed.lines) + len(parsed.rejected)
    in_editor = path.read_text(encoding="utf-8").splitlines()  # in_editor[n] is line n + 1
    assert in_editor[5] == bad_date.strip() and in_editor[8].startswith("1,2,3")


def test_a_quoted_line_break_leaves_one_row_as_in_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    broken = ROWS[1].replace("HAND WARMER", '"HAND\n\nWARMER"')  # three lines, one row
    bad_date = ROWS[1].replace("536366", "536367").replace("2010-12-01 08:28:00", "yesterday")
    path.write_text(HEADER + broken + "\n" + bad_date, encoding="utf-8")
    parsed = parse_orders(path)
    assert parsed.lines["description"].tolist() == ["HAND\n\nWARMER"]
    assert parsed.rejected["row_number"].tolist() == [3]  # row 1, a blank line, row 3


def test_a_quoted_line_break_where_the_reader_cuts_a_large_file_into_blocks_stays_one_row(tmp_path: Path) -> None:
    # Arrow reads 4 MiB blocks; a record whose quoted line break was the last one before a block's end was cut in two
    # "malformed" rows, and its order line went to quarantine
    def line(n: int) -> str:  # one invoice each, all of one length
        return f"{600000 + n},85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,UK\n"

    end = BLOCK + len(HEADER) - 1  # the last byte of the first block of rows (the header is read on its own)
    before = (end - len(HEADER)) // len(line(0)) - 1  # whole lines before the record that crosses the block's end
    start = '536366,22633,"HAND'
    filler = end - len(HEADER) - before * len(line(0)) - len(start)  # its quoted line break: that last byte
    record = f'{start}{"W" * filler}\nWARMER",6,2010-12-01 08:28:00,1.85,17850,UK\n'
    path = tmp_path / "orders.csv"
    path.write_text(
        HEADER + "".join(map(line, range(before))) + record + "".join(map(line, range(before, before + 2000)))
    )
    assert path.read_bytes().index(b"\nWARMER") == end
    parsed = parse_orders(path)
    assert parsed.rejected.empty and len(parsed.lines) == before + 2001
    assert parsed.lines.loc[parsed.lines["invoice_id"] == "536366", "description"].str.endswith("\nWARMER").all()
