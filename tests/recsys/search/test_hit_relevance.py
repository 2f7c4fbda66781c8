"""SearchHit.dense / SearchHit.keyword: the per-channel relevance the reply generator gates on."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.db import Store
from ingestion.vectors.cache import EmbeddingCache
from ingestion.vectors.embedders import HashEmbedder
from ingestion.vectors.index import NumpyIndex
from recsys.search.bm25 import BM25
from recsys.search.service import SearchService, keyword_coverage
from tests.ingestion.vectors.catalog_data import ROWS, load_catalog_rows


@pytest.fixture
def service(sqlite_store: Store, tmp_path: Path) -> SearchService:
    load_catalog_rows(sqlite_store, tmp_path, ROWS)
    emb = HashEmbedder()
    return SearchService(sqlite_store, emb, NumpyIndex(), EmbeddingCache(tmp_path / "c.npz", emb.dim))


def test_keyword_coverage_weighs_unknown_words_as_rare() -> None:
    bm25 = BM25(["LED FAIRY LIGHTS WARM WHITE", "WHITE CERAMIC MUG", "RED MUG"])
    full, none_, mug = keyword_coverage(bm25, "fairy lights", [0, 1, 2])
    assert full == pytest.approx(1.0) and none_ == 0.0 and mug == 0.0
    half = keyword_coverage(bm25, "gaming laptop mug", [1])[0]
    assert 0.0 < half < 0.4  # two words the catalog never uses outweigh the one it does
    assert keyword_coverage(bm25, "the and", [0]) == [0.0]  # only stop words: nothing to cover


def test_hits_carry_dense_cosine_and_keyword_coverage(service: SearchService) -> None:
    hit = service.search("fairy lights", k=1)[0]
    assert hit.sku in {"A1", "A2"} and hit.keyword == pytest.approx(1.0)
    assert hit.dense is not None and -1.0 <= hit.dense <= 1.0
    assert service.rank("fairy lights", k=1, mode="keyword")[0].dense is None  # no dense channel was run
    off = service.search("gaming laptop", k=3)
    assert off and all(h.keyword == 0.0 for h in off)
