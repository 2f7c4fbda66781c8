from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import insert

from core.db import Store
from core.domain import CatalogSearch
from core.settings import Settings
from core.tables import Merchant, Order, OrderLine
from ingestion.vectors.cache import EmbeddingCache
from ingestion.vectors.embedders import HashEmbedder
from ingestion.vectors.index import IndexFilter, NumpyIndex
from recsys.search import service as search_service
from recsys.search.service import SearchService
from tests.ingestion.vectors.catalog_data import ROWS, load_catalog_rows
from tests.ingestion.vectors.test_indexing import CountingEmbedder


@pytest.fixture
def catalog_store(sqlite_store: Store, tmp_path: Path) -> Store:
    load_catalog_rows(sqlite_store, tmp_path, ROWS)
    return sqlite_store


def _service(store: Store, tmp_path: Path, embedder: HashEmbedder | None = None) -> SearchService:
    emb = embedder or HashEmbedder()
    return SearchService(store, emb, NumpyIndex(), EmbeddingCache(tmp_path / "c.npz", emb.dim), refresh_interval_s=0.0)


def _skus(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.sku for h in hits]


def test_from_settings_builds_lazily_and_implements_the_port(catalog_store: Store, settings: Settings) -> None:
    service = SearchService.from_settings(settings.model_copy(update={"embedder": "hash"}), catalog_store)
    port: CatalogSearch = service  # the assistant codes against the port
    assert service.index_is_empty()
    hits = port.search("fairy lights", k=3)
    assert hits and hits[0].sku in {"A1", "A2"} and not service.index_is_empty()
    assert hits[0].price == Decimal("6.5") or hits[0].price == Decimal("3.2")
    assert (settings.home / "vectors").is_dir()  # embedding cache written under S2B_HOME


def test_filters(catalog_store: Store, tmp_path: Path) -> None:
    service = _service(catalog_store, tmp_path)
    everything = set(_skus(service.search("lights mug 灯串 礼品袋", k=10)))
    assert everything == {"A1", "A2", "A3", "A4", "A5", "A6"}
    in_stock = set(_skus(service.search("lights mug 灯串 礼品袋", k=10, in_stock=True)))
    assert in_stock == {"A1", "A3", "A5", "A6"}  # A2 stock 0, A4 inactive; A3 has unknown stock
    assert set(_skus(service.search("lights mug", k=10, max_price=2.5))) <= {"A3", "A4", "A6"}
    assert "A3" in _skus(service.search("mug", k=10, max_price=2.5))
    assert set(_skus(service.search("lights", k=10, category="LIGHTS"))) == {"A1", "A2", "A5"}
    assert service.search("lights", category="garden") == []
    assert service.search("   ") == []


def test_deactivated_product_drops_out_of_in_stock_results(catalog_store: Store, tmp_path: Path) -> None:
    service = _service(catalog_store, tmp_path)
    assert "A1" in _skus(service.search("fairy lights", in_stock=True))
    load_catalog_rows(catalog_store, tmp_path, ["A1,LED FAIRY LIGHTS WARM WHITE,,lights,6.50,10,false"], "off.csv")
    assert "A1" not in _skus(service.search("fairy lights", in_stock=True))  # picked up without a manual reindex
    assert "A1" in _skus(service.search("fairy lights"))  # still findable without the filter


def test_a_product_without_a_title_is_never_a_hit(catalog_store: Store, tmp_path: Path) -> None:
    load_catalog_rows(catalog_store, tmp_path, ["Z9,,,,,,true", "Z8,,,,,,true"], "untitled.csv")
    service = _service(catalog_store, tmp_path)
    for query in ("xyzzy", "lights", "!!!", "Z9"):
        assert not {"Z8", "Z9"} & set(_skus(service.search(query, k=10)))


def test_incremental_refresh_skips_unchanged_products(catalog_store: Store, tmp_path: Path) -> None:
    emb = CountingEmbedder()
    service = _service(catalog_store, tmp_path, emb)
    service.search("mug")
    assert len(emb.seen) == 6
    load_catalog_rows(catalog_store, tmp_path, ["A7,GARDEN PARASOL,,garden,9.00,3,true"], "new.csv")
    assert _skus(service.search("garden parasol", k=1)) == ["A7"]
    assert emb.seen[6:] == ["garden parasol | garden"]
    report = service.ensure_index()
    assert report.embedded == 0 and report.upserted == 0 and report.unchanged == 7


