"""RestockService: the `core.domain.RestockSource` the assistant and the HTTP layer call.

`restock_for(merchant_id, as_of=..., k=...)` returns the list the batch job stored for that date when
there is one (prices and availability refreshed from the products table), and otherwise computes it on
demand. A list "as of" a date uses every order placed up to the end of that date. The model is trained
lazily and cached twice: in memory, and on disk under `model_dir/restock/<cutoff>-<data fingerprint>/`
(.npz + JSON + LightGBM text), so a second process with the same data loads instead of retraining. A model
trained here is written to disk in the background while lists are computed; `saved()` waits for it.

A merchant the store has no purchases for (unknown or brand new) gets the cold-start list: what most
merchants bought in the last 30 days. No KeyError is raised for unknown merchants.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from core.db import Store
from core.domain import RestockItem, RestockList
from core.settings import Settings
from core.tables import RestockList as RestockRow
from recsys.catalog import Offer, offers, unorderable_skus
from recsys.data import fingerprint, load_purchase_events, load_titles
from recsys.history import known_before
from recsys.model import RestockModel, model_folder_name
from recsys.ranker import RankerParams
from recsys.restock import Suggestion, cold_start, suggest

EXTRA_CANDIDATES = 20  # ranked beyond k so that items S cannot sell can be dropped without a short list
MODELS_IN_MEMORY = 3  # models kept per process (the demo's adds 148 MB of RSS); older ones reload from disk


class RestockService:
    def __init__(self, store: Store, model_dir: Path, params: RankerParams | None = None) -> None:
        self.store = store
        self.model_dir = Path(model_dir)
        self.params = params or RankerParams()
        self._events: pd.DataFrame | None = None
        self._titles: dict[str, str] | None = None
        self._models: OrderedDict[date, RestockModel] = OrderedDict()
        self._lock = threading.RLock()
        self._saves: list[Future[None]] = []
        self.last_model_source = ""

    @classmethod
    def from_settings(cls, settings: Settings, store: Store) -> RestockService:
        return cls(store, settings.home / "models")

    # -- data and model -------------------------------------------------------------------------------
    def events(self) -> pd.DataFrame:
        with self._lock:
            if self._events is None:
                self._events = load_purchase_events(self.store)
            return self._events

    def titles(self) -> dict[str, str]:
        """SKU -> product title from S's catalog (the title features), read once like the events."""
        with self._lock:
            if self._titles is None:
                self._titles = load_titles(self.store)
            return self._titles

    def refresh(self) -> None:
        """Forget cached events, titles and models (call after new orders or catalog changes were ingested)."""
        with self._lock:
            self._events = None
            self._titles = None
            self._models.clear()

    def default_as_of(self) -> date:
        events = self.events()
        if events.empty:
            return date.today()
        return pd.Timestamp(events["ordered_at"].max()).date()

    def model_for(self, as_of: date) -> RestockModel:
        """The model for lists as of `as_of` (trained on orders up to the end of that day)."""
        with self._lock:
            if as_of in self._models:
                self._models.move_to_end(as_of)
                return self._models[as_of]
            cutoff = as_of + timedelta(days=1)
            events, titles = self.events(), self.titles()
            fp = fingerprint(known_before(events, pd.Timestamp(cutoff)), titles)
            folder = self.model_dir / "restock" / model_folder_name(cutoff, fp, self.params)
            if RestockModel.is_saved(folder):
                model = RestockModel.load(folder, events, titles, data_fingerprint=fp)
                self.last_model_source = f"loaded {folder}"
            else:
                model = RestockModel.fit(events, cutoff, self.params, titles, data_fingerprint=fp)
                self._save_in_background(model, folder)
                self.last_model_source = f"trained and saved {folder}"
            self._models[as_of] = model
            while len(self._models) > MODELS_IN_MEMORY:
                self._models.popitem(last=False)  # least recently used
            return model

    def _save_in_background(self, model: RestockModel, folder: Path) -> None:
        # Writing the folder (mostly the 55 MB feature matrix on the demo) takes 0.15-0.3 s, spent in zlib and
        # file writes that release the GIL, so it overlaps with the lists computed next. The worker thread is
        # joined at interpreter exit too, so a process that never calls `saved()` still finishes the write.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="s2b-model-save")
        self._saves.append(pool.submit(model.save, folder))
        pool.shutdown(wait=False)

    def saved(self) -> None:
        """Wait until every model this service trained is on disk; re-raises a failed write."""
        with self._lock:
            pending, self._saves = self._saves, []
        for future in pending:
            future.result()

    def close(self) -> None:
        """Finish pending model writes (the HTTP service's lifespan calls this at shutdown)."""
        self.saved()

    # -- lists ----------------------------------------------------------------------------------------
    def suggestions(self, model: RestockModel, merchant_ids: list[str], k: int) -> dict[str, list[Suggestion]]:
        """Orderable suggestions (inactive / out-of-stock SKUs dropped) for merchants; cold start for unknown ones."""
        index = model.history.merchant_index()
        known = np.array(sorted(index[mid] for mid in merchant_ids if mid in index), dtype=np.int64)
        blocked = unorderable_skus(self.store)
        extra = min(EXTRA_CANDIDATES, len(blocked))  # over-fetch only as far as S has SKUs it cannot sell
        ranked = suggest(model, known, k + extra) if len(known) else {}
        popular = [s for s in cold_start(model, k + extra) if s.sku not in blocked][:k]
        result = {}
        for mid in merchant_ids:
            listed = ranked.get(mid)
            result[mid] = popular if listed is None else [s for s in listed if s.sku not in blocked][:k]
        return result

    def stored_items(self, merchant_id: str, as_of: date) -> tuple[str, list[dict[str, Any]]] | None:
        with self.store.session() as session:
            row = session.execute(
                select(RestockRow.model_version, RestockRow.items)
                .where(RestockRow.merchant_id == merchant_id, RestockRow.as_of == as_of)
                .order_by(RestockRow.created_at.desc())
                .limit(1)
            ).first()
        return None if row is None else (str(row[0]), list(row[1]))

    def restock_for(self, merchant_id: str, *, as_of: date | None = None, k: int = 20) -> RestockList:
        as_of = as_of or self.default_as_of()
        stored = self.stored_items(merchant_id, as_of)
        if stored is not None:
            version, items = stored
            return self._to_domain(merchant_id, as_of, version, items[:k])
        events = self.events()
        if events.empty or not (events["ordered_at"] < pd.Timestamp(as_of + timedelta(days=1))).any():
            return RestockList(merchant_id=merchant_id, as_of=as_of, model_version="no-orders-yet", items=[])
        model = self.model_for(as_of)
        listed = self.suggestions(model, [merchant_id], k)[merchant_id]
        return self._to_domain(merchant_id, as_of, model.version, [s.as_json() for s in listed])

    def _to_domain(self, merchant_id: str, as_of: date, version: str, items: list[dict[str, Any]]) -> RestockList:
        known = offers(self.store, [str(item["sku"]) for item in items])
        return RestockList(
            merchant_id=merchant_id,
            as_of=as_of,
            model_version=version,
            items=[_item(item, known.get(str(item["sku"]))) for item in items],
        )


def _item(item: dict[str, Any], offer: Offer | None) -> RestockItem:
    return RestockItem(
        sku=str(item["sku"]),
        title=offer.title if offer else "",
        quantity=max(1, int(item["quantity"])),
        unit_price=offer.unit_price if offer else None,
        currency=offer.currency if offer else "GBP",
        available=offer.available if offer else False,
        stock=offer.stock if offer else None,
        expected_reorder_date=date.fromisoformat(str(item["expected_reorder_date"])),
        score=float(item.get("score", 0.0)),
        reason=dict(item.get("reason", {})),
    )
