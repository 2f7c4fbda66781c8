"""Offline evaluation of catalog search (`s2b eval search`).

The query set lives in evals/search/queries.yaml: intents, each with an English and a Chinese query and a
relevance rule over product titles (see the file's header for the judging rules). Metrics at k = 10, averaged
over queries:

- Recall@10 = |relevant in top 10| / min(|relevant|, 10)  (capped, so a broad intent with 100 relevant
  products can still reach 1.0);
- MRR@10 = 1 / rank of the first relevant result (0 when none in the top 10);
- nDCG@10 with binary gains, ideal DCG over min(10, |relevant|) positions (recsys.metrics.ndcg_at_k).

Latency is the wall time of one `SearchService.rank` call, query embedding included, after warm-up.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from core.db import Store
from core.settings import Settings
from ingestion.vectors.cache import EmbeddingCache
from ingestion.vectors.embedders import get_embedder
from ingestion.vectors.index import NumpyIndex, Payload
from recsys.metrics import ndcg_at_k
from recsys.search.service import Mode, SearchService

EVAL_DIR = Path(__file__).resolve().parents[2] / "evals" / "search"
QUERIES_PATH = EVAL_DIR / "queries.yaml"
BILINGUAL_CATALOG = EVAL_DIR / "bilingual_catalog.csv"
METHODS: tuple[Mode, ...] = ("dense", "keyword", "hybrid")
K = 10


@dataclass(frozen=True)
class Rule:
    all: tuple[str, ...]
    none: tuple[str, ...] = ()

    def matches(self, title: str) -> bool:
        return all(re.search(p, title, re.I) for p in self.all) and not any(
            re.search(p, title, re.I) for p in self.none
        )

    def relevant(self, payloads: Sequence[Payload]) -> set[str]:
        return {p["sku"] for p in payloads if self.matches(p["title"])}


@dataclass(frozen=True)
class EvalQuery:
    intent: str
    catalog: str
    lang: str
    kind: str
    text: str
    rule: Rule


def load_queries(path: Path = QUERIES_PATH) -> list[EvalQuery]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for intent in data["intents"]:
        rule = Rule(tuple(intent["all"]), tuple(intent.get("none", ())))
        for q in intent["queries"]:
            out.append(EvalQuery(intent["id"], intent["catalog"], q["lang"], q["kind"], q["text"], rule))
    return out


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int = K) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / min(len(relevant), k)


def mrr_at_k(ranked: Sequence[str], relevant: set[str], k: int = K) -> float:
    for pos, sku in enumerate(ranked[:k], start=1):
        if sku in relevant:
            return 1.0 / pos
    return 0.0


@dataclass
class QueryResult:
    query: EvalQuery
    method: str
    ranked: list[str]
    relevant: set[str]
    seconds: float

    @property
    def metrics(self) -> dict[str, float]:
        return {
            "recall@10": recall_at_k(self.ranked, self.relevant),
            "mrr@10": mrr_at_k(self.ranked, self.relevant),
            "ndcg@10": ndcg_at_k(self.ranked, self.relevant, K),
        }


@contextmanager
def bilingual_service(settings: Settings, embedder_spec: str) -> Iterator[SearchService]:
    """A throw-away store with the bilingual fixture catalog, indexed with the given embedder."""
    from ingestion.catalog import ingest_catalog

    with tempfile.TemporaryDirectory(prefix="s2b-search-eval-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bilingual.db'}")
        store.migrate()
        ingest_catalog(store, BILINGUAL_CATALOG)
        embedder = get_embedder(embedder_spec)
        cache = EmbeddingCache.for_embedder(settings.ensure_home(), embedder.name, embedder.dim)
        service = SearchService(store, embedder, NumpyIndex(), cache)
        service.ensure_index()
        try:
            yield service
        finally:
            store.dispose()


def run_queries(
    services: dict[str, SearchService],
    queries: Sequence[EvalQuery],
    methods: Sequence[Mode] = METHODS,
    on_query: Callable[[], None] | None = None,
) -> list[QueryResult]:
    """Every query through every method; relevance judged against the catalog each query targets."""
    payloads = {name: list(s.index_payloads()) for name, s in services.items()}
    results = []
    for query in queries:
        service = services[query.catalog]
        relevant = query.rule.relevant(payloads[query.catalog])
        for method in methods:
            started = time.perf_counter()
            hits = service.rank(query.text, k=K, mode=method)
            seconds = time.perf_counter() - started
            results.append(QueryResult(query, method, [h.sku for h in hits], relevant, seconds))
        if on_query:
            on_query()
    return results


def summarise(results: Sequence[QueryResult]) -> list[dict[str, Any]]:
    """One row per (language, catalog or "all", method): query count, mean metrics, latency p50/p95 in ms."""
    groups: dict[tuple[str, str, str], list[QueryResult]] = {}
    for r in results:
        for catalog in (r.query.catalog, "all"):
            groups.setdefault((r.query.lang, catalog, r.method), []).append(r)
    rows = []
    for (lang, catalog, method), items in sorted(groups.items(), key=lambda kv: _order(kv[0])):
        metrics = [i.metrics for i in items]
        ms = np.array([i.seconds * 1000 for i in items])
        rows.append(
            {
                "lang": lang,
                "catalog": catalog,
                "method": method,
                "queries": len(items),
                **{name: round(float(np.mean([m[name] for m in metrics])), 3) for name in metrics[0]},
                "p50_ms": round(float(np.percentile(ms, 50)), 2),
                "p95_ms": round(float(np.percentile(ms, 95)), 2),
            }
        )
    return rows


def _order(key: tuple[str, str, str]) -> tuple[int, int, int]:
    lang, catalog, method = key
    return (
        ["en", "zh"].index(lang) if lang in ("en", "zh") else 9,
        ["all", "demo", "bilingual"].index(catalog) if catalog in ("all", "demo", "bilingual") else 9,
        list(METHODS).index(method) if method in METHODS else 9,
    )


def zh_en_ratio(rows: Sequence[dict[str, Any]], method: str = "hybrid", catalog: str = "demo") -> float | None:
    """Recall@10 of Chinese queries over the English demo catalog divided by that of the English queries."""
    by = {(r["lang"], r["catalog"], r["method"]): r["recall@10"] for r in rows}
    en, zh = by.get(("en", catalog, method)), by.get(("zh", catalog, method))
    return round(zh / en, 3) if en and zh is not None else None
