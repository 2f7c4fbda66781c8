"""The restock model: fit on purchase events before a date, rank items for merchants, save/load as .npz + JSON.

A saved model is a folder: `meta.json` (version, as-of date, data fingerprint, parameters, validation
metrics, feature names), `als.npz` (merchant/item factors with their id arrays) and `ranker.txt`
(LightGBM's text model format). No pickle anywhere.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from recsys.als import ALSFactors, ALSParams, fit_als, implicit_als
from recsys.arrays import group_chunks, rank_in_groups
from recsys.boosting import lightgbm
from recsys.data import fingerprint
from recsys.features import FEATURES, Stats, candidates, compute_stats, feature_matrix, recent_popular
from recsys.history import History, build_history, known_before
from recsys.metrics import finite_or_none
from recsys.ranker import RankerParams, train_ranker, window_for
from recsys.slots import top_k_with_slots

MODEL_KIND = "restock-ltr"
MIN_LABELLED_MERCHANTS = 30  # fewer labelled merchants in the validation windows: use the fallback order
FORMAT_VERSION = 7  # 3: title features (round 11); 4: share neighbours, frequency relative to the top item (13);
# 5: the item's reorder rate (round 28); 6: lists suggest the most frequent quantity and a reorder date not before the
# merchant's next order (round 33: the ranking is the same, the lists' quantities and dates are not, so a batch
# re-run recomputes them); 7: the reorder date halfway from that order to the item's own due date (round 34)


def model_folder_name(cutoff: date, data_fingerprint: str, params: RankerParams) -> str:
    """Where a model is cached: one folder per model format, cut-off, data and parameters (so code whose model
    format changed never finds, nor overwrites, another format's model). The model version is MODEL_KIND and this
    name with the fingerprint's first 10 characters."""
    return f"v{FORMAT_VERSION}-{cutoff.isoformat()}-{data_fingerprint}-{params.digest()}"


def top_k_per_group(m: np.ndarray, i: np.ndarray, score: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows kept: the k best-scoring items of each merchant, sorted by (merchant, score desc)."""
    order = np.lexsort((i, -score, m))
    within = rank_in_groups(order, m)[order]
    keep = order[within < k]
    return keep, within[within < k]


# Prediction is per row, so any thread count gives the same scores (training: RankerParams.threads).
PREDICT_THREADS = min(4, os.cpu_count() or 1)
PRECOMPUTE_ROWS = 2_000_000  # candidate rows whose features fit precomputes (about 280 MB of float32 at most)
RANK_CHUNK_ROWS = 500_000  # otherwise `rank` builds features this many rows at a time, whole merchants per chunk


@dataclass
class CandidateFeatures:
    """Candidate pairs of every merchant (sorted by merchant, item) and their feature rows."""

    m: np.ndarray
    i: np.ndarray
    x: np.ndarray

    def subset(self, merchants: np.ndarray, n_merchants: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        wanted = np.zeros(n_merchants, dtype=bool)
        wanted[merchants] = True
        keep = wanted[self.m]
        return self.m[keep], self.i[keep], self.x[keep]


def _load_features(folder: Path, meta: dict[str, Any], history: History) -> CandidateFeatures | None:
    """The candidate features saved with a model, if any and if they match this code's feature list."""
    path = folder / "features.npz"
    if not path.exists() or meta.get("features") != FEATURES:
        return None
    with np.load(path) as data:
        features = CandidateFeatures(m=data["m"], i=data["i"], x=data["x"])
    in_range = len(features.m) == 0 or (features.m.max() < history.n_merchants and features.i.max() < history.n_items)
    return features if features.x.shape == (len(features.m), len(FEATURES)) and in_range else None


def _this_format(meta: object) -> bool:
    """Whether a saved model's meta is of this code's kind and format."""
    return isinstance(meta, dict) and meta.get("kind") == MODEL_KIND and meta.get("format") == FORMAT_VERSION


def _serving_parts(
    events: pd.DataFrame, stamp: pd.Timestamp, params: RankerParams, titles: Mapping[str, str] | None
) -> tuple[Stats, ALSFactors, CandidateFeatures | None]:
    """Statistics and ALS for serving and, when small enough, every merchant's candidate features.

    None of it depends on the ranker, so `fit` builds it while LightGBM trains. Features are per merchant,
    so rows taken from the all-merchant matrix equal rows computed for any subset of merchants.
    """
    history = build_history(events, stamp)
    stats, als = compute_stats(history, titles=titles), fit_als(history, params.als)
    merchants = np.arange(history.n_merchants, dtype=np.int64)
    per_merchant = params.n_als + params.n_popular
    most_rows = int((stats.topfreq_rank < params.n_history).sum()) + len(merchants) * per_merchant
    if most_rows > PRECOMPUTE_ROWS:  # too many to keep: `rank` builds features per call, in chunks
        return stats, als, None
    m, i = candidates(stats, als, merchants, **params.candidate_counts())
    return stats, als, CandidateFeatures(m=m, i=i, x=feature_matrix(stats, als, m, i))


@dataclass
class Ranked:
    """Top-k per merchant: item indices (-1 = none) and scores, rows aligned with `merchants`."""

    merchants: np.ndarray
    items: np.ndarray
    scores: np.ndarray


class RestockModel:
    """Candidates (own history, ALS discoveries, recent popular) ranked by a LightGBM lambdarank."""

    def __init__(
        self,
        params: RankerParams,
        stats: Stats,
        als: ALSFactors,
        ranker_text: str | None,
        meta: dict[str, Any],
        features: CandidateFeatures | None = None,
    ) -> None:
        lgb = lightgbm()

        self.params = params
        self.stats = stats
        self.als = als
        self.features = features  # every merchant's candidate features, precomputed by `fit` (None: per `rank`)
        self.ranker_text = ranker_text
        self.booster = lgb.Booster(model_str=ranker_text) if ranker_text else None
        self.meta = meta

    @property
    def history(self) -> History:
        return self.stats.history

    @property
    def version(self) -> str:
        return str(self.meta["version"])

    @classmethod
    def fit(
        cls,
        events: pd.DataFrame,
        cutoff: date,
        params: RankerParams | None = None,
        titles: Mapping[str, str] | None = None,
        *,
        data_fingerprint: str | None = None,
    ) -> RestockModel:
        """Train on the events strictly before `cutoff` (validation windows are cut from that period too).

        `titles` (SKU -> product title, e.g. `recsys.data.load_titles`) feed the title features.
        `data_fingerprint`: `fingerprint` of those events and titles when the caller has it already (computed here
        otherwise).
        """
        params = params or RankerParams()
        started = time.perf_counter()
        stamp = pd.Timestamp(cutoff)
        starts = [stamp - pd.Timedelta(days=days) for days in params.validation_days]
        starts = [start for start in starts if (events["ordered_at"] < start).any()]
        starts = sorted(starts)  # oldest first
        # Schedule for 2 cores: the serving statistics, ALS and candidate features (which do not depend on the
        # ranker) and the validation windows build side by side first; then LightGBM trains alone on every core
        # it is given (`RankerParams.threads`). numpy, pandas, scipy and implicit release the GIL in their heavy
        # loops; each part is computed exactly as it would be alone, and LightGBM (deterministic, row-wise
        # histograms) grows the same trees for any thread count, so the model does not depend on the schedule.
        # BLAS runs single-threaded meanwhile: the two threads already fill both cores, and OpenBLAS threads
        # started from both would only contend (its products do not depend on the thread count).
        implicit_als()  # loaded before the limit, so that the limit covers its BLAS too
        with threadpool_limits(1, "blas"), ThreadPoolExecutor(max_workers=2) as pool:
            serving = pool.submit(_serving_parts, events, stamp, params, titles)
            # Longest first: after the serving parts, the newest window (the most history); the two threads then
            # finish about together (demo: 0.5 s sooner than oldest first). `windows` stays oldest first.
            futures = {start: pool.submit(window_for, events, start, stamp, params, titles) for start in starts[::-1]}
            windows = [w for w in (futures[start].result() for start in starts) if len(w.merchants)]
            seconds = {"windows": time.perf_counter() - started}
            stats, als, features = serving.result()
            seconds["serving_wait"] = time.perf_counter() - started - seconds["windows"]
        labelled = sum(len(w.merchants) for w in windows)
        trained = train_ranker(windows, params) if labelled >= MIN_LABELLED_MERCHANTS else None
        seconds["ranker"] = time.perf_counter() - started - seconds["windows"] - seconds["serving_wait"]
        metrics: dict[str, float | None] = {"labelled_merchants": float(labelled)}
        if trained is not None:  # a metric no held-out merchant defines is null: meta.json stays strict JSON
            metrics.update({name: finite_or_none(value) for name, value in trained.metrics.items()})
        history = stats.history
        fp = data_fingerprint or fingerprint(known_before(events, stamp), titles)
        meta = {
            "kind": MODEL_KIND,
            "format": FORMAT_VERSION,
            "version": f"{MODEL_KIND}-{model_folder_name(cutoff, fp[:10], params)}",
            "cutoff": cutoff.isoformat(),
            "fingerprint": fp,
            "params": params.as_dict(),
            "metrics": metrics,
            "features": FEATURES,
            "discovery_slots": params.discovery_slots if trained else 0,
            "new_item_offset": trained.new_item_offset if trained else 0.0,
            "ranker": "lightgbm" if trained else "fallback: own items by top-frequency, then ALS",
            "merchants": history.n_merchants,
            "items": history.n_items,
            "events": len(history.m),
            "train_seconds": round(time.perf_counter() - started, 3),
            "phase_seconds": {name: round(value, 3) for name, value in seconds.items()},
        }
        return cls(params, stats, als, trained.ranker if trained else None, meta, features)

    def rank(
        self,
        merchants: np.ndarray | None = None,
        k: int = 20,
        slots: int | None = None,
        new_item_offset: float | None = None,
    ) -> Ranked:
        """Top-k item indices for merchant indices (default: all merchants in the history).

        `slots` overrides the model's discovery slots per 10 positions and `new_item_offset` its validation-chosen
        offset for never-bought candidates (the evaluation shows the blend without it).
        """
        history = self.history
        if merchants is None:
            merchants = np.arange(history.n_merchants, dtype=np.int64)
        p = self.params
        pre: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if self.features is not None:
            pre = self.features.subset(merchants, history.n_merchants)
            m, i = pre[0], pre[1]
        else:
            m, i = candidates(self.stats, self.als, merchants, **p.candidate_counts())
        slots = int(self.meta.get("discovery_slots", 0)) if slots is None else slots
        offset = float(self.meta.get("new_item_offset", 0.0)) if new_item_offset is None else new_item_offset
        scores = np.empty(len(m), dtype=np.float64)
        is_new = np.empty(len(m), dtype=bool)
        for start, stop in group_chunks(m, RANK_CHUNK_ROWS):
            if pre is not None:
                x = pre[2][start:stop]
            else:
                x = feature_matrix(self.stats, self.als, m[start:stop], i[start:stop])
            is_new[start:stop] = x[:, FEATURES.index("is_repeat")] == 0
            scores[start:stop] = self._score(x) + offset * is_new[start:stop]
        if slots > 0:
            keep, slot = top_k_with_slots(m, i, scores, is_new, k, slots)
        else:
            keep, slot = top_k_per_group(m, i, scores, k)
        row_of = np.full(history.n_merchants, -1, dtype=np.int64)
        row_of[merchants] = np.arange(len(merchants))
        items = np.full((len(merchants), k), -1, dtype=np.int64)
        out_scores = np.full((len(merchants), k), np.nan)
        items[row_of[m[keep]], slot] = i[keep]
        out_scores[row_of[m[keep]], slot] = scores[keep]
        return Ranked(merchants=merchants, items=items, scores=out_scores)

    def _score(self, x: np.ndarray) -> np.ndarray:
        if self.booster is not None:
            return np.asarray(self.booster.predict(x, num_threads=PREDICT_THREADS), dtype=np.float64)
        # Fallback when too little history to learn a ranker: own items by top-frequency order, then ALS.
        repeat = x[:, FEATURES.index("is_repeat")] > 0
        rank = np.nan_to_num(x[:, FEATURES.index("topfreq_rank")], nan=0.0)
        als = x[:, FEATURES.index("als_score")].astype(np.float64)
        return np.where(repeat, 1e6 - rank, np.tanh(als))

    def popular(self, k: int) -> np.ndarray:
        return recent_popular(self.stats, k)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / "als.npz",
            user=self.als.user,
            item=self.als.item,
            merchant_ids=self.history.merchant_ids.astype(str),
            skus=self.history.skus.astype(str),
        )
        if self.ranker_text:
            (folder / "ranker.txt").write_text(self.ranker_text, encoding="utf-8")
        if self.features is not None:  # uncompressed: loading it must cost less than recomputing it
            np.savez(folder / "features.npz", m=self.features.m, i=self.features.i, x=self.features.x)
        # Last and atomically: a folder counts as a saved model once meta.json exists (`RestockService.model_for`).
        partial = folder / f"meta.json.{os.getpid()}-{threading.get_ident()}.partial"  # one per writer
        partial.write_text(json.dumps(self.meta, indent=2, allow_nan=False), encoding="utf-8")
        partial.replace(folder / "meta.json")

    @staticmethod
    def is_saved(folder: Path) -> bool:
        """Whether `folder` holds a model this code can load (an older format is retrained, not loaded)."""
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return _this_format(meta)

    @classmethod
    def load(
        cls,
        folder: Path,
        events: pd.DataFrame,
        titles: Mapping[str, str] | None = None,
        *,
        data_fingerprint: str | None = None,
    ) -> RestockModel:
        """Load a saved model and rebuild its feature statistics from `events` and `titles` (which must match its
        fingerprint; `data_fingerprint` as in `fit`)."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if not _this_format(meta):
            raise ValueError(f"{folder}: not a {MODEL_KIND} model of format {FORMAT_VERSION}")
        cutoff = pd.Timestamp(date.fromisoformat(meta["cutoff"]))
        if (data_fingerprint or fingerprint(known_before(events, cutoff), titles)) != meta["fingerprint"]:
            raise ValueError(
                f"{folder}: the order data or product titles changed since this model was trained (fingerprint differs)"
            )
        history = build_history(events, cutoff)
        with np.load(folder / "als.npz") as data:
            if not (
                np.array_equal(data["merchant_ids"], history.merchant_ids.astype(str))
                and np.array_equal(data["skus"], history.skus.astype(str))
            ):
                raise ValueError(f"{folder}: merchant/item ids do not match the data")
            als = ALSFactors(user=data["user"], item=data["item"])
        params_dict = dict(meta["params"])
        als_params = ALSParams(**params_dict.pop("als"))
        params_dict["validation_days"] = tuple(params_dict["validation_days"])
        params = RankerParams(**params_dict, als=als_params)
        ranker_path = folder / "ranker.txt"
        ranker_text = ranker_path.read_text(encoding="utf-8") if ranker_path.exists() else None
        features = _load_features(folder, meta, history)
        return cls(params, compute_stats(history, titles=titles), als, ranker_text, meta, features)
