from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ingestion.dates import read_dates
from ingestion.parse import parse_orders


def _read(*values: str) -> tuple[list[str], str]:
    dates, how = read_dates(pd.Series(list(values), dtype=object), None)[:2]
    return [str(d) if pd.notna(d) else "NaT" for d in dates], how


def test_a_second_field_above_12_makes_the_whole_column_month_first() -> None:
    dates, how = _read("12/1/2010 8:26", "12/13/2010 9:00", "1/2/2011 10:05")
    assert dates == ["2010-12-01 08:26:00", "2010-12-13 09:00:00", "2011-01-02 10:05:00"]
    assert how == "month/day/year"


def test_a_first_field_above_12_makes_the_whole_column_day_first() -> None:
    dates, how = _read("01/12/2010 08:26", "13/12/2010 09:00:30", "02.01.2011 10:05")
    assert dates == ["2010-12-01 08:26:00", "2010-12-13 09:00:30", "2011-01-02 10:05:00"]
    assert how == "day/month/year"


def test_a_date_against_its_columns_order_is_not_put_on_another_day() -> None:
    dates, how = _read("12/13/2010 9:00", "12/14/2010 9:00", "13/12/2010 9:00", "12/1/2010 8:26")
    assert how == "month/day/year"
    assert dates == ["2010-12-13 09:00:00", "2010-12-14 09:00:00", "NaT", "2010-12-01 08:26:00"]


def test_a_day_its_month_lacks_is_not_rolled_into_the_next_month() -> None:
    dates, _ = _read("2011-02-30 10:00:00", "2011-06-31 09:00:00", "2011-02-29", "2012-02-29 08:00:00")
    assert dates == ["NaT", "NaT", "NaT", "2012-02-29 08:00:00"]
    assert _read("2011-03-01 10:00:00", "2011-3-2 9:05:00")[0] == ["2011-03-01 10:00:00", "2011-03-02 09:05:00"]
    formatted = read_dates(pd.Series(["30/02/2011 10:00", "01/03/2011 10:00"]), "%d/%m/%Y %H:%M").dates
    assert pd.isna(formatted[0]) and str(formatted[1]) == "2011-03-01 10:00:00"


def test_a_column_that_cannot_tell_is_read_month_first_and_says_it_assumed() -> None:
    dates, how = _read("1/2/2011", "3/4/2011 10:00")
    assert dates == ["2011-01-02 00:00:00", "2011-03-04 10:00:00"]
    assert how.startswith("month/day/year (assumed")


def test_twelve_hour_clock_two_digit_years_and_impossible_times() -> None:
    dates, _ = _read(
        "12/13/10 8:26 PM", "12/1/2010 12:30 AM", "12/1/2010 12:30 pm", "12/1/2010 25:00", "12/1/2010 0:30 AM"
    )
    assert dates == ["2010-12-13 20:26:00", "2010-12-01 00:30:00", "2010-12-01 12:30:00", "NaT", "NaT"]


def test_iso_variants_and_month_names_keep_their_wall_time() -> None:
    dates, _ = _read("2010-12-01T08:26:00+01:00", "2010-12-01 08:26:00Z", "1 Dec 2010 08:26", "Dec 13, 2010 8:26 PM")
    assert dates == ["2010-12-01 08:26:00", "2010-12-01 08:26:00", "2010-12-01 08:26:00", "2010-12-13 20:26:00"]


@pytest.mark.parametrize("word", ["now", "today", "yesterday", "soon"])
def test_words_are_not_dates(word: str) -> None:
    assert _read(word, "2010-12-01 08:26:00")[0][0] == "NaT"


def test_a_mapping_date_format_is_taken_as_given() -> None:
    dates, how = read_dates(pd.Series(["01/02/2011 10:00", "12/13/2010 10:00"]), "%d/%m/%Y %H:%M")[:2]
    assert str(dates[0]) == "2011-02-01 10:00:00" and pd.isna(dates[1]) and how == "format %d/%m/%Y %H:%M"


@pytest.mark.parametrize(
    "value", ["2011", "2011-05", "2011/05", "12/2010", "May 2011", "Dec 2010 08:26", "3 May", "Dec 1 8:26", "8:26"]
)
def test_a_value_without_its_day_month_or_year_is_no_date(value: str) -> None:
    dates, _ = _read(value, "1 Dec 2010 08:26", "2011-05-03", "20110503", "Dec 13, 2010 8:26 PM")
    assert dates == ["NaT", "2010-12-01 08:26:00", "2011-05-03 00:00:00", "2011-05-03 00:00:00", "2010-12-13 20:26:00"]


