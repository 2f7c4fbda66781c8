"""Order dates from text: ISO first, then numeric day/month dates whose order the whole column decides.

A feed writes all its dates one way, but `12/1/2010` alone is 12 January or 1 December. The column decides: a first
field above 12 can only be a day (day first, as UK spreadsheet exports write it: 13/12/2010 08:26), a second field
above 12 can only be a day (month first, as the public CSV of Online Retail writes it: 12/13/2010 8:26). Reading
each date on its own instead puts 12/1/2010 on 12 January and 12/13/2010 on 13 December in one file. A date that
contradicts its column's order, or names a day its month lacks (2011-02-30), becomes NaT, so its row is rejected
with its reason rather than stored on another day. A column whose fields never exceed 12 cannot tell; it is read
month first, and the returned description says that this was assumed (a mapping file's `date_format` settles it).

A value that lacks its day, month or year (2011, 2011-05, May 2011, 3 May, or a time alone) is no date either,
though a lenient parser completes it (2011 as 1 January 2011, 8:26 as today): it becomes NaT and is marked
`incomplete`, so its row is rejected for that reason. A mapping's `date_format` is taken as given, even '%Y-%m'.

A date outside the whole years datetime64[ns] holds (1678 to 2261: 1500-12-01, 3000-01-01, Dec 1, 1500) becomes NaT
and is marked `out_of_range`, so its row is rejected for that reason instead of failing the whole file.

A time zone counts only after a time of day (08:26:00+01:00, 08:26Z, 08:26 UTC) and is dropped, the wall time kept;
in 1-Dec-2010 the -2010 is the year.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from dateutil import parser as dateutil_parser

ISO_FORMAT = "%Y-%m-%d %H:%M:%S"
_FULL_ISO_DATE = r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]|$)"  # names its day, month and year: nothing to complete
_TIME_AT_END = r"\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?$"  # after a date: 8:26, 08:26:00.5 PM
_OTHER_DEFAULT = datetime(2004, 2, 2)  # unlike pandas' completions (1 January, year 1, today) in year, month and day
FIRST_YEAR, LAST_YEAR = 1678, 2261  # the whole years datetime64[ns] holds (1677-09-21 to 2262-04-11)
_FIRST, _AFTER_LAST = np.datetime64(f"{FIRST_YEAR}-01-01"), np.datetime64(f"{LAST_YEAR + 1}-01-01")
# a zone after a time of day: 08:26:00+01:00, 08:26:00.5Z, 8:26 PM UTC (not 1-Dec-2010's year)
_MONTH_NAME = r"[A-Za-z]{3}"  # Dec, December: a date written with its month's name (not T, Z or UTC alone)
_ZONE = r"(?P<time>\d:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
_NUMERIC = (
    r"^(?P<first>\d{1,2})[/.\-](?P<second>\d{1,2})[/.\-](?P<year>\d{4}|\d{2})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<sec>\d{2}))?\s*(?P<half>[AaPp][Mm])?)?$"
)


def as_arrow_text(values: pd.Series) -> pa.Array:
    """A text column as an Arrow string array (for the vectorised parsers)."""
    return pa.array(values.to_numpy(dtype=object), type=pa.string()) if values.dtype == object else pa.array(values)


class ReadDates(NamedTuple):
    """A date column read from text."""

    dates: pd.Series  # datetime64[ns]; NaT where the text is no date, or an incomplete one
    how: str  # how the dates were read, e.g. 'day/month/year'
    incomplete: pd.Series  # bool: the text lacks its day, month or year (2011, 2011-05, May 2011), so NaT
    out_of_range: pd.Series  # bool: the date is before FIRST_YEAR or after LAST_YEAR, so NaT


def read_dates(values: pd.Series, date_format: str | None) -> ReadDates:
    """Text to datetime64[ns] (unparseable, incomplete or out of range -> NaT) and how the dates were read."""
    text = pc.utf8_trim_whitespace(as_arrow_text(values))
    fast = pc.strptime(text, format=date_format or ISO_FORMAT, unit="s", error_is_null=True)
    parsed, out_of_range = in_range(pd.Series(fast.to_numpy(zero_copy_only=False), index=values.index))
    parsed = _without_rollover(parsed, text, date_format or ISO_FORMAT)
    incomplete = pd.Series(False, index=values.index)
    if date_format is not None:
        return ReadDates(parsed, f"format {date_format}", incomplete, out_of_range)
    stripped = values.str.strip()
    missing = parsed.isna() & (stripped != "") & ~out_of_range
    if not missing.any():
        return ReadDates(parsed, "ISO", incomplete, out_of_range)
    fields = _numeric_fields(stripped[missing])
    numeric = fields["first"].notna()
    how = "ISO and named months"
    if numeric.any():
        numeric_dates, how = _numeric_dates(fields[numeric])
        parsed.loc[numeric_dates.index], out_of_range.loc[numeric_dates.index] = in_range(numeric_dates)
    others = stripped[missing][~numeric]
    if len(others):
        parsed.loc[others.index], incomplete.loc[others.index], out_of_range.loc[others.index] = _other_dates(others)
        if not numeric.any() and not others[parsed.loc[others.index].notna()].str.contains(_MONTH_NAME).any():
            how = "ISO"  # what was not ISO read as no date, or as ISO with a T, a fraction or a zone: no month names
    return ReadDates(parsed, how, incomplete, out_of_range)


def in_range(dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates of any datetime64 unit as datetime64[ns], NaT where beyond FIRST_YEAR..LAST_YEAR (which a cast to ns
    would refuse, OutOfBoundsDatetime), and which those are."""
    beyond = (dates < _FIRST) | (dates >= _AFTER_LAST)
    return dates.mask(beyond).astype("datetime64[ns]"), beyond


