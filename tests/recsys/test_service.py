from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, update

import recsys.model
import recsys.service
from core.db import Store
from core.domain import RestockList, RestockSource
from core.tables import BatchShard, Product
from core.tables import RestockList as RestockRow
from recsys.batch import parse_shard, run_batch, shard_of
from recsys.data import fingerprint, load_titles
from recsys.service import RestockService

MERCHANT = "12748"  # the sample's most active merchant


def _service(store: Store, model_dir: Path) -> RestockService:
    return RestockService(store, model_dir)


def test_service_is_a_restock_source_and_lists_are_grounded(store_copy: Store, shared_model_dir: Path) -> None:
    service = _service(store_copy, shared_model_dir)
    source: RestockSource = service
    result = source.restock_for(MERCHANT, k=10)
    assert isinstance(result, RestockList)
    assert result.as_of == date(2011, 12, 9)
    assert 0 < len(result.items) <= 10
    assert len({item.sku for item in result.items}) == len(result.items)
    with store_copy.session() as session:
        prices = dict(session.execute(select(Product.sku, Product.unit_price)).all())
    for item in result.items:
        assert item.sku in prices and item.unit_price == prices[item.sku]
        # shown as S's price, not the column's NUMERIC(14, 4) text ("2.9500")
        assert item.model_dump(mode="json")["unit_price"] == str(prices[item.sku].quantize(Decimal("0.01")))
        assert item.title and item.quantity >= 1 and item.available
        assert item.reason["kind"] in {"repeat", "discover", "popular"}
    assert any(item.reason["kind"] == "repeat" for item in result.items)


def test_unknown_merchant_gets_the_cold_start_list(store_copy: Store, shared_model_dir: Path) -> None:
    result = _service(store_copy, shared_model_dir).restock_for("no-such-merchant", k=5)
    assert len(result.items) == 5
    assert all(item.reason["kind"] == "popular" for item in result.items)


def test_inactive_or_out_of_stock_products_are_never_orderable(store_copy: Store, shared_model_dir: Path) -> None:
    first = _service(store_copy, shared_model_dir).restock_for(MERCHANT, k=10)
    inactive, empty = first.items[0].sku, first.items[1].sku
    with store_copy.session() as session:
        session.execute(update(Product).where(Product.sku == inactive).values(active=False))
        session.execute(update(Product).where(Product.sku == empty).values(stock=0))
    # computed on demand: dropped from the list
    fresh = _service(store_copy, shared_model_dir).restock_for(MERCHANT, k=10)
    assert inactive not in {i.sku for i in fresh.items} and empty not in {i.sku for i in fresh.items}
    assert len(fresh.items) == 10
    # stored by an earlier batch: still listed, but marked unavailable
    with store_copy.session() as session:
        session.execute(update(Product).values(active=True, stock=None))
    service = _service(store_copy, shared_model_dir)
    run_batch(service, k=10)
    with store_copy.session() as session:
        session.execute(update(Product).where(Product.sku == inactive).values(active=False))
        session.execute(update(Product).where(Product.sku == empty).values(stock=0))
    stored = service.restock_for(MERCHANT, k=10)
    flags = {item.sku: item.available for item in stored.items}
    assert flags[inactive] is False and flags[empty] is False
    assert sum(flags.values()) == len(flags) - 2


def test_batch_is_sharded_and_resumable(store_copy: Store, shared_model_dir: Path) -> None:
    service = _service(store_copy, shared_model_dir)
    part = run_batch(service, shard=(1, 3), k=5)
    assert part.shards == [1] and part.skipped_shards == []
    with store_copy.session() as session:
        stored = [r[0] for r in session.execute(select(RestockRow.merchant_id))]
    assert stored and all(shard_of(mid, 3) == 1 for mid in stored)
    again = run_batch(service, shard=(1, 3), k=5)
    assert again.shards == [] and again.skipped_shards == [1] and again.merchants == 0
    rest = run_batch(service, of_shards=3, k=5)
    assert rest.shards == [0, 2] and rest.skipped_shards == [1]
    with store_copy.session() as session:
        lists = session.execute(select(func.count()).select_from(RestockRow)).scalar_one()
        shards = session.execute(select(func.count()).select_from(BatchShard)).scalar_one()
        versions = {r[0] for r in session.execute(select(RestockRow.model_version))}
    assert lists == part.merchants + rest.merchants == len(service.model_for(date(2011, 12, 9)).history.merchant_ids)
    assert shards == 3 and versions == {part.model_version}
    # the stored list is what the service serves
    listed = service.restock_for(stored[0], k=5)
    assert listed.model_version == part.model_version and len(listed.items) == 5
    # lists of 5 do not finish a run asking for 8: it recomputes every shard
    longer = run_batch(service, of_shards=3, k=8)
    assert longer.shards == [0, 1, 2] and longer.skipped_shards == []
    assert len(service.restock_for(stored[0], k=8).items) == 8


