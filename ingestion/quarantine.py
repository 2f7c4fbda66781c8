"""The quarantine read back: rows ingestion could not store, with their reasons, to fix and ingest again.

Rows are kept per source file (its name and sha256) and replaced when the same file is ingested again, so what
is listed here is what the latest ingest of each file left out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select

from core.db import Store
from core.tables import RejectedRow


@dataclass(frozen=True)
class Rejected:
    source: str
    row_number: int  # 1-based data row of the file (the line under the header is row 1)
    reason: str
    raw: str  # the row's fields as read, JSON

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RejectedCount:
    source: str
    reason: str
    rows: int


def _matching(source: str | None, reason: str | None) -> list[ColumnElement[bool]]:
    """`source` and `reason` match as case-insensitive parts of the stored texts."""
    wanted = [(RejectedRow.source, source), (RejectedRow.reason, reason)]
    return [func.lower(column).contains(part.lower(), autoescape=True) for column, part in wanted if part]


def rejected_rows(
    store: Store, *, source: str | None = None, reason: str | None = None, limit: int | None = None
) -> list[Rejected]:
    """Stored rejected rows in the order they were kept (file by file, row by row)."""
    query = select(RejectedRow.source, RejectedRow.row_number, RejectedRow.reason, RejectedRow.raw)
    query = query.where(*_matching(source, reason)).order_by(RejectedRow.id).limit(limit)
    with store.session() as session:
        return [Rejected(*row) for row in session.execute(query)]


def rejected_counts(store: Store, *, source: str | None = None, reason: str | None = None) -> list[RejectedCount]:
    """How many rows each source lost to each reason, most first."""
    rows = func.count().label("rows")
    query = select(RejectedRow.source, RejectedRow.reason, rows).group_by(RejectedRow.source, RejectedRow.reason)
    query = query.where(*_matching(source, reason)).order_by(rows.desc(), RejectedRow.source, RejectedRow.reason)
    with store.session() as session:
        return [RejectedCount(*row) for row in session.execute(query)]
