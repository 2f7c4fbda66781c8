"""Text the store can hold, checked before a feed is written.

PostgreSQL refuses a NUL character in any text and a value longer than its String(n) column, and the refusal fails the
whole transaction: one such cell cost a feed every row. SQLite stores both. So a row holding one is a rejected row
with its reason on both backends (the limits are the columns' own, `core.tables.max_chars`), and the rest applies.

Nothing is shortened to fit: an id, a SKU, a country or a category cut short would be another one. Titles and
descriptions are Text columns with no limit, so only a NUL character rejects them; it is not dropped, as that would
change the text without a word. The quarantine itself takes any row: its reason and source are shortened to their
columns with a closing '…', and a NUL in a line stored as read is written as the JSON escape \\u0000.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import InstrumentedAttribute

from core.tables import NUL, RejectedRow, length_reason, max_chars, nul_reason
from ingestion.dates import as_arrow_text

Check = tuple[str, pd.Series]  # a rejection reason and the rows (bool) it applies to


def unstorable(what: str, values: pd.Series, *columns: InstrumentedAttribute[Any]) -> list[Check]:
    """The checks that reject the `values` the `columns` cannot hold: a NUL character, then more characters than a
    String(n) column holds. Vectorised in Arrow, each after a cheap look that finds nothing in most files."""
    text = as_arrow_text(values)
    none = pd.Series(False, index=values.index)
    nul = _mask(pc.match_substring(text, NUL), values.index) if _may_hold_nul(text) else none
    checks = [(nul_reason(what), nul)]
    limit = max_chars(*columns)
    if limit is not None:  # a text has at least as many bytes as characters
        long = pc.any(pc.greater(pc.binary_length(text), limit)).as_py()
        too_long = _mask(pc.greater(pc.utf8_length(text), limit), values.index) if long else none
        checks.append((length_reason(what, limit), too_long))
    return checks


def _may_hold_nul(text: pa.Array | pa.ChunkedArray) -> bool:
    """Whether the text's character data holds a NUL byte anywhere (the one UTF-8 sequence with a 0 byte), found by
    one search of its buffers: under 1 ms on the demo's descriptions, where a search row by row takes 26 ms. True
    where the layout is not the plain one, so the rows are searched."""
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        data = chunk.buffers()[2]
        if data is not None and data.to_pybytes().find(NUL.encode()) >= 0:
            return True
    return False


def _mask(flags: Any, index: pd.Index) -> pd.Series:
    return pd.Series(flags.to_numpy(zero_copy_only=False), index=index, dtype=bool)


def fitted(text: str, column: InstrumentedAttribute[Any]) -> str:
    """`text` shortened to `column`'s length, ending in '…' where it was cut (for the quarantine's own words)."""
    limit = max_chars(column)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def quarantined(source: str, reason: str, raw: str | None) -> tuple[str, str, str]:
    """A rejected row's source, reason and fields as the quarantine can always store them."""
    return fitted(source, RejectedRow.source), fitted(reason, RejectedRow.reason), (raw or "").replace(NUL, "\\u0000")