def test_model_is_cached_on_disk_by_data_fingerprint(
    store_copy: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digests: list[str] = []

    def counted(events: pd.DataFrame, titles: Mapping[str, str] | None = None) -> str:
        digests.append(fingerprint(events, titles))
        return digests[-1]

    monkeypatch.setattr(recsys.service, "fingerprint", counted)
    monkeypatch.setattr(recsys.model, "fingerprint", counted)
    first = _service(store_copy, tmp_path)
    trained = first.model_for(date(2011, 12, 9))
    assert first.last_model_source.startswith("trained")
    first.saved()
    assert not list(tmp_path.rglob("*.partial"))
    second = _service(store_copy, tmp_path)
    loaded = second.model_for(date(2011, 12, 9))
    assert second.last_model_source.startswith("loaded")
    # the service hands the digest it keyed the folder with to fit and load: one digest per model, not two
    assert digests == [trained.meta["fingerprint"], loaded.meta["fingerprint"]]


def test_models_in_memory_are_bounded_and_the_evicted_reload_from_disk(
    store_copy: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recsys.service, "MODELS_IN_MEMORY", 1)
    service = _service(store_copy, tmp_path)
    service.model_for(date(2011, 12, 9))
    service.model_for(date(2011, 11, 30))  # an admin's list for another date: the first model leaves memory
    service.saved()
    assert service.last_model_source.startswith("trained")
    service.model_for(date(2011, 12, 9))
    assert service.last_model_source.startswith("loaded")


def test_a_failed_model_write_is_raised_by_saved(store_copy: Store, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "models"
    not_a_folder.write_text("a file where the model folder should go", encoding="utf-8")
    service = _service(store_copy, not_a_folder)
    service.model_for(date(2011, 12, 9))  # trains; the write runs in the background and fails there
    with pytest.raises(OSError):
        service.saved()
    service.saved()  # reported once: nothing pending any more


def test_parse_shard() -> None:
    assert parse_shard("2/4") == (2, 4)
    for bad in ("4/4", "x", "1/0", "-1/3"):
        try:
            parse_shard(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_a_date_before_any_order_gives_an_empty_list(store_copy: Store, shared_model_dir: Path) -> None:
    result = _service(store_copy, shared_model_dir).restock_for(MERCHANT, as_of=date(2009, 1, 1))
    assert result.items == [] and result.model_version == "no-orders-yet"


def test_the_model_learns_from_the_catalogs_titles_and_retrains_when_they_change(
    store_copy: Store, shared_model_dir: Path
) -> None:
    service = _service(store_copy, shared_model_dir)
    titles = load_titles(store_copy)
    assert len(titles) > 100
    model = service.model_for(date(2011, 12, 9))
    assert model.stats.titles == titles and model.stats.title_sim.nnz > 0
    before = model.meta["fingerprint"]
    sku = str(model.history.skus[0])
    with store_copy.session() as session:
        session.execute(update(Product).where(Product.sku == sku).values(title="RENAMED BY S"))
    service.refresh()
    assert service.model_for(date(2011, 12, 9)).meta["fingerprint"] != before
    service.saved()


def test_a_model_saved_in_an_older_format_is_retrained_not_loaded(store_copy: Store, tmp_path: Path) -> None:
    first = _service(store_copy, tmp_path / "models")
    first.model_for(date(2011, 12, 9))
    first.saved()
    (meta_path,) = (tmp_path / "models" / "restock").glob("*/meta.json")
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps(meta | {"format": meta["format"] - 1}))
    second = _service(store_copy, tmp_path / "models")
    second.model_for(date(2011, 12, 9))
    second.saved()
    assert second.last_model_source.startswith("trained")
    assert json.loads(meta_path.read_text())["format"] == meta["format"]


def test_a_batch_after_an_upgrade_that_changes_the_model_format_recomputes_its_shards(
    store_copy: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = run_batch(_service(store_copy, tmp_path / "models"), of_shards=2, k=5)
    assert before.shards == [0, 1]
    monkeypatch.setattr(recsys.model, "FORMAT_VERSION", recsys.model.FORMAT_VERSION + 1)  # the upgrade
    after = run_batch(_service(store_copy, tmp_path / "models"), of_shards=2, k=5)
    # the same data and parameters, but another model: its lists are computed, not skipped as finished
    assert after.shards == [0, 1] and after.skipped_shards == []
    assert after.model_version != before.model_version
    assert len(list((tmp_path / "models" / "restock").iterdir())) == 2  # neither format overwrote the other
