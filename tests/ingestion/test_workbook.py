from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from ingestion.formats import FormatError
from ingestion.parse import parse_orders


def _as_in_the_uci_workbook(csv_path: Path) -> pd.DataFrame:
    """The CSV's rows typed as Excel holds them: numbers where a code looks like one, dates as dates, blanks empty."""
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    typed = pd.DataFrame(index=raw.index)
    for column in raw.columns:
        numbers = pd.to_numeric(raw[column], errors="coerce")
        typed[column] = [
            n if n == n and column != "Description" else (v or None) for n, v in zip(numbers, raw[column], strict=True)
        ]
    typed["InvoiceDate"] = pd.to_datetime(raw["InvoiceDate"])
    return typed


def test_a_workbook_reads_like_its_csv_across_sheets(sample_orders_path: Path, tmp_path: Path) -> None:
    typed = _as_in_the_uci_workbook(sample_orders_path)
    half = len(typed) // 2
    path = tmp_path / "Online Retail.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        typed.iloc[:half].to_excel(writer, sheet_name="Year 1", index=False)
        pd.DataFrame({"note": ["pivot, not orders"]}).to_excel(writer, sheet_name="Notes", index=False)
        typed.iloc[half:].to_excel(writer, sheet_name="Year 2", index=False)
    from_csv, from_workbook = parse_orders(sample_orders_path), parse_orders(path)
    assert from_workbook.format_name == from_csv.format_name == "online-retail"
    assert from_workbook.rows_read == from_csv.rows_read
    pd.testing.assert_frame_equal(from_workbook.lines, from_csv.lines)
    pd.testing.assert_frame_equal(
        from_workbook.rejected[["row_number", "reason"]], from_csv.rejected[["row_number", "reason"]]
    )
    assert (typed["CustomerID"].isna()).any() and (from_workbook.lines["merchant_id"] == "").any()


def test_a_workbook_without_order_columns_names_its_sheets(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    pd.DataFrame({"a": [1], "b": [2]}).to_excel(path, sheet_name="Summary", index=False)
    with pytest.raises(FormatError, match=r"no sheet has order-line columns.*sheet 'Summary'"):
        parse_orders(path)


def test_a_file_named_xlsx_that_is_not_one_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="cannot read the workbook"):
        parse_orders(path)


def test_sheets_that_spell_the_columns_differently_are_all_read(sample_orders_path: Path, tmp_path: Path) -> None:
    """One year in Online Retail's names, the next in Online Retail II's, without a country column."""
    typed = _as_in_the_uci_workbook(sample_orders_path)
    half = len(typed) // 2
    in_ii_names = {"InvoiceNo": "Invoice", "UnitPrice": "Price", "CustomerID": "Customer ID"}
    later = typed.iloc[half:].rename(columns=in_ii_names)
    path = tmp_path / "two years.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        typed.iloc[:half].to_excel(writer, sheet_name="Year 1", index=False)
        later.drop(columns="Country").to_excel(writer, sheet_name="Year 2", index=False)
    from_csv, from_workbook = parse_orders(sample_orders_path), parse_orders(path)
    assert from_workbook.format_name == "online-retail"
    assert from_workbook.rows_read == from_csv.rows_read
    expected = from_csv.lines.copy()
    expected.loc[expected["row_number"] > half, "country"] = ""
    pd.testing.assert_frame_equal(from_workbook.lines, expected)


def test_a_mapping_file_is_read_once_for_all_the_sheets_and_for_a_csv(
    sample_orders_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shop's own column names, in a workbook of several sheets, mapped by one file."""

    own_names = {"InvoiceNo": "Bill", "StockCode": "Item", "Quantity": "Qty", "CustomerID": "Shop"}
    typed = _as_in_the_uci_workbook(sample_orders_path).rename(columns=own_names)
    half = len(typed) // 2
    path = tmp_path / "orders.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        typed.iloc[:half].to_excel(writer, sheet_name="H1", index=False)
        typed.iloc[half:].to_excel(writer, sheet_name="H2", index=False)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns: {invoice_id: Bill, sku: Item, description: Description, quantity: Qty, ordered_at: InvoiceDate,"
        " unit_price: UnitPrice, merchant_id: Shop, country: Country}\n",
        encoding="utf-8",
    )
    loads: list[str] = []
    real_load = yaml.safe_load

    def counted_load(text: str) -> object:
        loads.append(text)
        return real_load(text)

    monkeypatch.setattr(yaml, "safe_load", counted_load)  # what reading a YAML mapping file comes down to
    parsed = parse_orders(path, mapping=mapping)
    assert loads == [mapping.read_text(encoding="utf-8")]
    assert parsed.format_name == "mapping:mapping.yaml"
    pd.testing.assert_frame_equal(parsed.lines, parse_orders(sample_orders_path).lines)
    csv_path = tmp_path / "orders.csv"
    pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False).rename(columns=own_names).to_csv(
        csv_path, index=False
    )
    loads.clear()
    pd.testing.assert_frame_equal(parse_orders(csv_path, mapping=mapping).lines, parsed.lines)
    assert loads == [mapping.read_text(encoding="utf-8")]  # a CSV's delimiter and columns come from one load too