def _without_rollover(parsed: pd.Series, text: pa.Array, date_format: str) -> pd.Series:
    """Arrow's strptime rolls an impossible day over (2011-02-30 -> 2011-03-02, 2011-06-31 -> 2011-07-01); Python's
    refuses it. A rolled date lands on day 1-3 of the next month, so those dates are read again strictly and the
    impossible ones become NaT."""
    suspects = np.flatnonzero((parsed.dt.day <= 3).to_numpy())
    if not len(suspects):
        return parsed
    suspect_text = pd.Series(text.take(pa.array(suspects)).to_numpy(zero_copy_only=False))
    impossible = {value for value in suspect_text.unique() if not _parses(value, date_format)}  # lines share times
    if not impossible:
        return parsed
    strict = parsed.copy()
    strict.iloc[suspects[suspect_text.isin(impossible).to_numpy()]] = pd.NaT
    return strict


def _parses(value: str, date_format: str) -> bool:
    try:
        datetime.strptime(value, date_format)
    except ValueError:
        return False
    return True


def _numeric_fields(text: pd.Series) -> pd.DataFrame:
    """The regex groups of `_NUMERIC` per row as text columns (missing -> NaN), extracted in Arrow."""
    groups = pc.extract_regex(as_arrow_text(text), _NUMERIC)
    matched = groups.is_valid()
    fields: dict[str, pd.Series] = {}
    for name in ("first", "second", "year", "hour", "minute", "sec", "half"):
        group = pc.struct_field(groups, name)
        fields[name] = pc.if_else(pc.and_(matched, pc.not_equal(group, "")), group, None).to_pandas()
    return pd.DataFrame(fields).set_axis(text.index)


