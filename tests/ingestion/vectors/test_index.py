from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ingestion.vectors.index import IndexFilter, NumpyIndex, Payload, VectorIndex, is_in_stock, top_rows
from ingestion.vectors.qdrant import QdrantIndex


def _payload(sku: str, price: float | None, stock: int | None, active: bool, category: str | None) -> Payload:
    return {
        "sku": sku,
        "title": sku.lower(),
        "category": category,
        "category_key": category.casefold() if category else None,
        "price": price,
        "stock": stock,
        "active": active,
        "in_stock": is_in_stock(active, stock),
        "content_hash": f"h-{sku}",
    }


PAYLOADS = [
    _payload("P1", 1.0, 5, True, "Kitchen"),
    _payload("P2", 2.0, 0, True, "Kitchen"),  # out of stock
    _payload("P3", 3.0, None, True, "Lights"),  # unknown stock counts as in stock
    _payload("P4", None, 9, True, "Lights"),  # unknown price never passes a price ceiling
    _payload("P5", 0.5, 3, False, "Lights"),  # deactivated
]
# P1 is closest to the query, then P2, P3, P4, P5.
VECTORS = np.array([[1.0, 0.0], [0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.6, 0.4]], dtype=np.float32)
VECTORS /= np.linalg.norm(VECTORS, axis=1, keepdims=True)
QUERY = np.array([1.0, 0.0], dtype=np.float32)


@pytest.fixture(params=["numpy", "qdrant-local"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    idx: VectorIndex = NumpyIndex() if request.param == "numpy" else QdrantIndex.local(tmp_path / "q", "products")
    idx.prepare(2)
    idx.upsert(VECTORS, PAYLOADS)
    yield idx
    if isinstance(idx, QdrantIndex):
        idx.close()


def _skus(index: VectorIndex, flt: IndexFilter, limit: int = 10) -> list[str]:
    return [sku for sku, _ in index.search(QUERY, limit, flt)]


def test_exact_order_without_filter(index: VectorIndex) -> None:
    assert _skus(index, IndexFilter()) == ["P1", "P2", "P3", "P4", "P5"]
    assert _skus(index, IndexFilter(), limit=2) == ["P1", "P2"]
    assert index.count() == 5


def test_filters(index: VectorIndex) -> None:
    assert _skus(index, IndexFilter(in_stock=True)) == ["P1", "P3", "P4"]
    assert _skus(index, IndexFilter(max_price=2.0)) == ["P1", "P2", "P5"]
    assert _skus(index, IndexFilter(category="lights")) == ["P3", "P4", "P5"]
    assert _skus(index, IndexFilter(in_stock=True, max_price=3.0, category="LIGHTS")) == ["P3"]
    assert _skus(index, IndexFilter(category="garden")) == []


def test_upsert_replaces_and_delete_removes(index: VectorIndex) -> None:
    changed = dict(PAYLOADS[0])
    changed.update(stock=0, in_stock=False)
    index.upsert(VECTORS[:1], [changed])  # type: ignore[list-item]
    assert index.count() == 5
    assert "P1" not in _skus(index, IndexFilter(in_stock=True))
    assert index.payloads()["P1"]["stock"] == 0
    index.delete(["P1", "P2"])
    assert _skus(index, IndexFilter()) == ["P3", "P4", "P5"]


def test_prepare_with_new_dimension_resets(index: VectorIndex) -> None:
    index.prepare(3)
    assert index.count() == 0


def test_top_rows_breaks_ties_by_row() -> None:
    assert top_rows(np.array([0.5, 0.9, 0.5, 0.1]), 3).tolist() == [1, 0, 2]
    assert top_rows(np.array([]), 3).tolist() == []


def test_bit_prefilter_agrees_with_exact_scan_and_respects_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    import ingestion.vectors.index as index_module

    monkeypatch.setattr(index_module, "BINARY_MIN_POINTS", 100)
    monkeypatch.setattr(index_module, "RERANK_DEPTH", 200)
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(20, 48))
    vectors = (centres[rng.integers(0, 20, 3000)] + 0.6 * rng.normal(size=(3000, 48))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    payloads = [_payload(f"S{i}", float(i % 10), i % 4, True, None) for i in range(3000)]
    index = NumpyIndex()
    index.prepare(48)
    index.upsert(vectors, payloads)
    overlaps = []
    for q in vectors[:40] + 0.1 * rng.normal(size=(40, 48)).astype(np.float32):
        for flt in (IndexFilter(), IndexFilter(in_stock=True, max_price=6.0)):
            fast = index.search(q, 10, flt)
            exact = index.search(q, 10, flt, exact=True)
            overlaps.append(len({s for s, _ in fast} & {s for s, _ in exact}) / 10)
            if flt.active:
                assert all(int(s[1:]) % 4 != 0 and int(s[1:]) % 10 <= 6 for s, _ in fast)
            assert [score for _, score in fast] == sorted((score for _, score in fast), reverse=True)
    assert np.mean(overlaps) > 0.9


def test_popcount_fallback_matches_python(monkeypatch: pytest.MonkeyPatch) -> None:
    import ingestion.vectors.index as index_module

    words = np.random.default_rng(0).integers(0, 2**63, 200, dtype=np.uint64)
    expected = [bin(int(w)).count("1") for w in words]
    assert index_module.popcount(words).tolist() == expected
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert index_module.popcount(words).tolist() == expected


def test_vector_index_setting_selects_the_embedded_backend(tmp_path: Path) -> None:
    from core.settings import load_settings
    from ingestion.vectors.index import open_index

    assert isinstance(open_index(load_settings(home=tmp_path / "a"), "hash"), NumpyIndex)
    local = open_index(load_settings(home=tmp_path / "b", vector_index="qdrant-local"), "hash")
    assert isinstance(local, QdrantIndex)
    local.close()  # type: ignore[attr-defined]
