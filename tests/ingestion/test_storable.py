from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from core.tables import Product, RejectedRow
from ingestion.storable import fitted, quarantined, unstorable


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_characters_are_counted_not_bytes_and_a_nul_is_found_in_any_chunk(dtype: str) -> None:
    values = pd.Series(["é" * 64, "é" * 65, "ok", "late\x00"], dtype=dtype)  # 128 and 130 bytes
    (nul, nul_rows), (long, long_rows) = unstorable("sku", values, Product.sku)
    assert (nul, long) == ("sku contains a NUL character", "sku longer than 64 characters")
    assert nul_rows.tolist() == [False, False, False, True] and long_rows.tolist() == [False, True, False, False]


def test_a_chunked_column_is_searched_whole() -> None:
    values = pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([["a", "b"], ["c\x00", "d"]])))
    assert unstorable("title", values, Product.title)[0][1].tolist() == [False, False, True, False]
    assert len(unstorable("title", values, Product.title)) == 1  # Text: no length check


def test_the_quarantine_shortens_its_own_words_and_escapes_a_nul() -> None:
    assert fitted("r" * 200, RejectedRow.reason) == "r" * 200
    source, reason, raw = quarantined("s" * 301, "r" * 201, "a\x00b")
    assert (source, reason, raw) == ("s" * 299 + "…", "r" * 199 + "…", "a\\u0000b")
