"""The clients the app runs on (store, restock source, catalog search, LLM, generators, metrics, rate limiter),
built once in the lifespan from settings, or handed in ready-made by tests.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from assistant.agent.agent import ChatAgent
from assistant.agent.ports import Generators, GeneratorSuite
from assistant.api.metrics import MeteredChatModel, Metrics
from assistant.api.ratelimit import RateLimiter
from assistant.keys import DemoKey, Principal, hash_key, verify_key
from assistant.llm.base import ChatModel
from core.db import Store
from core.domain import CatalogSearch, RestockSource
from core.settings import Settings

log = logging.getLogger(__name__)
Check = Callable[[], str]


@dataclass
class Services:
    settings: Settings
    store: Store
    restock: RestockSource
    search: CatalogSearch
    llm: ChatModel
    generators: Generators
    metrics: Metrics
    limiter: RateLimiter
    readiness: dict[str, Check]
    demo: DemoKey | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)
    # Query embedding runs at most this many at a time: with 50 clients, 40 pool threads embedding at once on
    # 2 cores thrash (each call also spawns BLAS threads); a queue does not (measured: 5 -> 60 searches/s).
    cpu_slots: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(max(1, min(4, os.cpu_count() or 1)))
    )
    principals: PrincipalCache = field(default_factory=lambda: PrincipalCache())

    @contextmanager
    def cpu(self) -> Iterator[None]:
        with self.cpu_slots:
            yield

    def agent(self) -> ChatAgent:
        return ChatAgent(
            self.store,
            self.restock,
            self.search,
            self.llm,
            self.generators,
            on_grounding_failure=lambda kind: self.metrics.grounding_failures.inc(kind),
        )

    def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:
                log.exception("closing a client failed")


class PrincipalCache:
    """Verified keys for a few seconds (by hash), so a request costs no key lookup; revocation applies within ttl_s."""

    def __init__(self, ttl_s: float = 10.0) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, key: str) -> Principal | None:
        digest = hash_key(key)
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(digest)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        principal = verify_key(store, key)
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (now, principal)
        return principal


def make_services(
    settings: Settings,
    *,
    store: Store,
    restock: RestockSource,
    search: CatalogSearch,
    llm: ChatModel,
    generators: Generators | None = None,
    readiness: dict[str, Check] | None = None,
    demo: DemoKey | None = None,
) -> Services:
    """Wire clients together: the LLM is wrapped for metrics before anything else sees it."""
    metrics = Metrics()
    metered = MeteredChatModel(llm, metrics)
    gens = generators if generators is not None else GeneratorSuite(settings, store, metered, restock, search)
    checks = {"store": _store_check(store), "index": _index_check(search), "llm": _llm_check(llm)}
    checks.update(readiness or {})
    return Services(
        settings=settings,
        store=store,
        restock=restock,
        search=search,
        llm=metered,
        generators=gens,
        metrics=metrics,
        limiter=RateLimiter(settings.rate_limit_per_minute),
        readiness=checks,
        demo=demo,
    )


def build_services(settings: Settings) -> Services:
    """The real clients from settings: SQLite/PostgreSQL store, recommender, Qdrant search, local or remote LLM."""
    try:
        from assistant.llm.factory import make_chat_model, start_local_model
        from recsys.search.service import SearchService
        from recsys.service import RestockService
    except ImportError as exc:
        raise RuntimeError(
            f"a service component is missing ({exc}); reinstall with `pip install -e .[service]`"
        ) from exc
    store = Store.from_settings(settings)
    restock = RestockService.from_settings(settings, store)
    search = SearchService.from_settings(settings, store)
    log.info("syncing the catalog search index (first run embeds every product)")
    search.ensure_index()
    log.info("loading (or training, first run) the restock model")
    restock.model_for(restock.default_as_of())
    llm = make_chat_model(settings)
    log.info("starting the language model %s", llm.model_name)
    start_local_model(llm)
    services = make_services(settings, store=store, restock=restock, search=search, llm=llm)
    for client in (llm, search, restock):
        close = getattr(client, "close", None)
        if callable(close):
            services.closers.append(close)
    services.closers.append(store.dispose)
    return services


def _store_check(store: Store) -> Check:
    def check() -> str:
        with store.session() as session:
            session.execute(text("SELECT 1"))
        return store.dialect

    return check


def _index_check(search: CatalogSearch) -> Check:
    def check() -> str:
        ready = getattr(search, "ready", None)
        if callable(ready):
            return str(ready())
        hits = search.search("gift", k=1)
        return f"{len(hits)} hit for a probe query"

    return check


def _llm_check(llm: ChatModel, ttl_s: float = 15.0) -> Check:
    """Asks the backend's own health probe when it has one (cached briefly); otherwise a 1-token completion."""
    cache: dict[str, Any] = {}

    def check() -> str:
        if cache and time.monotonic() - cache["at"] < ttl_s:
            if cache["error"]:
                raise RuntimeError(cache["error"])
            return str(cache["detail"])
        try:
            probe = getattr(llm, "health", None) or getattr(llm, "ping", None)
            if callable(probe):
                detail = str(probe() or llm.model_name)
            else:
                from assistant.llm.base import ChatMessage

                llm.complete([ChatMessage("user", "ping")], max_tokens=1)
                detail = llm.model_name
            cache.update(at=time.monotonic(), detail=detail, error=None)
            return detail
        except Exception as exc:
            cache.update(at=time.monotonic(), detail=None, error=str(exc) or type(exc).__name__)
            raise

    return check
