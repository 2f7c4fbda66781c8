from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.db import Store
from ingestion.vectors.cache import EmbeddingCache
from ingestion.vectors.embedders import HashEmbedder
from ingestion.vectors.index import NumpyIndex
from ingestion.vectors.indexing import sync_index
from tests.ingestion.vectors.catalog_data import ROWS, load_catalog_rows


class CountingEmbedder(HashEmbedder):
    """The hash embedder, recording every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().embed_documents(texts)


def test_incremental_sync_embeds_only_changed_content(sqlite_store: Store, tmp_path: Path) -> None:
    load_catalog_rows(sqlite_store, tmp_path, ROWS)
    emb = CountingEmbedder()
    cache = EmbeddingCache(tmp_path / "cache.npz", emb.dim)
    index = NumpyIndex()

    first = sync_index(sqlite_store, emb, index, cache)
    assert (first.products, first.embedded, first.upserted, first.unchanged) == (6, 6, 6, 0)
    assert index.count() == 6 and len(emb.seen) == 6

    again = sync_index(sqlite_store, emb, index, cache)
    assert (again.embedded, again.upserted, again.unchanged) == (0, 0, 6)
    assert len(emb.seen) == 6

    # A3 changes title (re-embed); A1 only changes stock and price (payload update, no embedding).
    load_catalog_rows(
        sqlite_store,
        tmp_path,
        ["A3,BLUE ENAMEL MUG,,kitchen,2.40,,true", "A1,LED FAIRY LIGHTS WARM WHITE,,lights,7.00,0,true"],
        "update.csv",
    )
    third = sync_index(sqlite_store, emb, index, cache)
    assert (third.embedded, third.upserted, third.unchanged) == (1, 2, 4)
    assert emb.seen[-1] == "blue enamel mug | kitchen"
    stored = index.payloads()
    assert stored["A1"]["stock"] == 0 and stored["A1"]["in_stock"] is False and stored["A1"]["price"] == 7.0


def test_fresh_index_is_filled_from_the_cache_without_embedding(sqlite_store: Store, tmp_path: Path) -> None:
    load_catalog_rows(sqlite_store, tmp_path, ROWS)
    emb = CountingEmbedder()
    sync_index(sqlite_store, emb, NumpyIndex(), EmbeddingCache(tmp_path / "cache.npz", emb.dim))
    emb.seen.clear()
    # A new process: empty in-memory index, cache read back from disk; a full rebuild also reuses it.
    report = sync_index(sqlite_store, emb, NumpyIndex(), EmbeddingCache(tmp_path / "cache.npz", emb.dim), full=True)
    assert (report.embedded, report.upserted, report.from_cache) == (0, 6, 6)
    assert emb.seen == []


def test_products_removed_from_the_table_leave_the_index(sqlite_store: Store, tmp_path: Path) -> None:
    from sqlalchemy import delete

    from core.tables import Product

    load_catalog_rows(sqlite_store, tmp_path, ROWS)
    emb = HashEmbedder()
    index = NumpyIndex()
    cache = EmbeddingCache(tmp_path / "cache.npz", emb.dim)
    sync_index(sqlite_store, emb, index, cache)
    with sqlite_store.session() as session:
        session.execute(delete(Product).where(Product.sku == "A6"))
    report = sync_index(sqlite_store, emb, index, cache)
    assert report.deleted == 1 and "A6" not in index.payloads()
