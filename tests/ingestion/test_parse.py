from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from ingestion.formats import FormatError
from ingestion.parse import parse_numbers, parse_orders

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
GOOD = [
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n",
    "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom\n",
    "536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom\n",
    "C536379,d,Discount,-1,2010-12-01 09:41:00,27.5,14527,United Kingdom\n",
    "536367,post,POSTAGE,3,2010-12-01 08:34:00,18,13047,United Kingdom\n",
]


def write(tmp_path: Path, lines: list[str], name: str = "orders.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + "".join(lines), encoding="utf-8")
    return path


def test_good_rows_are_normalised(tmp_path: Path) -> None:
    parsed = parse_orders(write(tmp_path, GOOD))
    lines = parsed.lines.set_index("row_number")
    assert parsed.rows_read == 5 and len(parsed.rejected) == 0
    assert lines.loc[1, "merchant_id"] == "17850"  # no trailing .0
    assert lines.loc[3, "merchant_id"] == ""  # anonymous sale
    assert lines.loc[4, "sku"] == "D" and not lines.loc[4, "is_product"]
    assert lines.loc[5, "sku"] == "POST" and not lines.loc[5, "is_product"]
    assert lines.loc[4, "quantity"] == -1
    assert lines.loc[1, "ordered_at"] == pd.Timestamp("2010-12-01 08:26:00")
    assert list(parsed.lines[parsed.lines.invoice_id == "536365"]["line_no"]) == [0, 1]


def test_a_fee_under_a_product_code_is_no_product_by_its_title(tmp_path: Path) -> None:
    rows = [
        "536368,23444,Next Day Carriage,1,2011-05-26 16:11:00,15,15241,United Kingdom\n",
        "536369,23444,,200,2011-05-19 10:48:00,0,,United Kingdom\n",  # the same fee, no description
        "536370,22980,POSTAGE STAMP TIN,2,2011-05-26 16:11:00,1.25,15241,United Kingdom\n",  # a product naming one
        "536371,22981,DELIVERY VAN MONEY BOX,2,2011-05-26 16:11:00,1.25,15241,United Kingdom\n",
        "536372,99001,Amazon fee,1,2011-05-26 16:11:00,5,15241,United Kingdom\n",
    ]
    lines = parse_orders(write(tmp_path, rows)).lines
    assert dict(zip(lines["row_number"], lines["is_product"], strict=True)) == {
        1: False, 2: False, 3: True, 4: True, 5: False
    }  # fmt: skip


def test_bad_rows_are_rejected_with_row_number_and_reason(tmp_path: Path) -> None:
    bad = [
        GOOD[0],
        "536370,22728,ALARM CLOCK,24,yesterday,3.75,12583,France\n",  # row 2: bad date
        "536370,22727,ALARM CLOCK RED,two dozen,2010-12-01 08:45:00,3.75,12583,France\n",  # row 3: text qty
        "536370,,NO CODE,12,2010-12-01 08:45:00,3.75,12583,France\n",  # row 4: empty SKU
        "536370,22726,ALARM CLOCK GREEN,4,2010-12-01 08:45:00,abc,12583,France\n",  # row 5: text price
        GOOD[1],
        "536371,22086,PAPER CHAIN KIT,80,2010-12-01 09",  # row 7: truncated last line
    ]
    parsed = parse_orders(write(tmp_path, bad))
    reasons = dict(zip(parsed.rejected["row_number"], parsed.rejected["reason"], strict=True))
    assert parsed.rows_read == 7
    assert sorted(parsed.lines["row_number"]) == [1, 6]
    assert reasons[2] == "unparseable date"
    assert reasons[3] == "non-numeric quantity"
    assert reasons[4] == "missing SKU"
    assert reasons[5] == "non-numeric price"
    assert reasons[7] == "malformed line: expected 8 fields, saw 5"
    assert parsed.rows_read == len(parsed.lines) + len(parsed.rejected)
    assert "two dozen" in parsed.rejected.set_index("row_number").loc[3, "raw"]


def test_a_date_without_its_day_is_rejected_not_read_as_the_1st(tmp_path: Path) -> None:
    rows = [GOOD[0], GOOD[1].replace("2010-12-01 08:26:00", "2011"), GOOD[2].replace("2010-12-01 08:28:00", "2011-05")]
    parsed = parse_orders(write(tmp_path, rows))
    assert parsed.lines["row_number"].tolist() == [1]  # 2011 was stored as 2011-01-01 00:00, 2011-05 as 2011-05-01
    rejected = parsed.rejected.set_index("row_number")
    incomplete = "incomplete date (day, month or year missing)"
    assert rejected["reason"].to_dict() == {2: incomplete, 3: incomplete}
    assert json.loads(rejected.loc[2, "raw"])["InvoiceDate"] == "2011"  # kept as written


def test_truncated_last_line_mid_field_is_kept_as_malformed(tmp_path: Path) -> None:
    parsed = parse_orders(write(tmp_path, [GOOD[0], GOOD[1], "536371,22086,PAPER CH"]))
    assert parsed.rows_read == 3
    rejected = parsed.rejected.set_index("row_number")
    assert rejected.loc[3, "reason"].startswith("malformed line")
    assert rejected.loc[3, "raw"] == "536371,22086,PAPER CH"


def test_extra_field_line_is_malformed_not_lost(tmp_path: Path) -> None:
    parsed = parse_orders(write(tmp_path, [GOOD[0], "1,2,3,4,5,6,7,8,9\n", GOOD[1]]))
    assert sorted(parsed.lines["row_number"]) == [1, 3]
    assert parsed.rejected.iloc[0]["row_number"] == 2
    assert "expected 8 fields, saw 9" in parsed.rejected.iloc[0]["reason"]


def test_gzip_and_online_retail_ii_auto_detected(tmp_path: Path) -> None:
    header = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
    path = tmp_path / "ii.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(header + "489434,85048,15CM CHRISTMAS GLASS BALL,12,2009-12-01 07:45:00,6.95,13085.0,UK\n")
    parsed = parse_orders(path)
    assert parsed.format_name == "online-retail-ii"
    assert parsed.lines.iloc[0]["merchant_id"] == "13085"
    assert parsed.lines.iloc[0]["unit_price"] == pytest.approx(6.95)


def test_wrong_format_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, ["a,b\n"], header="foo,bar\n")
    with pytest.raises(FormatError, match="--mapping"):
        parse_orders(path)
    with pytest.raises(FormatError, match="lacks columns"):
        parse_orders(write(tmp_path, GOOD, "x.csv"), "online-retail-ii")