def test_text_that_pandas_reads_as_missing_stays_and_a_table_may_start_below_empty_rows(
    sample_orders_path: Path, tmp_path: Path
) -> None:
    """A country `NA` (Namibia) or a description `N/A` is text in a CSV, so it is in a workbook too."""
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False)
    raw.loc[:4, "Country"] = "NA"
    raw.loc[5:9, "Description"] = ["N/A", "null", "NULL", "None", "nan"]
    csv_path = tmp_path / "orders.csv"
    raw.to_csv(csv_path, index=False)
    typed = _as_in_the_uci_workbook(csv_path)
    path = tmp_path / "orders.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        typed.to_excel(writer, sheet_name="Orders", index=False, startrow=2, startcol=1)
    from_csv, from_workbook = parse_orders(csv_path), parse_orders(path)
    pd.testing.assert_frame_equal(from_workbook.lines, from_csv.lines)
    assert (from_workbook.lines["country"] == "NA").sum() == 5
    assert from_workbook.lines["description"].isin(["N/A", "null", "NULL", "None", "nan"]).sum() == 5


def test_header_cells_are_named_as_pandas_names_them() -> None:
    from ingestion.workbook import _column_names

    assert _column_names([["Quantity", "", "Quantity", 2011.0, None, "Quantity"]]) == [
        "Quantity",
        "Unnamed: 1",
        "Quantity.1",
        "2011",
        "Unnamed: 4",
        "Quantity.2",
    ]
    assert _column_names([]) == []


def test_an_opendocument_spreadsheet_reads_like_its_csv(sample_orders_path: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False).iloc[:1500]
    csv_path = tmp_path / "orders.csv"
    raw.to_csv(csv_path, index=False)
    path = tmp_path / "orders.ods"
    _as_in_the_uci_workbook(csv_path).to_excel(path, sheet_name="Orders", index=False, engine="odf")
    from_csv, from_workbook = parse_orders(csv_path), parse_orders(path)
    assert from_workbook.rows_read == from_csv.rows_read == 1500
    pd.testing.assert_frame_equal(from_workbook.lines, from_csv.lines)


def _write_legacy_xls(typed: pd.DataFrame, path: Path) -> None:
    """Write the rows as Excel 97-2003 (.xls, BIFF8) holds them: numbers, text, blanks and dates as date serials."""
    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Orders")
    as_date = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for col, name in enumerate(typed.columns):
        sheet.write(0, col, name)
    for row, values in enumerate(typed.itertuples(index=False), start=1):
        for col, value in enumerate(values):
            if isinstance(value, pd.Timestamp):
                sheet.write(row, col, value.to_pydatetime(), as_date)
            elif value is not None and value == value:
                sheet.write(row, col, value)
    workbook.save(str(path))


def test_a_legacy_xls_workbook_reads_like_its_csv(sample_orders_path: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False).iloc[:1500]
    csv_path = tmp_path / "orders.csv"
    raw.to_csv(csv_path, index=False)
    typed = _as_in_the_uci_workbook(csv_path)
    path = tmp_path / "orders.xls"
    _write_legacy_xls(typed, path)
    assert path.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE2 compound file, not a renamed xlsx
    from_csv, from_workbook = parse_orders(csv_path), parse_orders(path)
    assert from_workbook.rows_read == from_csv.rows_read == 1500
    pd.testing.assert_frame_equal(from_workbook.lines, from_csv.lines)
    pd.testing.assert_frame_equal(
        from_workbook.rejected[["row_number", "reason"]], from_csv.rejected[["row_number", "reason"]]
    )
