"""The one rule for the date a restock list is as of, shared by the CLI and the HTTP API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def check_list_date(day: date) -> date:
    """`day`, unless it is in the future (a day past today in UTC, which is already tomorrow somewhere): each list
    date trains and caches a model, so a typo like 2035 would cost minutes and disk. ValueError says why."""
    if day > datetime.now(UTC).date() + timedelta(days=1):
        raise ValueError(f"{day} is in the future; a list is as of a day whose orders are in")
    return day
