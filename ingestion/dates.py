"""Order dates from text: ISO first, then numeric day/month dates whose order the whole column decides.

A feed writes all its dates one way, but `12/1/2010` alone is 12 January or 1 December. The column decides: a first
field above 12 can only be a day (day first, as UK spreadsheet exports write it: 13/12/2010 08:26), a second field
above 12 can only be a day (month first, as the public CSV of Online Retail writes it: 12/13/2010 8:26). Reading
each date on its own instead puts 12/1/2010 on 12 January and 12/13/2010 on 13 December in one file. A date that
contradicts its column's order, or names a day its month lacks (2011-02-30), becomes NaT, so its row is rejected
with its reason rather than stored on another day. A column whose fields never exceed 12 cannot tell; it is read
month first, and the returned description says that this was assumed (a mapping file's `date_format` settles it).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ISO_FORMAT = "%Y-%m-%d %H:%M:%S"
_ZONE = r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
_NUMERIC = (
    r"^(?P<first>\d{1,2})[/.\-](?P<second>\d{1,2})[/.\-](?P<year>\d{4}|\d{2})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<sec>\d{2}))?\s*(?P<half>[AaPp][Mm])?)?$"
)


def as_arrow_text(values: pd.Series) -> pa.Array:
    """A text column as an Arrow string array (for the vectorised parsers)."""
    return pa.array(values.to_numpy(dtype=object), type=pa.string()) if values.dtype == object else pa.array(values)


def read_dates(values: pd.Series, date_format: str | None) -> tuple[pd.Series, str]:
    """Text to datetime64[ns] (unparseable -> NaT) and how the dates were read, e.g. 'day/month/year'."""
    text = pc.utf8_trim_whitespace(as_arrow_text(values))
    fast = pc.strptime(text, format=date_format or ISO_FORMAT, unit="s", error_is_null=True)
    parsed = pd.Series(fast.to_numpy(zero_copy_only=False), index=values.index).astype("datetime64[ns]")
    parsed = _without_rollover(parsed, text, date_format or ISO_FORMAT)
    if date_format is not None:
        return parsed, f"format {date_format}"
    stripped = values.str.strip()
    missing = parsed.isna() & (stripped != "")
    if not missing.any():
        return parsed, "ISO"
    fields = _numeric_fields(stripped[missing])
    numeric = fields["first"].notna()
    how = "ISO and named months"
    if numeric.any():
        numeric_dates, how = _numeric_dates(fields[numeric])
        parsed.loc[numeric_dates.index] = numeric_dates
    others = stripped[missing][~numeric]
    if len(others):
        parsed.loc[others.index] = _other_dates(others)
    return parsed, how


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
    dates = pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")
    return dates.where(valid), how


def _other_dates(text: pd.Series) -> pd.Series:
    """ISO variants (T, fractions, offsets) and dates with month names; a time zone is dropped, wall time kept."""
    wall = text.str.replace(_ZONE, "", regex=True).where(text.str.contains(r"\d"), "")  # no 'now' or 'today'
    dates = pd.to_datetime(wall, format="ISO8601", errors="coerce")
    dates = dates.astype("datetime64[ns]")
    rest = dates.isna()
    if rest.any():
        dates.loc[rest] = pd.to_datetime(wall[rest], format="mixed", errors="coerce").astype("datetime64[ns]")
    return dates
