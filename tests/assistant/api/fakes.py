"""Fakes for the service's ports (restock source, catalog search, generators) over a small real store, and a
helper that builds the app with them. Each fake records the merchant ids it was called with."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import select

from assistant.api.app import create_app
from assistant.api.services import Services, make_services
from assistant.generators.common import GenerationError
from assistant.keys import DemoKey, create_key
from assistant.llm.base import ChatModel, LLMError
from core.db import Store
from core.domain import RestockItem, RestockList, SearchHit
from core.settings import Settings
from core.tables import GeneratedContent, Merchant, Order, OrderLine, Product
from core.tables import RestockList as StoredList

MERCHANTS = {"12583": "fr", "17850": "en", "13047": "en"}
PRODUCTS = [
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", Decimal("2.55"), 120),
    ("22423", "REGENCY CAKESTAND 3 TIER", Decimal("10.95"), 8),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", Decimal("1.69"), 300),
    ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", Decimal("4.25"), 0),
    ("22086", "PAPER CHAIN KIT 50'S CHRISTMAS", Decimal("2.95"), 55),
]
# which SKUs each merchant bought (and how many): restock lists and sales differ per merchant
BOUGHT = {"12583": {"22423": 6, "84879": 48}, "17850": {"85123A": 32, "21730": 12}, "13047": {"22086": 24}}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def seed_store(store: Store) -> None:
    with store.session() as session:
        for mid, country in MERCHANTS.items():
            session.add(Merchant(id=mid, name=f"shop {mid}", country=country, language="en", created_at=_now()))
        for sku, title, price, stock in PRODUCTS:
            session.add(Product(sku=sku, title=title, unit_price=price, stock=stock, active=True, currency="GBP"))
        session.flush()
        for n, (mid, lines) in enumerate(BOUGHT.items()):
            invoice = f"5{n:05d}"
            at = datetime(2011, 11, 1 + n, 10, 0)
            session.add(Order(invoice_id=invoice, merchant_id=mid, ordered_at=at, kind="purchase", source="test"))
            session.flush()
            for line_no, (sku, qty) in enumerate(lines.items()):
                price = next(p for s, _, p, _ in PRODUCTS if s == sku)
                session.add(
                    OrderLine(
                        invoice_id=invoice,
                        line_no=line_no,
                        merchant_id=mid,
                        ordered_at=at,
                        sku=sku,
                        is_product=True,
                        quantity=qty,
                        unit_price=price,
                    )
                )


@dataclass
class FakeRestock:
    store: Store
    calls: list[str] = field(default_factory=list)

    def default_as_of(self) -> date:
        return date(2011, 12, 9)

    def restock_for(self, merchant_id: str, *, as_of: date | None = None, k: int = 20) -> RestockList:
        """Like RestockService: the stored batch list for `as_of` when there is one, else computed."""
        self.calls.append(merchant_id)
        with self.store.session() as session:
            stored = session.scalar(
                select(StoredList).where(StoredList.merchant_id == merchant_id, StoredList.as_of == as_of)
            )
            if stored is not None:
                titles = {sku: title for sku, title in session.execute(select(Product.sku, Product.title))}
                items = [RestockItem(title=titles.get(i["sku"], ""), **i) for i in stored.items[:k]]
                return RestockList(
                    merchant_id=merchant_id, as_of=stored.as_of, model_version=stored.model_version, items=items
                )
            rows = session.execute(
                select(OrderLine.sku, Product.title, Product.unit_price, Product.stock, OrderLine.quantity)
                .join(Product, Product.sku == OrderLine.sku)
                .where(OrderLine.merchant_id == merchant_id)
                .order_by(OrderLine.sku)
            ).all()
        items = [
            RestockItem(sku=s, title=t, quantity=q, unit_price=p, stock=st, reason={"kind": "repeat"})
            for s, t, p, st, q in rows[:k]
        ]
        return RestockList(
            merchant_id=merchant_id, as_of=as_of or self.default_as_of(), model_version="fake-1", items=items
        )


@dataclass
class FakeSearch:
    store: Store
    calls: list[tuple[str, str | None]] = field(default_factory=list)

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
        self.calls.append((query, merchant_id))
        words = [w for w in query.upper().split() if w]
        hits = []
        for sku, title, price, stock in PRODUCTS:
            matched = sum(w in title for w in words)
            if words and not matched:
                continue
            if (in_stock and not stock) or (max_price is not None and float(price) > max_price):
                continue
            keyword = matched / len(words) if words else 0.0  # the share of the query's words, as the real search
            hits.append(SearchHit(sku=sku, title=title, price=price, score=1.0, stock=stock, keyword=keyword))
        return hits[:k]


class FakeGrounding(BaseModel):
    passed: bool = True
    problems: list[str] = []


class FakeDraft(BaseModel):
    """The fields the routes read from a generator draft; like the real drafts it names its merchant."""

    merchant_id: str
    text: str
    variants: list[dict[str, Any]] = []  # {text, prose, chars}, as the real copy drafts
    items: list[dict[str, Any]] = []
    grounding: FakeGrounding = FakeGrounding()
    flagged: bool = False
    prompt_id: str = "copy"
    prompt_version: str = "1"
    model: str = "fake-model"
    latency_s: float = 0.01
    needs_human: bool = False
    language: str = "en"


@dataclass
class FakeGenerators:
    """Drafts built from the store (so they differ per merchant); `fail_grounding` makes the next draft fail,
    `llm_down` makes every call fail as the real ones do when the model does not answer. Copy refuses unknown SKUs
    as the real generator does, and anything with the reason in `refuse`."""

    store: Store
    calls: list[tuple[str, str]] = field(default_factory=list)
    copy_skus: list[list[str] | None] = field(default_factory=list)
    copy_requests: list[dict[str, Any]] = field(default_factory=list)  # lang, channel, max_chars of each copy call
    fail_grounding: bool = False
    grounding_problems: list[str] = field(default_factory=lambda: ["price 9.99 not in data"])
    llm_down: bool = False
    refuse: str | None = None  # copy raises GenerationError with this reason

    def _titles(self, merchant_id: str, skus: Sequence[str] | None) -> list[str]:
        wanted = list(skus) if skus else list(BOUGHT.get(merchant_id, {}))
        return [t for s, t, _, _ in PRODUCTS if s in wanted]

    def _grounding(self) -> FakeGrounding:
        if self.fail_grounding:
            return FakeGrounding(passed=False, problems=list(self.grounding_problems))
        return FakeGrounding()

    def restock(self, merchant_id: str, *, lang: str | None = None, k: int = 10) -> FakeDraft:
        self.calls.append(("restock", merchant_id))
        if self.llm_down:
            raise LLMError("connection refused")
        items = FakeRestock(self.store).restock_for(merchant_id, k=k).items
        return FakeDraft(
            merchant_id=merchant_id,
            text=f"{len(items)} items to restock",
            items=[i.model_dump(mode="json") for i in items],
            prompt_id="restock",
            grounding=self._grounding(),
        )

    def copy(
        self,
        merchant_id: str,
        *,
        skus: Sequence[str] | None = None,
        channel: str = "wechat_moments",
        lang: str = "zh",
        tone: str = "friendly",
        max_chars: int | None = None,
        variants: int = 3,
        theme: str | None = None,
    ) -> FakeDraft:
        self.calls.append(("copy", merchant_id))
        self.copy_skus.append(list(skus) if skus else None)
        self.copy_requests.append({"lang": lang, "channel": channel, "max_chars": max_chars, "theme": theme})
        if self.llm_down:
            raise LLMError("connection refused")
        if self.refuse:
            raise GenerationError(self.refuse)
        unknown = [s for s in skus or [] if s not in {p[0] for p in PRODUCTS}]
        if unknown:
            raise GenerationError(f"SKU(s) not in S's catalog: {', '.join(unknown)}")
        titles = self._titles(merchant_id, skus)
        line = " | ".join(t.title() for t in titles)
        room = (max_chars or 300) - len(line) - 1
        prose = [f"v{i + 1}: a fine pick for every home, now in store"[:room] for i in range(variants)]
        texts = [f"{p}\n{line}" for p in prose]
        grounding = self._grounding()
        return FakeDraft(
            merchant_id=merchant_id,
            text=texts[0],
            variants=[{"text": t, "prose": p, "chars": len(t)} for t, p in zip(texts, prose, strict=True)],
            grounding=grounding,
            flagged=not grounding.passed,
            language=lang,
        )

    def reply(
        self, merchant_id: str, message: str, *, order_id: str | None = None, lang: str | None = None
    ) -> FakeDraft:
        self.calls.append(("reply", merchant_id))
        return FakeDraft(
            merchant_id=merchant_id,
            text="Thanks for your message, we will check and get back to you.",
            prompt_id="reply",
            needs_human="refund" in message.lower(),
        )

    def save(self, merchant_id: str, kind: str, draft: Any, channel: str | None = None) -> int:
        with self.store.session() as session:
            row = GeneratedContent(
                merchant_id=merchant_id,
                kind=kind,
                channel=channel,
                language=draft.language,
                status="flagged" if draft.flagged else "draft",
                text=draft.text,
                payload={"variants": draft.variants, "items": draft.items},
                grounding=draft.grounding.model_dump(),
                prompt_id=draft.prompt_id,
                prompt_version=draft.prompt_version,
                model=draft.model,
                created_at=_now(),
            )
            session.add(row)
            session.flush()
            return row.id


@dataclass
class Harness:
    settings: Settings
    store: Store
    llm: ChatModel
    restock: FakeRestock
    search: FakeSearch
    generators: FakeGenerators
    services: Services
    app: FastAPI

    def key(self, role: str = "merchant", merchant_id: str | None = None, rate_limit: int | None = None) -> str:
        return create_key(self.store, role=role, merchant_id=merchant_id, rate_limit_per_minute=rate_limit).key


def build_harness(settings: Settings, store: Store, llm: ChatModel, demo_merchant: str | None = None) -> Harness:
    seed_store(store)
    restock, search, generators = FakeRestock(store), FakeSearch(store), FakeGenerators(store)
    services = make_services(
        settings,
        store=store,
        restock=restock,
        search=search,
        llm=llm,
        generators=generators,
        readiness={"index": lambda: "fake index", "llm": lambda: "fake llm"},
    )
    if demo_merchant:
        services.demo = DemoKey(create_key(store, role="merchant", merchant_id=demo_merchant).key, demo_merchant)
    return Harness(settings, store, llm, restock, search, generators, services, create_app(settings, services=services))


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def running_server(app: FastAPI) -> Iterator[str]:
    """Serve the app with uvicorn on a free 127.0.0.1 port in a thread; yields the base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    if not server.started:
        raise RuntimeError("uvicorn did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
