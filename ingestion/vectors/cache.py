"""Embedding cache keyed by product content hash, one .npz per embedder under S2B_HOME/vectors/.

An unchanged product (same title, description, category -> same `products.content_hash`) is never re-embedded,
whatever its price, stock or active flag do. The file holds two arrays: `hashes` (unicode) and `vectors`
(float32, one row per hash); it loads without pickle.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ingestion.vectors.text import TEXT_VERSION


class EmbeddingCache:
    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        self.dim = dim
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._pending: list[tuple[str, np.ndarray]] = []
        self._lock = threading.Lock()
        self._load()

    @classmethod
    def for_embedder(cls, home: Path, embedder_name: str, dim: int) -> EmbeddingCache:
        return cls(home / "vectors" / f"embeddings-{embedder_name}-{TEXT_VERSION}.npz", dim)

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            with np.load(self.path, allow_pickle=False) as data:
                hashes, vectors = data["hashes"], data["vectors"]
        except (OSError, ValueError, KeyError):
            return  # unreadable cache: start empty, it is only a cache
        if vectors.ndim != 2 or vectors.shape[1] != self.dim or len(hashes) != len(vectors):
            return
        self._vectors = vectors.astype(np.float32, copy=False)
        self._rows = {str(h): i for i, h in enumerate(hashes)}

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows) + len(self._pending)

    def lookup(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors for those hashes that have one."""
        with self._lock:
            self._flush()
            return {h: self._vectors[self._rows[h]] for h in hashes if h in self._rows}

    def put(self, hashes: Iterable[str], vectors: np.ndarray) -> None:
        with self._lock:
            for h, v in zip(hashes, vectors, strict=True):
                self._pending.append((h, np.asarray(v, dtype=np.float32)))

    def _flush(self) -> None:
        fresh: dict[str, np.ndarray] = {}
        for h, v in self._pending:
            if h not in self._rows:
                fresh.setdefault(h, v)
        self._pending = []
        if not fresh:
            return
        start = len(self._vectors)
        self._vectors = np.concatenate([self._vectors, np.stack(list(fresh.values()))])
        for offset, h in enumerate(fresh):
            self._rows[h] = start + offset

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache atomically; `keep` drops entries for content no product has any more."""
        with self._lock:
            self._flush()
            if keep is not None:
                kept = [(h, i) for h, i in self._rows.items() if h in keep]
                order = np.array([i for _, i in kept], dtype=np.int64)
                self._vectors = self._vectors[order] if len(order) else self._vectors[:0]
                self._rows = {h: j for j, (h, _) in enumerate(kept)}
            hashes = np.array(sorted(self._rows, key=self._rows.__getitem__), dtype=str)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp.npz")
            np.savez(tmp, hashes=hashes, vectors=self._vectors)
            os.replace(tmp, self.path)
