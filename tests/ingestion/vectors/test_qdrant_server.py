"""Contract tests against a real Qdrant server; skipped unless S2B_QDRANT_URL is set (e.g. http://127.0.0.1:6333)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pytest

from core.settings import load_settings
from ingestion.vectors.index import IndexFilter, open_index
from ingestion.vectors.qdrant import QdrantIndex
from tests.ingestion.vectors.test_index import PAYLOADS, QUERY, VECTORS

QDRANT_URL = os.environ.get("S2B_QDRANT_URL", "")  # read at import: the autouse fixture clears S2B_* later
QDRANT_API_KEY = os.environ.get("S2B_QDRANT_API_KEY") or None
pytestmark = pytest.mark.skipif(not QDRANT_URL, reason="set S2B_QDRANT_URL to run the Qdrant server contract tests")


def test_server_index_honours_the_contract(tmp_path: Path) -> None:
    settings = load_settings(
        home=tmp_path / ".s2b",
        qdrant_url=QDRANT_URL,
        qdrant_api_key=QDRANT_API_KEY,
        qdrant_collection=f"s2b_test_{uuid.uuid4().hex[:8]}",
    )
    index = open_index(settings, "hash")
    assert isinstance(index, QdrantIndex) and index.server
    try:
        index.prepare(2)
        index.upsert(VECTORS, PAYLOADS)
        assert index.count() == 5
        assert [s for s, _ in index.search(QUERY, 10, IndexFilter())] == ["P1", "P2", "P3", "P4", "P5"]
        assert [s for s, _ in index.search(QUERY, 10, IndexFilter(in_stock=True, max_price=3.0))] == ["P1", "P3"]
        assert set(index.payloads()) == {p["sku"] for p in PAYLOADS}
        index.delete(["P1"])
        assert index.count() == 4
        score = index.search(QUERY, 1, IndexFilter())[0][1]
        assert score == pytest.approx(float(VECTORS[1] @ QUERY), abs=1e-4)
        assert np.isfinite(score)
    finally:
        with index._lock:
            index.client.delete_collection(index.collection)
