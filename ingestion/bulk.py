"""Fast bulk writes: COPY on PostgreSQL, executemany on SQLite. Values are plain Python scalars."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

SQL_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # the text form SQLAlchemy itself writes for DateTime on SQLite


def datetimes_as_text(values: pd.Series) -> list[str | None]:
    """datetime64 values as 'YYYY-MM-DD HH:MM:SS.ffffff' (vectorised; NaT -> None)."""
    stamps = pd.to_datetime(values).to_numpy(dtype="datetime64[us]")
    if stamps.size == 0:
        return []
    text = np.char.replace(np.datetime_as_string(stamps, unit="us"), "T", " ")
    return [None if t == "NaT" else t for t in text.tolist()]


def as_python(values: pd.Series | np.ndarray) -> list[Any]:
    """Column values as plain Python objects, fast for Arrow-backed strings; NaN/NA -> None."""
    array = values.to_numpy(dtype=object, na_value=None) if isinstance(values, pd.Series) else values.astype(object)  # type: ignore[call-overload]
    return array.tolist()


def bulk_insert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert many rows inside the caller's transaction. Returns the number of rows written."""
    if not rows:
        return 0
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return len(rows)
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(map(tuple, rows)))
    return len(rows)


def bulk_update(conn: Connection, table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """UPDATE table SET columns... WHERE key = ? for each row (key value last in each row)."""
    if not rows:
        return 0
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    sets = ", ".join(f"{c} = {mark}" for c in columns)
    conn.exec_driver_sql(f"UPDATE {table} SET {sets} WHERE {key} = {mark}", list(map(tuple, rows)))
    return len(rows)
