from __future__ import annotations

from pathlib import Path

import numpy as np

from ingestion.vectors.cache import EmbeddingCache


def test_cache_round_trip_and_prune(tmp_path: Path) -> None:
    path = tmp_path / "vectors" / "embeddings-x.npz"
    cache = EmbeddingCache(path, dim=3)
    cache.put(["h1", "h2", "h1"], np.array([[1, 0, 0], [0, 1, 0], [9, 9, 9]], dtype=np.float32))
    found = cache.lookup(["h1", "h2", "h3"])
    assert set(found) == {"h1", "h2"}
    np.testing.assert_array_equal(found["h1"], [1, 0, 0])  # the first vector for a hash wins
    cache.save()
    again = EmbeddingCache(path, dim=3)
    assert len(again) == 2
    np.testing.assert_array_equal(again.lookup(["h2"])["h2"], [0, 1, 0])
    again.save(keep={"h2"})
    assert set(EmbeddingCache(path, dim=3).lookup(["h1", "h2"])) == {"h2"}


def test_cache_with_other_dimension_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    cache = EmbeddingCache(path, dim=2)
    cache.put(["h"], np.ones((1, 2), dtype=np.float32))
    cache.save()
    assert len(EmbeddingCache(path, dim=4)) == 0
