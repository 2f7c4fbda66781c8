"""Vector index: one interface, two backends, chosen by `open_index`.

- `QdrantIndex` (ingestion/vectors/qdrant.py): a Qdrant server when `S2B_QDRANT_URL` is set, or Qdrant local mode
  in a folder under S2B_HOME; the same code drives both.
- `NumpyIndex`: in-memory search with payload filters as boolean masks, rebuilt at start-up from the embedding
  cache in well under a second; exact below 20k points, sign-bit prefilter + exact rerank above (near-exact).
  It is the embedded default: Qdrant local mode is brute force in Python, ~200 ms a filtered query at 4k points
  and slower beyond (see benchmarks/search_latency.py for the measurements).

Payload per product: sku, title, category, price, stock, active, plus derived `in_stock` (active and stock NULL
or > 0), `category_key` (case-folded category) and `content_hash` (to re-embed only changed content).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypedDict

import numpy as np

from core.settings import Settings


class Payload(TypedDict):
    sku: str
    title: str
    category: str | None
    category_key: str | None
    price: float | None
    stock: int | None
    active: bool
    in_stock: bool
    content_hash: str


@dataclass(frozen=True)
class IndexFilter:
    """Availability, price ceiling and category; all optional."""

    in_stock: bool = False
    max_price: float | None = None
    category: str | None = None

    @property
    def category_key(self) -> str | None:
        return category_key(self.category)

    @property
    def active(self) -> bool:
        return self.in_stock or self.max_price is not None or bool(self.category)


def category_key(category: str | None) -> str | None:
    return category.strip().casefold() if category and category.strip() else None


def is_in_stock(active: bool, stock: int | None) -> bool:
    """Active and not out of stock; NULL stock means "unknown" and counts as in stock."""
    return bool(active) and (stock is None or stock > 0)


class VectorIndex(Protocol):
    name: str

    def prepare(self, dim: int) -> None:
        """Create the collection if missing; recreate it if its vector size differs."""
        ...

    def reset(self, dim: int) -> None:
        """Drop everything and start an empty collection."""
        ...

    def upsert(self, vectors: np.ndarray, payloads: Sequence[Payload]) -> None: ...

    def delete(self, skus: Sequence[str]) -> None: ...

    def payloads(self) -> dict[str, Payload]:
        """sku -> stored payload, to diff against the catalog."""
        ...

    def count(self) -> int: ...

    def search(self, vector: np.ndarray, limit: int, flt: IndexFilter) -> list[tuple[str, float]]:
        """Exact (or near-exact) top `limit` (sku, cosine) among points passing the filter, best first."""
        ...


BINARY_MIN_POINTS = 20_000  # from here on, a sign-bit prefilter + exact rerank replaces the full scan
RERANK_DEPTH = 1_000  # candidates the bit prefilter hands to the exact float32 rerank


@dataclass(frozen=True)
class PayloadColumns:
    """Payloads as columns, for filter masks: one row per point."""

    payloads: tuple[Payload, ...]
    skus: np.ndarray
    price: np.ndarray
    in_stock: np.ndarray
    category_key: np.ndarray

    @classmethod
    def of(cls, payloads: Sequence[Payload]) -> PayloadColumns:
        return cls(
            payloads=tuple(payloads),
            skus=np.array([p["sku"] for p in payloads], dtype=object),
            price=np.array([np.nan if p["price"] is None else p["price"] for p in payloads], dtype=np.float64),
            in_stock=np.array([p["in_stock"] for p in payloads], dtype=bool),
            category_key=np.array([p["category_key"] or "" for p in payloads], dtype=object),
        )

    def mask(self, flt: IndexFilter) -> np.ndarray | None:
        """Boolean row mask for a filter, or None when nothing is filtered."""
        return filter_mask(self.price, self.in_stock, self.category_key, flt)


@dataclass(frozen=True)
class _Arrays:
    columns: PayloadColumns
    vectors: np.ndarray
    center: np.ndarray | None = None  # mean vector the sign bits are taken around
    bits: np.ndarray | None = None  # (dim / 64, n) uint64 sign bits, one row per 64 dimensions

    def hamming(self, query: np.ndarray) -> np.ndarray:
        """Hamming distance between the query's sign bits and every point's (uint16, one per point)."""
        assert self.bits is not None and self.center is not None
        qbits = sign_bits(query[None, :] - self.center)[:, 0]
        distance = popcount(self.bits[0] ^ qbits[0]).astype(np.uint16)
        for word in range(1, len(qbits)):
            distance += popcount(self.bits[word] ^ qbits[word])
        return distance


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount(words: np.ndarray) -> np.ndarray:
    """Set bits per uint64 (numpy >= 2 has it built in; the byte table serves numpy 1.26, which the project allows)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words)
    return _BYTE_BITS[words.view(np.uint8)].reshape(len(words), 8).sum(axis=1, dtype=np.uint8)


