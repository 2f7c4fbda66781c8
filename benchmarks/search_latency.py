"""Search latency: the demo catalog, and synthetic catalogs up to 100k products with filters on.

    S2B_HOME=/tmp/me/.s2b .venv/bin/python benchmarks/search_latency.py [--sizes 100000] [--qdrant-max 20000]

Needs the demo orders ingested into S2B_HOME (`s2b ingest orders ...`); the demo catalog is indexed on first use.

1. Full `SearchService.search` (query embedding + dense + BM25 + fusion), hybrid, over the evaluation query
   texts, on the demo catalog and on synthetic catalogs: each demo product replicated with variant words in the
   title, a perturbed copy of its real vector (cosine ~0.9 to the original), random price / stock / active /
   category. Synthetic vectors are written to the embedding cache, so the real index-build path runs (from cache).
2. The dense step alone with an in-stock + price filter: NumpyIndex exact scan, NumpyIndex sign-bit prefilter +
   exact rerank (its default from 20k points), Qdrant local mode; agreement = overlap of each top 10 with the
   exact scan's top 10.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from core.db import Store
from core.settings import load_settings
from ingestion.bulk import bulk_insert
from ingestion.orders import content_hash
from ingestion.vectors.cache import EmbeddingCache
from ingestion.vectors.embedders import get_embedder
from ingestion.vectors.index import IndexFilter, NumpyIndex, Payload
from ingestion.vectors.qdrant import QdrantIndex
from recsys.search.evaluation import load_queries
from recsys.search.service import SearchService

VARIANTS = ["RED", "BLUE", "PINK", "IVORY", "GREEN", "LARGE", "SMALL", "MINI", "SET OF 3", "VINTAGE", "GIFT", "WOOD"]
CATEGORIES = ["home", "kitchen", "christmas", "party", "garden", "kids", "jewellery", "stationery", "bags", "lights"]
console = Console(width=140)


def percentiles(samples_s: list[float]) -> tuple[float, float]:
    ms = np.array(samples_s) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def time_calls(fn: Callable[[str], object], queries: list[str], repeat: int) -> list[float]:
    for q in queries[:5]:
        fn(q)  # warm-up
    out = []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            fn(q)
            out.append(time.perf_counter() - started)
    return out


def synthetic_store(
    base: SearchService, size: int, home: Path, rng: np.random.Generator
) -> tuple[Store, EmbeddingCache, np.ndarray]:
    """A SQLite store with `size` synthetic products and their vectors in an embedding cache under `home`."""
    payloads = [p for p in base.index_payloads() if p["title"]]
    vectors = base.cache.lookup({p["content_hash"] for p in payloads})
    payloads = [p for p in payloads if p["content_hash"] in vectors]
    base_vecs = np.stack([vectors[p["content_hash"]] for p in payloads])
    picks = rng.integers(0, len(payloads), size)
    noise = rng.normal(0, 1, (size, base_vecs.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    synth = base_vecs[picks] + 0.45 * noise
    synth /= np.linalg.norm(synth, axis=1, keepdims=True)
    rows, hashes = [], []
    for i, pick in enumerate(picks):
        title = f"{payloads[pick]['title']} {VARIANTS[i % len(VARIANTS)]} {i}"
        category = CATEGORIES[int(rng.integers(0, len(CATEGORIES)))]
        chash = content_hash(title, title, category)
        stock = None if rng.random() < 0.3 else int(rng.integers(0, 4) * rng.integers(0, 50))
        price = round(float(rng.lognormal(1.0, 0.9)), 2)
        rows.append((f"S{i:06d}", title, title, category, price, "GBP", bool(rng.random() > 0.05), stock, chash))
        hashes.append(chash)
    store = Store(f"sqlite:///{home / f'synthetic-{size}.db'}")
    store.migrate()
    columns = ["sku", "title", "description", "category", "unit_price", "currency", "active", "stock", "content_hash"]
    with store.engine.begin() as conn:
        bulk_insert(conn, "products", columns, rows)
    cache = EmbeddingCache(home / f"synthetic-{size}.npz", synth.shape[1])
    cache.put(hashes, synth)
    cache.save()
    return store, cache, synth


def dense_compare(
    payloads: list[Payload], cache: EmbeddingCache, qvecs: list[np.ndarray], home: Path, repeat: int, qdrant: bool
) -> list[list[str]]:
    """The dense step alone on the same points, filter on: exact scan, bit prefilter + rerank, Qdrant local."""
    by_hash = cache.lookup({p["content_hash"] for p in payloads})
    matrix = np.stack([by_hash[p["content_hash"]] for p in payloads])
    flt = IndexFilter(in_stock=True, max_price=5.0)
    numpy_index = NumpyIndex()
    numpy_index.prepare(matrix.shape[1])
    numpy_index.upsert(matrix, payloads)
    methods: list[tuple[str, Callable[[np.ndarray], list[tuple[str, float]]], str]] = [
        ("numpy exact scan", lambda q: numpy_index.search(q, 50, flt, exact=True), ""),
        ("numpy bits + exact rerank", lambda q: numpy_index.search(q, 50, flt), ""),
    ]
    if qdrant:
        qindex = QdrantIndex.local(home / f"qdrant-{len(payloads)}", "bench")
        qindex.reset(matrix.shape[1])
        started = time.perf_counter()
        qindex.upsert(matrix, payloads)
        rate = len(payloads) / (time.perf_counter() - started)
        methods.append(("qdrant local", lambda q: qindex.search(q, 50, flt), f"; upsert {rate:,.0f} points/s"))
    reference: list[set[str]] = []
    rows = []
    for name, search, note in methods:
        samples, found = [], []
        for _ in range(repeat):
            for q in qvecs:
                started = time.perf_counter()
                hits = search(q)
                samples.append(time.perf_counter() - started)
                found.append({s for s, _ in hits[:10]})
        reference = reference or found
        agree = np.mean([len(a & b) / max(len(a), 1) for a, b in zip(found, reference, strict=True)])
        p50, p95 = percentiles(samples)
        rows.append([f"{len(payloads):,}", name, f"{p50:.2f}", f"{p95:.2f}", f"{agree:.3f}{note}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000", help="synthetic catalog sizes, comma-separated")
    parser.add_argument("--dense-sizes", default="3942,20000,100000", help="sizes for the dense-step table")
    parser.add_argument("--qdrant-max", type=int, default=20000, help="largest size Qdrant local is measured at")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    store = Store.from_settings(settings)
    demo = SearchService.from_settings(settings, store)
    demo.ensure_index()
    queries = [q.text for q in load_queries()]
    embedder = get_embedder(settings.embedder)
    rng = np.random.default_rng(7)

    table = Table(title=f"hybrid search latency, embedder {embedder.name}, {len(queries)} queries x {args.repeat}")
    for col in ("catalog", "products", "filter", "p50 ms", "p95 ms", "index build"):
        table.add_column(col, justify="left" if col in ("catalog", "filter") else "right")
    services = [("demo", demo, "cached")]
    dense_rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="s2b-search-bench-") as tmp:
        home = Path(tmp)
        for size in [int(s) for s in args.sizes.split(",") if s]:
            synth_store, cache, _ = synthetic_store(demo, size, home, rng)
            service = SearchService(synth_store, embedder, NumpyIndex(), cache)
            started = time.perf_counter()
            service.ensure_index()
            build = time.perf_counter() - started
            services.append(("synthetic", service, f"{size / build:,.0f} products/s from cache"))
        for name, service, build_note in services:
            n = len(service.index_payloads())
            for label, kwargs in (("none", {}), ("in-stock, max-price 5", {"in_stock": True, "max_price": 5.0})):
                samples = time_calls(lambda q, s=service, kw=kwargs: s.search(q, **kw), queries, args.repeat)  # type: ignore[misc]
                p50, p95 = percentiles(samples)
                table.add_row(name, f"{n:,}", label, f"{p50:.2f}", f"{p95:.2f}", build_note)
        embed_p50, embed_p95 = percentiles(time_calls(embedder.embed_query, queries, args.repeat))
        table.add_row("(query embedding only)", "", "", f"{embed_p50:.2f}", f"{embed_p95:.2f}", "")
        console.print(table)

        qvecs = [embedder.embed_query(q) for q in queries]
        for size in [int(s) for s in args.dense_sizes.split(",") if s]:
            source = next((s for _, s, _ in services if len(s.index_payloads()) >= size), None)
            if source is not None:
                payloads = list(source.index_payloads())[:size]
                qdrant = size <= args.qdrant_max
                dense_rows.extend(dense_compare(payloads, source.cache, qvecs, home, args.repeat, qdrant))
    dense = Table(
        title="dense step alone, filter in-stock + max-price 5, top 50; agreement = top-10 overlap with exact"
    )
    for col in ("points", "index", "p50 ms", "p95 ms", "agreement"):
        dense.add_column(col, justify="right" if "ms" in col else "left")
    for row in dense_rows:
        dense.add_row(*row)
    console.print(dense)


if __name__ == "__main__":
    main()
