"""Index build throughput on the demo catalog: cold (every product embedded), warm (vectors from the embedding
cache), and a no-op incremental sync.

    S2B_HOME=/tmp/me/.s2b .venv/bin/python benchmarks/search_index_build.py [--embedder use-multilingual]

Needs the demo orders ingested into S2B_HOME. The cold run uses an empty cache in a temporary directory, so the
real cache under S2B_HOME is left alone.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from core.db import Store
from core.settings import load_settings
from ingestion.vectors.cache import EmbeddingCache
from ingestion.vectors.embedders import Embedder, get_embedder
from ingestion.vectors.index import NumpyIndex, VectorIndex
from ingestion.vectors.indexing import sync_index
from ingestion.vectors.qdrant import QdrantIndex


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", action="append", help="embedder spec(s); default S2B_EMBEDDER")
    parser.add_argument("--qdrant-local", action="store_true", help="also time a warm build into Qdrant local mode")
    args = parser.parse_args()
    settings = load_settings()
    store = Store.from_settings(settings)
    table = Table(title="index build throughput (demo catalog)")
    for col in ("embedder", "run", "index", "products", "embedded", "seconds", "products/s"):
        table.add_column(col, justify="left" if col in ("embedder", "run", "index") else "right")

    def add(run: str, embedder: Embedder, index: VectorIndex, cache: EmbeddingCache, full: bool) -> None:
        started = time.perf_counter()  # the whole sync: catalog read, diff, embedding, index write, cache save
        report = sync_index(store, embedder, index, cache, full=full)
        seconds = time.perf_counter() - started
        table.add_row(
            report.embedder, run, report.index, f"{report.products:,}", f"{report.embedded:,}",
            f"{seconds:.2f}", f"{report.upserted / seconds:,.0f}" if report.upserted else "-",
        )  # fmt: skip

    for spec in args.embedder or [settings.embedder]:
        embedder = get_embedder(spec)
        with tempfile.TemporaryDirectory(prefix="s2b-index-bench-") as tmp:
            cache = EmbeddingCache(Path(tmp) / "cache.npz", embedder.dim)
            index: VectorIndex = NumpyIndex()
            add("cold (embed all)", embedder, index, cache, True)
            add("warm (from cache)", embedder, NumpyIndex(), cache, True)
            add("incremental no-op", embedder, index, cache, False)
            if args.qdrant_local:
                qdrant = QdrantIndex.local(Path(tmp) / "qdrant", "bench")
                add("warm (from cache)", embedder, qdrant, cache, True)
                qdrant.close()
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