def cosines(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Row dot products without BLAS: steady latency on a busy machine (no BLAS worker threads to wake, which
    costs milliseconds at the 95th percentile when the query embedder has just changed the thread count)."""
    return np.einsum("ij,j->i", matrix, query)


def sign_bits(centred: np.ndarray) -> np.ndarray:
    """Sign bits of row vectors packed into uint64 words, word-major: shape (ceil(dim / 64), n)."""
    dim = centred.shape[1]
    padded = np.zeros((centred.shape[0], -(-dim // 64) * 64), dtype=bool)
    padded[:, :dim] = centred > 0
    return np.ascontiguousarray(np.packbits(padded, axis=1).view(np.uint64).T)


def _arrays(vectors: np.ndarray, payloads: Sequence[Payload]) -> _Arrays:
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    center = bits = None
    if len(matrix) >= BINARY_MIN_POINTS:
        center = matrix.mean(axis=0)
        bits = sign_bits(matrix - center)
    return _Arrays(PayloadColumns.of(payloads), matrix, center, bits)


def filter_mask(price: np.ndarray, in_stock: np.ndarray, cat: np.ndarray, flt: IndexFilter) -> np.ndarray | None:
    """Boolean row mask for a filter over payload columns, or None when nothing is filtered."""
    if not flt.active:
        return None
    mask = np.ones(len(price), dtype=bool)
    if flt.in_stock:
        mask &= in_stock
    if flt.max_price is not None:
        with np.errstate(invalid="ignore"):
            mask &= price <= flt.max_price  # NaN (unknown price) never passes a price ceiling
    if flt.category_key:
        mask &= cat == flt.category_key
    return mask


def top_rows(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the `limit` highest scores, best first (ties broken by row order)."""
    if limit <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, limit - 1)[:limit] if limit < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


