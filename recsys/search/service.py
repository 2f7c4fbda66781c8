"""Catalog search by meaning: dense vectors + BM25 keywords, fused by RRF, with filters and a personal boost.

`SearchService` implements `core.domain.CatalogSearch`. It is thread-safe: a search reads an immutable
snapshot (catalog columns + BM25 matrix) that a refresh swaps in whole under a lock. The index is built lazily
on the first search and kept in step with the products table: at most every `refresh_interval_s` a search
checks the table's fingerprint (row count, latest `updated_at`) and, when it moved, runs an incremental sync
(only changed content is re-embedded) and rebuilds the in-memory keyword structures.

Query path: embed the query once; dense top-N from the vector index with the filter pushed down; BM25 top-N
over the same filter mask; in hybrid mode also the products holding every catalog word of the query; reciprocal
rank fusion; personal boost; top k.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
from sqlalchemy import func, select

from core.db import Store
from core.domain import CatalogSearch, SearchHit
from core.settings import Settings
from core.tables import OrderLine, Product
from ingestion.vectors.cache import EmbeddingCache
from ingestion.vectors.embedders import Embedder, get_embedder
from ingestion.vectors.index import IndexFilter, Payload, PayloadColumns, VectorIndex, open_index, top_rows
from ingestion.vectors.indexing import SyncPlan, SyncReport, apply_sync, plan_sync
from recsys.search.bm25 import BM25
from recsys.search.fusion import PERSONAL_BOOST, boost, ordered, rrf
from recsys.search.tokenize import tokenize

Mode = Literal["hybrid", "dense", "keyword"]
Progress = Callable[[int], None]
CANDIDATES = 50  # depth of each list fed to the fusion
FEEDBACK_DOCS = 5  # top dense hits whose shared words expand the keyword query in hybrid mode
# Hybrid mode fuses a third list: the products whose text holds every catalog word of the query, when the query
# has at least this many. A product named in the question ("这个 regency cakestand 蛋糕架…") then leads even when
# the question's other words pull the embedding toward its neighbours (plain cake stands, the Regency cake fork).
NAMED_MIN_TERMS = 2


@dataclass(frozen=True)
class _Snapshot:
    columns: PayloadColumns
    bm25: BM25
    by_sku: dict[str, int]
    fingerprint: tuple[int, str]

    @classmethod
    def build(cls, payloads: list[Payload], texts: list[str], fingerprint: tuple[int, str]) -> _Snapshot:
        tokenize("预热")  # load jieba's dictionary now, not inside the first Chinese query
        return cls(
            columns=PayloadColumns.of(payloads),
            bm25=BM25(texts),
            by_sku={p["sku"]: i for i, p in enumerate(payloads)},
            fingerprint=fingerprint,
        )


def catalog_fingerprint(store: Store) -> tuple[int, str]:
    with store.session() as session:
        count, latest = session.execute(select(func.count(), func.max(Product.updated_at))).one()
    return int(count or 0), str(latest or "")


def _hit(
    payload: Payload, score: float, dense: float | None = None, keyword: float | None = None, named: bool = False
) -> SearchHit:
    price = payload["price"]
    return SearchHit(
        sku=payload["sku"],
        title=payload["title"],
        price=None if price is None else Decimal(str(round(price, 4))),
        score=round(float(score), 6),
        stock=payload["stock"],
        active=payload["active"],
        category=payload["category"],
        dense=None if dense is None else round(float(dense), 4),
        keyword=None if keyword is None else round(float(keyword), 4),
        named=named,
    )


def _titled(snapshot: _Snapshot, sku: str) -> bool:
    return bool(str(snapshot.columns.payloads[snapshot.by_sku[sku]]["title"] or "").strip())


def keyword_coverage(bm25: BM25, query: str, rows: list[int]) -> list[float]:
    """For each document row: the share of the query's keyword weight that occurs in it (0..1).

    Each distinct query token weighs its IDF; a token the catalog never uses (no typo match either) weighs the
    largest IDF, so a query about things the catalog does not have ("gaming laptop") covers little of any row.
    """
    weights: dict[int | str, float] = {}
    top = float(bm25.idf.max()) if len(bm25.idf) else 1.0
    for token in dict.fromkeys(tokenize(query)):
        keys: list[int | str] = [bm25.vocab[word] for word in bm25.catalog_words(token)] or [token]
        for key in keys:
            weights[key] = float(bm25.idf[key]) if isinstance(key, int) else top
    total = sum(weights.values())
    if not total:
        return [0.0 for _ in rows]
    out = []
    for row in rows:
        present = set(bm25.by_doc.indices[bm25.by_doc.indptr[row] : bm25.by_doc.indptr[row + 1]].tolist())
        out.append(sum(w for key, w in weights.items() if isinstance(key, int) and key in present) / total)
    return out


class SearchService:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        index: VectorIndex,
        cache: EmbeddingCache,
        *,
        refresh_interval_s: float = 5.0,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.index = index
        self.cache = cache
        self.refresh_interval_s = refresh_interval_s
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.RLock()
        self._bought: dict[str, tuple[float, frozenset[str]]] = {}
        self._planned_fingerprint: tuple[int, str] = (0, "")

    @classmethod
    def from_settings(
        cls, settings: Settings, store: Store, *, index_backend: str | None = None, refresh_interval_s: float = 5.0
    ) -> SearchService:
        """Embedder from S2B_EMBEDDER; Qdrant server if S2B_QDRANT_URL, else the embedded index under S2B_HOME."""
        embedder = get_embedder(settings.embedder)
        index = open_index(settings, embedder.name, index_backend)
        cache = EmbeddingCache.for_embedder(settings.ensure_home(), embedder.name, embedder.dim)
        return cls(store, embedder, index, cache, refresh_interval_s=refresh_interval_s)

    # ---- index lifecycle -------------------------------------------------------------------------------------

    def ensure_index(self, progress: Progress | None = None, *, full: bool = False) -> SyncReport:
        """Bring the vector index and the keyword structures in step with the products table."""
        with self._lock:
            return self.apply(self.plan(full=full), progress)

    def plan(self, *, full: bool = False) -> SyncPlan:
        """What a sync would do (`len(plan.to_embed)` is the progress total); `full` resets the collection."""
        with self._lock:
            fingerprint = catalog_fingerprint(self.store)
            plan = plan_sync(self.store, self.index, self.cache, self.embedder.dim, full=full)
            self._planned_fingerprint = fingerprint
            return plan

    def apply(self, plan: SyncPlan, progress: Progress | None = None) -> SyncReport:
        with self._lock:
            report = apply_sync(plan, self.embedder, self.index, self.cache, progress)
            self._snapshot = _Snapshot.build(
                [r.payload for r in plan.rows], [r.text for r in plan.rows], self._planned_fingerprint
            )
            self._checked_at = time.monotonic()
            return report

    def index_is_empty(self) -> bool:
        """No snapshot yet in this process and no points in the index (the CLI then shows a progress bar)."""
        return self._snapshot is None and self.index.count() == 0

    def index_payloads(self) -> tuple[Payload, ...]:
        """The catalog as the search sees it (one payload per product), building the index if needed."""
        return self._ready().columns.payloads

    def _ready(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is None:
            with self._lock:
                if self._snapshot is None:
                    self.ensure_index()
                assert self._snapshot is not None
                return self._snapshot
        if time.monotonic() - self._checked_at < self.refresh_interval_s:
            return snapshot
        if not self._lock.acquire(blocking=False):
            return snapshot  # another thread is checking or re-indexing: serve the current snapshot meanwhile
        try:
            self._checked_at = time.monotonic()
            if catalog_fingerprint(self.store) != snapshot.fingerprint:
                self.ensure_index()
            assert self._snapshot is not None
            return self._snapshot
        finally:
            self._lock.release()

    # ---- search ----------------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        in_stock: bool = False,
        max_price: float | None = None,
        category: str | None = None,
        merchant_id: str | None = None,
    ) -> list[SearchHit]:
        return self.rank(
            query, k=k, flt=IndexFilter(in_stock, max_price, category), merchant_id=merchant_id, mode="hybrid"
        )

    def rank(
        self,
        query: str,
        *,
        k: int = 10,
        flt: IndexFilter | None = None,
        merchant_id: str | None = None,
        mode: Mode = "hybrid",
    ) -> list[SearchHit]:
        """Search with one method: "dense" (vectors), "keyword" (BM25) or "hybrid" (RRF of both)."""
        if not query or not query.strip() or k <= 0:
            return []
        flt = flt or IndexFilter()
        snapshot = self._ready()
        depth = max(CANDIDATES, k)
        dense: list[tuple[str, float]] = []
        keyword: list[tuple[str, float]] = []
        if mode in ("dense", "hybrid"):
            dense = self.index.search(self.embedder.embed_query(query), depth, flt)
        if mode == "keyword":
            keyword = self._keyword(snapshot, snapshot.bm25.query_terms(query), depth, flt)
        named: list[tuple[str, float]] = []
        if mode == "hybrid":
            groups = snapshot.bm25.query_groups(query)  # tokenised and typo-mapped once for both lists
            terms = {term: 1.0 for group in groups for term in group}  # = bm25.query_terms(query)
            keyword = self._keyword(snapshot, self._expanded_terms(snapshot, terms, dense), depth, flt)
            named = self._naming_every_word(snapshot, groups, terms, depth, flt)
        lists = [[s for s, _ in found] for found in (dense, keyword, named)]
        scores = rrf(lists) if mode == "hybrid" else dict(dense or keyword)
        if merchant_id:
            scores = boost(scores, self.bought(merchant_id), PERSONAL_BOOST)
        # a product without a title (seen only on zero-price lines) has nothing to match or show: an empty text sits
        # near every gibberish query in embedding space ("xyzzy" listed six blank cards)
        scores = {sku: v for sku, v in scores.items() if sku in snapshot.by_sku and _titled(snapshot, sku)}
        cosine = dict(dense)
        naming = {sku for sku, _ in named}
        top = [(sku, score, snapshot.by_sku[sku]) for sku, score in ordered(scores, k)]
        coverage = keyword_coverage(snapshot.bm25, query, [row for _, _, row in top])
        # an index point for a product that left the table is never shown (filtered above)
        return [
            _hit(
                snapshot.columns.payloads[row], score, cosine.get(sku) if mode != "keyword" else None, cover,
                sku in naming,
            )
            for (sku, score, row), cover in zip(top, coverage, strict=True)
        ]  # fmt: skip

    @staticmethod
    def _expanded_terms(
        snapshot: _Snapshot, query_terms: dict[int, float], dense: list[tuple[str, float]]
    ) -> dict[int, float]:
        """Query terms (weight 1) plus feedback terms from the top dense hits (see BM25.feedback_terms)."""
        rows = [snapshot.by_sku[s] for s, _ in dense[:FEEDBACK_DOCS] if s in snapshot.by_sku]
        terms = snapshot.bm25.feedback_terms(rows)
        terms.update(query_terms)
        return terms

    @staticmethod
    def _keyword(
        snapshot: _Snapshot, terms: dict[int, float], depth: int, flt: IndexFilter, within: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """BM25 top `depth` over the filter's products (and only the rows `within` marks, when given)."""
        scores = snapshot.bm25.scores(terms)
        mask = snapshot.columns.mask(flt)
        if within is not None:
            mask = within if mask is None else mask & within
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        rows = [r for r in top_rows(scores, depth) if scores[r] > 0]
        return [(snapshot.columns.skus[r], float(scores[r])) for r in rows]

    def _naming_every_word(
        self, snapshot: _Snapshot, groups: list[frozenset[int]], terms: dict[int, float], depth: int, flt: IndexFilter
    ) -> list[tuple[str, float]]:
        """Products whose text holds a term of every group (at least NAMED_MIN_TERMS groups), by BM25 of `terms`."""
        if len(groups) < NAMED_MIN_TERMS:
            return []
        return self._keyword(snapshot, terms, depth, flt, within=snapshot.bm25.holding_all(groups))

    # ---- personal boost --------------------------------------------------------------------------------------

    def bought(self, merchant_id: str, ttl_s: float = 300.0) -> frozenset[str]:
        """SKUs this merchant has bought (positive product lines), cached for `ttl_s`; only their own history."""
        now = time.monotonic()
        cached = self._bought.get(merchant_id)
        if cached and now - cached[0] < ttl_s:
            return cached[1]
        query = (
            select(OrderLine.sku)
            .where(OrderLine.merchant_id == merchant_id, OrderLine.quantity > 0, OrderLine.is_product.is_(True))
            .distinct()
        )
        with self.store.session() as session:
            skus = frozenset(session.scalars(query))
        if len(self._bought) > 1024:
            self._bought.clear()
        self._bought[merchant_id] = (now, skus)
        return skus


def _implements_port(service: SearchService) -> CatalogSearch:
    return service  # mypy checks that SearchService satisfies core.domain.CatalogSearch