def _numeric_dates(fields: pd.DataFrame) -> tuple[pd.Series, str]:
    """Dates like 12/13/2010 8:26 or 13.12.10 08:26:00 PM, all read in the order most of the column allows."""
    first = fields["first"].astype(int)
    second = fields["second"].astype(int)
    day_first_rows = int((first > 12).sum())
    month_first_rows = int((second > 12).sum())
    if day_first_rows > month_first_rows:
        day, month, how = first, second, "day/month/year"
    else:
        day, month, how = second, first, "month/day/year"
    if day_first_rows == month_first_rows == 0:
        how += " (assumed: no date in the file has a day above 12)"
    year = fields["year"].astype(int)
    year = year.where(fields["year"].str.len() == 4, year + 2000 - 100 * (year >= 69))  # strptime's %y
    hour = fields["hour"].fillna("0").astype(int)
    minute = fields["minute"].fillna("0").astype(int)
    sec = fields["sec"].fillna("0").astype(int)
    half = fields["half"].str.upper()
    twelve_hour = half.notna()
    valid = (hour <= 23) & (minute <= 59) & (sec <= 59) & ~(twelve_hour & ((hour < 1) | (hour > 12)))
    hour = hour.where(~twelve_hour, hour % 12 + 12 * (half == "PM"))
    parts = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour, "minute": minute, "second": sec})
    dates = pd.to_datetime(parts, errors="coerce")  # of the unit the years need, cast by the caller (`in_range`)
    return dates.where(valid), how


def _other_dates(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """ISO variants (T, fractions, offsets) and dates with month names; a time zone after a time of day is dropped,
    wall time kept. Also which values are incomplete and which out of range (both NaT in the dates)."""
    wall = text.str.replace(_ZONE, r"\g<time>", regex=True).where(text.str.contains(r"\d"), "")  # no 'now', 'today'
    dates, incomplete, beyond = _lenient(wall, "ISO8601")
    rest = dates.isna() & ~beyond
    if rest.any():
        dates.loc[rest], incomplete.loc[rest], beyond.loc[rest] = _lenient(wall[rest], "mixed")
    return dates, incomplete, beyond


def _lenient(wall: pd.Series, how: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """pandas' reading of the texts (`format` 'ISO8601' or 'mixed') as datetime64[ns], NaT where it completed a date
    with defaults or where the date is out of range, and which those are."""
    dates = pd.to_datetime(wall, format=how, errors="coerce")
    incomplete = _completed(wall, dates)
    ns_dates, beyond = in_range(dates.mask(incomplete))  # a completed year 1 is incomplete, not out of range
    return ns_dates, incomplete, beyond


def _completed(wall: pd.Series, dates: pd.Series) -> pd.Series:
    """Which dates pandas read only by completing their text with defaults: 2011 as 1 January, 2011-05 as the 1st,
    3 May in the year 1, 8:26 on today. Read again by dateutil (which pandas reads such text with) with another
    default, such a date moves; one whose text names its day, month and year does not. A full ISO date is not read
    again, and the rest once per distinct text without its time of day (the demo's 23,260 times written with month
    names are on 305 days)."""
    text = as_arrow_text(wall)
    full_iso = pc.match_substring_regex(text, _FULL_ISO_DATE).to_numpy(zero_copy_only=False)
    suspects = dates.notna() & ~full_iso
    if not suspects.any():
        return pd.Series(False, index=wall.index)
    day = pd.Series(pc.replace_substring_regex(text, _TIME_AT_END, "").to_numpy(zero_copy_only=False), wall.index)
    read = pd.DataFrame({"day": day[suspects], "date": dates[suspects]}).drop_duplicates("day")
    moved = [written for written, date in zip(read["day"], read["date"], strict=True) if _moves(written, date)]
    return suspects & day.isin(moved)


def _moves(text: str, date: pd.Timestamp) -> bool:
    """Whether `text` read with `_OTHER_DEFAULT` for what it lacks falls on another day than `date`; text dateutil
    cannot read counts as moved: nothing shows that it names a whole date (pandas reads 2011Q2 as 1 April)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dateutil_parser.UnknownTimezoneWarning)  # 'EST': the wall time is kept
            again = dateutil_parser.parse(text, default=_OTHER_DEFAULT)
    except (ValueError, OverflowError):
        return True
    return bool(again.date() != date.date())