def test_mapping_file_with_own_date_format_and_delimiter(tmp_path: Path) -> None:
    data = tmp_path / "feed.csv"
    data.write_text("order;item;qty;when;price;shop\nA1;sku-9;3;01/02/2024 10:00;1.50;shop7\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {invoice_id: order, sku: item, quantity: qty, ordered_at: when, unit_price: price, "
        "merchant_id: shop}\ndate_format: '%d/%m/%Y %H:%M'\ndelimiter: ';'\n"
    )
    parsed = parse_orders(data, mapping=mapping)
    row = parsed.lines.iloc[0]
    assert (row["sku"], row["merchant_id"], row["quantity"]) == ("SKU-9", "shop7", 3)
    assert row["ordered_at"] == pd.Timestamp("2024-02-01 10:00")


def test_parquet_input(tmp_path: Path) -> None:
    frame = pd.read_csv(write(tmp_path, GOOD), dtype=str, keep_default_na=False)
    frame.to_parquet(tmp_path / "orders.parquet")
    parsed = parse_orders(tmp_path / "orders.parquet")
    assert parsed.rows_read == 5 and len(parsed.lines) == 5


def test_sample_every_row_accounted_for(sample_orders_path: Path) -> None:
    parsed = parse_orders(sample_orders_path)
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False)
    assert parsed.rows_read == len(raw) == len(parsed.lines) + len(parsed.rejected)
    assert set(parsed.lines["merchant_id"]) - {""} == {c.removesuffix(".0") for c in raw["CustomerID"] if c}


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_found_from_the_header(sample_orders_path: Path, tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "orders.csv"
    pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False).to_csv(path, sep=delimiter, index=False)
    expected, parsed = parse_orders(sample_orders_path), parse_orders(path)
    pd.testing.assert_frame_equal(parsed.lines, expected.lines)
    assert len(parsed.rejected) == len(expected.rejected)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (["2,55", "1,5", "3"], [2.55, 1.5, 3.0]),  # fractions after a comma throughout: European export
        (["1,000", "2,000", "5"], [None, None, 5.0]),  # three digits after the comma may be a thousand: not guessed
        (["2.55", "1,5"], [2.55, None]),  # the column uses points, so a comma is not a decimal point
    ],
)
def test_decimal_commas_are_read_per_column(column: list[str], expected: list[float | None]) -> None:
    numbers = parse_numbers(pd.Series(column, dtype=object))
    assert [None if pd.isna(n) else n for n in numbers] == expected


def test_a_european_export_reads_like_the_original(sample_orders_path: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False)
    raw["UnitPrice"] = raw["UnitPrice"].str.replace(".", ",", regex=False)
    path = tmp_path / "orders.csv"
    raw.to_csv(path, sep=";", index=False)
    pd.testing.assert_frame_equal(parse_orders(path).lines, parse_orders(sample_orders_path).lines)