class NumpyIndex:
    """Cosine search over an in-memory float32 matrix; copy-on-write so searches never take a lock.

    Below BINARY_MIN_POINTS every search is an exact full scan (one matrix-vector product). From there on the
    scan is memory-bound (100k x 512 floats = 200 MB a query), so a search first ranks all points by the Hamming
    distance of their sign bits around the mean vector (64 bytes a point, filter mask applied), then rescores
    the best RERANK_DEPTH candidates exactly. Measured agreement with the exact top 10 at 100k synthetic points:
    see benchmarks/search_latency.py (`exact=True` forces the full scan).
    """

    name = "numpy"

    def __init__(self) -> None:
        self._dim = 0
        self._data = _arrays(np.zeros((0, 0), dtype=np.float32), [])
        self._write = threading.Lock()

    def prepare(self, dim: int) -> None:
        if dim != self._dim:
            self.reset(dim)

    def reset(self, dim: int) -> None:
        with self._write:
            self._dim = dim
            self._data = _arrays(np.zeros((0, dim), dtype=np.float32), [])

    def upsert(self, vectors: np.ndarray, payloads: Sequence[Payload]) -> None:
        if not payloads:
            return
        with self._write:
            old = self._data
            replaced = {p["sku"] for p in payloads}
            keep = [i for i, sku in enumerate(old.columns.skus) if sku not in replaced]
            self._data = _arrays(
                np.concatenate([old.vectors[keep], np.asarray(vectors, dtype=np.float32)]),
                [old.columns.payloads[i] for i in keep] + list(payloads),
            )

    def delete(self, skus: Sequence[str]) -> None:
        gone = set(skus)
        if not gone:
            return
        with self._write:
            old = self._data
            keep = [i for i, sku in enumerate(old.columns.skus) if sku not in gone]
            self._data = _arrays(old.vectors[keep], [old.columns.payloads[i] for i in keep])

    def payloads(self) -> dict[str, Payload]:
        return {p["sku"]: p for p in self._data.columns.payloads}

    def count(self) -> int:
        return len(self._data.columns.payloads)

    def search(
        self, vector: np.ndarray, limit: int, flt: IndexFilter, *, exact: bool = False
    ) -> list[tuple[str, float]]:
        data = self._data
        skus = data.columns.skus
        if not len(skus):
            return []
        mask = data.columns.mask(flt)
        query = np.asarray(vector, dtype=np.float32)
        allowed_count = len(skus) if mask is None else int(mask.sum())
        if data.bits is not None and not exact and allowed_count > 4 * RERANK_DEPTH:
            return self._prefiltered(data, query, limit, mask)
        if mask is None:
            scores = cosines(data.vectors, query)
            rows = top_rows(scores, limit)
            return [(skus[r], float(scores[r])) for r in rows]
        allowed = np.flatnonzero(mask)
        if len(allowed) * 3 < len(mask):  # selective filter: score only the rows that pass
            sub = cosines(data.vectors[allowed], query)
            rows = top_rows(sub, limit)
            return [(skus[allowed[r]], float(sub[r])) for r in rows]
        scores = cosines(data.vectors, query)
        scores[~mask] = -np.inf
        rows = top_rows(scores, min(limit, len(allowed)))
        return [(skus[r], float(scores[r])) for r in rows]

    @staticmethod
    def _prefiltered(data: _Arrays, query: np.ndarray, limit: int, mask: np.ndarray | None) -> list[tuple[str, float]]:
        distance = data.hamming(query)
        if mask is not None:
            distance[~mask] = np.iinfo(np.uint16).max
        depth = max(RERANK_DEPTH, limit)
        candidates = np.argpartition(distance, depth)[:depth]
        if mask is not None:
            candidates = candidates[mask[candidates]]
        scores = cosines(data.vectors[candidates], query)
        rows = top_rows(scores, limit)
        return [(data.columns.skus[candidates[r]], float(scores[r])) for r in rows]


def collection_name(settings: Settings, embedder_name: str) -> str:
    """One collection per embedder, so switching S2B_EMBEDDER never mixes vector spaces."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", embedder_name)
    return f"{settings.qdrant_collection}__{slug}"


def open_index(settings: Settings, embedder_name: str, backend: str | None = None) -> VectorIndex:
    """The index for these settings: Qdrant server when S2B_QDRANT_URL is set, else the embedded backend.

    `backend` overrides S2B_VECTOR_INDEX, the embedded choice: "numpy" (default, exact in-memory) or "qdrant-local".
    """
    from ingestion.vectors.qdrant import QdrantIndex

    name = collection_name(settings, embedder_name)
    if settings.qdrant_url and backend in (None, "qdrant-server"):
        return QdrantIndex.server_from_settings(settings, name)
    backend = backend or settings.vector_index
    if backend == "qdrant-local":
        return QdrantIndex.local(settings.home / "qdrant", name)
    if backend in (None, "numpy"):
        return NumpyIndex()
    raise ValueError(f"unknown index backend {backend!r}: use numpy | qdrant-local | qdrant-server")