def test_incomplete_dates_are_told_from_unreadable_ones() -> None:
    read = read_dates(pd.Series(["2011", "yesterday", "2011-02-30 10:00:00", "May 2011", "2010-12-01 08:26:00"]), None)
    assert read.incomplete.tolist() == [True, False, False, True, False]
    assert read.dates.isna().tolist() == [True, True, True, True, False]


def test_a_mapping_date_format_without_a_day_is_taken_as_given() -> None:
    read = read_dates(pd.Series(["2011-05", "2011-06"]), "%Y-%m")
    assert read.dates.astype(str).tolist() == ["2011-05-01", "2011-06-01"] and not read.incomplete.any()


@pytest.mark.parametrize("write", ["{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}", "{d:%d/%m/%Y %H:%M}"])
def test_the_public_csv_forms_of_online_retail_read_like_the_iso_file(
    sample_orders_path: Path, tmp_path: Path, write: str
) -> None:
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False)
    raw["InvoiceDate"] = [write.format(d=d) for d in pd.to_datetime(raw["InvoiceDate"])]
    path = tmp_path / "orders.csv"
    raw.to_csv(path, index=False)
    iso, other = parse_orders(sample_orders_path), parse_orders(path)
    assert other.date_order == ("month/day/year" if write.startswith("{d.month}") else "day/month/year")
    assert len(other.rejected) == len(iso.rejected)
    expected = iso.lines["ordered_at"].dt.floor("min")
    pd.testing.assert_series_equal(other.lines["ordered_at"], expected)
    assert (other.lines["ordered_at"].dt.day > 12).any()  # the sample has dates that tell day from month


def test_a_year_after_a_dash_is_no_time_zone() -> None:
    dates, _ = _read("1-Dec-2010", "01-Dec-2010 08:26", "13-Dec-2010 8:26 PM")  # 1-Dec-2010 was NaT: -2010 a zone
    assert dates == ["2010-12-01 00:00:00", "2010-12-01 08:26:00", "2010-12-13 20:26:00"]


def test_a_zone_after_a_time_of_day_is_dropped_and_the_wall_time_kept() -> None:
    dates, _ = _read(
        "2010-12-01T08:26:00+01:00", "2010-12-01T08:26:00Z", "2010-12-01 08:26 UTC", "2010-12-01T08:26:00.5-0500"
    )
    assert dates == ["2010-12-01 08:26:00", "2010-12-01 08:26:00", "2010-12-01 08:26:00", "2010-12-01 08:26:00.500000"]


@pytest.mark.parametrize(
    "value", ["1500-12-01 00:00:00", "3000-01-01 00:00:00", "Dec 1, 1500", "1-Dec-1500", "12/1/1500 8:26", "1/1/3000"]
)
def test_a_date_beyond_the_years_held_is_marked_out_of_range_not_raised(value: str) -> None:
    read = read_dates(pd.Series([value, "2010-12-01 08:26:00", "2011"]), None)  # raised OutOfBoundsDatetime
    assert read.out_of_range.tolist() == [True, False, False] and read.incomplete.tolist() == [False, False, True]
    assert [str(d) for d in read.dates] == ["NaT", "2010-12-01 08:26:00", "NaT"]


def test_the_years_held_are_read_to_their_ends() -> None:
    read = read_dates(pd.Series(["1678-01-01 00:00:00", "2261-12-31 23:59:59", "1677-12-31 23:59:59"]), None)
    assert read.out_of_range.tolist() == [False, False, True]
    assert [str(d) for d in read.dates] == ["1678-01-01 00:00:00", "2261-12-31 23:59:59", "NaT"]
    formatted = read_dates(pd.Series(["01/12/1500", "01/12/2010"]), "%d/%m/%Y")
    assert formatted.out_of_range.tolist() == [True, False] and str(formatted.dates[1]) == "2010-12-01 00:00:00"


def test_how_names_month_names_only_where_dates_were_read_from_them() -> None:
    # an ingest summary said "dates read as: ISO and named months" for a file whose only other value was no date
    assert _read("2010-12-01 08:26:00", "not a date")[1] == "ISO"
    assert _read("2010-12-01 08:26:00", "2010-12-01T08:26:00Z")[1] == "ISO"
    assert _read("2010-12-01 08:26:00", "1 Dec 2010 08:26")[1] == "ISO and named months"
    assert _read("2010-12-01 08:26:00", "13/12/2010 08:26", "nope")[1] == "day/month/year"