def test_a_block_repeated_by_an_overlapping_export_is_set_aside(sample_orders_path: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False)
    overlap = raw[raw["InvoiceNo"].isin(raw["InvoiceNo"].drop_duplicates().iloc[-40:-30])]  # ten whole invoices
    path = tmp_path / "two_years.csv"
    pd.concat([raw, overlap], ignore_index=True).to_csv(path, index=False)
    original, parsed = parse_orders(sample_orders_path), parse_orders(path)
    repeated = parsed.rejected[parsed.rejected["reason"] == "repeats an earlier block of the same invoice"]
    assert repeated["row_number"].tolist() == list(range(len(raw) + 1, len(raw) + len(overlap) + 1))
    assert parsed.rows_read == len(parsed.lines) + len(parsed.rejected)
    columns = [c for c in original.lines.columns if c != "row_number"]
    pd.testing.assert_frame_equal(parsed.lines[columns], original.lines[columns])


def test_an_overlap_that_cuts_invoices_at_both_ends_is_set_aside(sample_orders_path: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False)
    sizes = raw.groupby("InvoiceNo", sort=False).size()
    long = [raw.index[raw["InvoiceNo"] == inv][0] for inv in sizes[sizes >= 4].index[-20:]]
    part_two_from, part_one_to = long[0] + 2, long[-1] + 2  # each part's edge cuts an invoice after its 2nd line
    path = tmp_path / "overlapping_parts.csv"
    pd.concat([raw.iloc[:part_one_to], raw.iloc[part_two_from:]], ignore_index=True).to_csv(path, index=False)
    original, parsed = parse_orders(sample_orders_path), parse_orders(path)
    assert parsed.rejected_by_reason == {"repeats an earlier block of the same invoice": part_one_to - part_two_from}
    columns = [c for c in original.lines.columns if c != "row_number"]
    pd.testing.assert_frame_equal(parsed.lines[columns], original.lines[columns])


def test_an_invoice_split_by_other_rows_but_not_repeated_stays_whole(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "542806,48194,DOORMAT HEARTS,1,2011-02-01 11:19:00,7.95,12836,UK\n"
        "542807,22365,DOORMAT,2,2011-02-01 11:19:00,7.95,12837,UK\n"
        "542806,22692,DOORMAT WELCOME,2,2011-02-01 11:20:00,7.95,12836,UK\n"
        "542806,48194,DOORMAT HEARTS,1,2011-02-01 11:19:00,7.95,12836,UK\n"
    )
    parsed = parse_orders(path)
    assert parsed.rejected.empty and len(parsed.lines) == 4


def test_a_mapping_that_names_a_missing_column_or_reads_no_date_is_an_error(tmp_path: Path) -> None:
    data = tmp_path / "feed.csv"
    data.write_text("order;item;qty;when;price;Shop\nA1;sku-9;3;01/02/2024 10:00;1.50;shop7\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    columns = "columns: {invoice_id: order, sku: item, quantity: qty, ordered_at: when, unit_price: price, "
    mapping.write_text(columns + "merchant_id: ShopID}\n")  # a typo: every line would be anonymous
    with pytest.raises(FormatError, match=r"no column \['ShopID'\]"):
        parse_orders(data, mapping=mapping)
    mapping.write_text(columns + "merchant_id: Shop}\ndate_format: '%Y-%m-%d'\n")
    with pytest.raises(FormatError, match="reads none of the dates"):
        parse_orders(data, mapping=mapping)
    mapping.write_text("columns: [order, item\n")
    with pytest.raises(FormatError, match="not a valid YAML mapping"):
        parse_orders(data, mapping=mapping)


def test_a_date_out_of_range_is_a_rejected_row_and_the_rest_is_read(tmp_path: Path) -> None:
    beyond = ("1500-12-01 00:00:00", "3000-01-01 00:00:00", '"Dec 1, 1500"')
    rows = [GOOD[0], *(GOOD[1].replace("2010-12-01 08:26:00", when) for when in beyond), GOOD[2]]
    parsed = parse_orders(write(tmp_path, rows))  # raised OutOfBoundsDatetime: nothing was read
    assert parsed.lines["row_number"].tolist() == [1, 5]
    rejected = parsed.rejected.set_index("row_number")
    assert rejected["reason"].to_dict() == {n: "date out of range (years 1678 to 2261)" for n in (2, 3, 4)}
    assert json.loads(rejected.loc[4, "raw"])["InvoiceDate"] == "Dec 1, 1500"


def test_a_date_with_a_named_month_between_dashes_is_read(tmp_path: Path) -> None:
    rows = [
        GOOD[0].replace("2010-12-01 08:26:00", "1-Dec-2010"),
        GOOD[1].replace("2010-12-01 08:26:00", "01-Dec-2010 08:26"),
    ]
    parsed = parse_orders(write(tmp_path, rows))  # 1-Dec-2010 was an incomplete date: -2010 taken for a zone
    assert len(parsed.rejected) == 0
    assert parsed.lines["ordered_at"].astype(str).tolist() == ["2010-12-01 00:00:00", "2010-12-01 08:26:00"]