def test_methods_and_chinese_keywords(catalog_store: Store, tmp_path: Path) -> None:
    service = _service(catalog_store, tmp_path)
    assert _skus(service.rank("派对礼品袋", k=1, mode="keyword")) == ["A6"]
    assert _skus(service.rank("圣诞节灯串", k=1, mode="dense")) == ["A5"]
    assert _skus(service.rank("圣诞节灯串", k=1, mode="hybrid")) == ["A5"]
    assert service.rank("doormat", mode="keyword") == []
    assert set(_skus(service.rank("lights", flt=IndexFilter(in_stock=True), mode="keyword"))) == {"A1", "A5"}


CAKE_ROWS = [
    "C1,LARGE CAKE STAND HANGING STRAWBERY,,kitchen,2.95,5,true",
    "C2,MINI CAKE STAND HANGING STRAWBERY,,kitchen,0.39,5,true",
    "C3,CERAMIC CAKE STAND HANGING CAKES,,kitchen,9.95,5,true",
    "C4,REGENCY CAKE FORK,,kitchen,2.46,5,true",
    "C5,REGENCY CAKESTAND 3 TIER,,kitchen,24.96,0,true",
]


class NeighbourPullEmbedder(HashEmbedder):
    """Embeds every query as "cake stand hanging": the question's other words pulled the vector to the neighbours."""

    def embed_query(self, text: str) -> np.ndarray:
        return super().embed_query("cake stand hanging")


def test_a_product_named_by_every_catalog_word_leads_hybrid_results(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_catalog_rows(sqlite_store, tmp_path, CAKE_ROWS)
    service = _service(sqlite_store, tmp_path, NeighbourPullEmbedder())
    question = "这个 regency cakestand 蛋糕架你们的进价是多少？"
    hits = service.rank(question, k=3)
    assert _skus(hits)[0] == "C5" and hits[0].named and not any(h.named for h in hits[1:])
    assert "C5" not in _skus(service.rank(question, k=3, flt=IndexFilter(in_stock=True)))  # the filter still holds
    assert _skus(service.rank("regency", k=1)) != ["C5"]  # one catalog word names nothing: no third list
    monkeypatch.setattr(search_service, "NAMED_MIN_TERMS", 99)  # without the third list the neighbours lead
    assert _skus(service.rank(question, k=3))[0] != "C5"


def test_personal_boost_uses_only_this_merchants_purchases(catalog_store: Store, tmp_path: Path) -> None:
    now = datetime(2011, 5, 1)
    with catalog_store.session() as session:
        session.execute(insert(Merchant), [{"id": "m1", "created_at": now}, {"id": "m2", "created_at": now}])
        session.execute(
            insert(Order),
            [{"invoice_id": "i1", "merchant_id": "m1", "ordered_at": now, "kind": "purchase", "source": "t"}],
        )
        session.execute(
            insert(OrderLine),
            [
                {
                    "invoice_id": "i1",
                    "line_no": 1,
                    "merchant_id": "m1",
                    "ordered_at": now,
                    "sku": "A4",
                    "is_product": True,
                    "quantity": 6,
                    "unit_price": Decimal("1.25"),
                }
            ],
        )
    service = _service(catalog_store, tmp_path)
    plain = _skus(service.search("red retrospot mug white ceramic mug", k=2))
    assert plain[0] == "A3"  # shares more words with the query
    assert _skus(service.search("red retrospot mug white ceramic mug", k=2, merchant_id="m1"))[0] == "A4"
    assert _skus(service.search("red retrospot mug white ceramic mug", k=2, merchant_id="m2")) == plain
    assert service.bought("m1") == frozenset({"A4"}) and service.bought("m2") == frozenset()


def test_concurrent_searches_are_safe(catalog_store: Store, tmp_path: Path) -> None:
    service = _service(catalog_store, tmp_path)
    errors: list[BaseException] = []
    results: list[list[str]] = []

    def worker() -> None:
        try:
            for _ in range(20):
                results.append(_skus(service.search("fairy lights", k=2, in_stock=True)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 80 and all(r == results[0] for r in results)
