"""Keep the vector index in step with the products table.

`plan_sync` diffs the catalog against what the index holds; `apply_sync` embeds only content whose hash is not
in the embedding cache, upserts changed points (new content, or changed price/stock/active/category payload),
and deletes points for products that left the table. A full rebuild (`full=True`) resets the collection but
still reuses the cache, so it re-embeds nothing that was embedded before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select

from core.db import Store
from core.tables import Product
from ingestion.orders import content_hash
from ingestion.vectors.cache import EmbeddingCache
from ingestion.vectors.embedders import Embedder
from ingestion.vectors.index import Payload, VectorIndex, category_key, is_in_stock
from ingestion.vectors.text import document_text

Progress = Callable[[int], None]
EMBED_BATCH = 256


@dataclass(frozen=True)
class CatalogRow:
    payload: Payload
    text: str


def _price(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def load_catalog(store: Store) -> list[CatalogRow]:
    """Every product with the payload it should have in the index."""
    columns = (
        Product.sku,
        Product.title,
        Product.description,
        Product.category,
        Product.unit_price,
        Product.stock,
        Product.active,
        Product.content_hash,
    )
    rows: list[CatalogRow] = []
    with store.session() as session:
        for sku, title, description, category, price, stock, active, chash in session.execute(select(*columns)):
            title, description = title or "", description or ""
            payload: Payload = {
                "sku": sku,
                "title": title,
                "category": category,
                "category_key": category_key(category),
                "price": _price(price),
                "stock": stock,
                "active": bool(active),
                "in_stock": is_in_stock(bool(active), stock),
                "content_hash": chash or content_hash(title, description, category),
            }
            rows.append(CatalogRow(payload, document_text(title, description, category)))
    return rows


@dataclass
class SyncPlan:
    rows: list[CatalogRow]
    changed: list[CatalogRow]
    deleted: list[str]
    to_embed: list[CatalogRow]
    full: bool


@dataclass
class SyncReport:
    """What a sync did. `seconds` covers embedding and index writes (reading the catalog is excluded)."""

    products: int
    upserted: int
    embedded: int
    from_cache: int
    deleted: int
    unchanged: int
    full: bool
    seconds: float = 0.0
    products_per_second: float = 0.0
    index: str = ""
    embedder: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_sync(store: Store, index: VectorIndex, cache: EmbeddingCache, dim: int, *, full: bool = False) -> SyncPlan:
    rows = load_catalog(store)
    if full:
        index.reset(dim)
        stored: dict[str, Payload] = {}
    else:
        index.prepare(dim)
        stored = index.payloads()
    changed = [r for r in rows if stored.get(r.payload["sku"]) != r.payload]
    present = {r.payload["sku"] for r in rows}
    deleted = [sku for sku in stored if sku not in present]
    cached = cache.lookup({r.payload["content_hash"] for r in changed})
    to_embed_by_hash: dict[str, CatalogRow] = {}
    for row in changed:
        chash = row.payload["content_hash"]
        if chash not in cached:
            to_embed_by_hash.setdefault(chash, row)
    return SyncPlan(rows, changed, deleted, list(to_embed_by_hash.values()), full)


def apply_sync(
    plan: SyncPlan,
    embedder: Embedder,
    index: VectorIndex,
    cache: EmbeddingCache,
    progress: Progress | None = None,
) -> SyncReport:
    """Embed what is missing (progress advances per embedded product), then write the index and the cache."""
    started = time.perf_counter()
    for start in range(0, len(plan.to_embed), EMBED_BATCH):
        batch = plan.to_embed[start : start + EMBED_BATCH]
        cache.put([r.payload["content_hash"] for r in batch], embedder.embed_documents([r.text for r in batch]))
        if progress:
            progress(len(batch))
    if plan.changed:
        vectors = cache.lookup({r.payload["content_hash"] for r in plan.changed})
        matrix = np.stack([vectors[r.payload["content_hash"]] for r in plan.changed])
        index.upsert(matrix, [r.payload for r in plan.changed])
    index.delete(plan.deleted)
    if plan.to_embed or plan.full:
        cache.save(keep={r.payload["content_hash"] for r in plan.rows})
    seconds = time.perf_counter() - started
    return SyncReport(
        products=len(plan.rows),
        upserted=len(plan.changed),
        embedded=len(plan.to_embed),
        from_cache=len(plan.changed) - len(plan.to_embed),
        deleted=len(plan.deleted),
        unchanged=len(plan.rows) - len(plan.changed),
        full=plan.full,
        seconds=round(seconds, 3),
        products_per_second=round(len(plan.changed) / seconds, 1) if seconds > 0 and plan.changed else 0.0,
        index=index.name,
        embedder=embedder.name,
    )


def sync_index(
    store: Store,
    embedder: Embedder,
    index: VectorIndex,
    cache: EmbeddingCache,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    plan = plan_sync(store, index, cache, embedder.dim, full=full)
    return apply_sync(plan, embedder, index, cache, progress)
