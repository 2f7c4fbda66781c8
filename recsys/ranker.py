"""The learned blend: a LightGBM lambdarank over candidate features, trained on validation windows.

Labels come only from inside the training period: for a validation cut-off v < as_of, features are
computed from events before v and the label is "in the merchant's first order in [v, as_of)". The
number of boosting rounds is chosen by early stopping on held-out validation merchants.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from recsys.als import ALSFactors, ALSParams, fit_als
from recsys.features import FEATURES, Stats, candidates, compute_stats, feature_matrix
from recsys.history import build_history
from recsys.slots import choose_slots


@dataclass
class RankerParams:
    """Candidate and ranker settings.

    The ranker settings (windows 60/90/120 days, learning rate 0.05, 15 leaves, 100 rows per leaf) were picked
    among a handful of variants on an inner validation split cut from the 2011-09-01 training period (list date
    2011-07-03, targets = first orders before 2011-09-01); the evaluated periods were not used to choose them.
    """

    n_history: int = 80
    n_als: int = 30
    n_popular: int = 10
    validation_days: tuple[int, ...] = (60, 90, 120)
    learning_rate: float = 0.05
    num_leaves: int = 15
    max_bin: int = 63
    min_data_in_leaf: int = 100
    max_rounds: int = 400
    early_stopping: int = 30
    holdout_share: float = 0.2
    max_train_merchants: int = 3000  # per validation window: a ranker needs thousands of groups, not millions
    refit: bool = False  # retrain on held-out merchants too after early stopping (no gain measured; off)
    seed: int = 7
    als: ALSParams = field(default_factory=ALSParams)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def digest(self) -> str:
        """Short hash of the parameters (part of the model version and cache key)."""
        text = json.dumps(self.as_dict(), sort_keys=True, default=list)
        return hashlib.sha256(text.encode()).hexdigest()[:6]


@dataclass
class Window:
    stats: Stats
    als: ALSFactors
    m: np.ndarray
    i: np.ndarray
    x: np.ndarray
    y: np.ndarray


def first_orders_after(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp | None) -> dict[str, set[str]]:
    """Each merchant's first invoice in [start, end): the SKUs in it."""
    sel = events[events["ordered_at"] >= start]
    if end is not None:
        sel = sel[sel["ordered_at"] < end]
    if sel.empty:
        return {}
    first_time = sel.groupby("merchant_id")["ordered_at"].transform("min")
    first = sel[sel["ordered_at"] == first_time]
    first_invoice = first.groupby("merchant_id")["invoice_id"].transform("min")
    first = first[first["invoice_id"] == first_invoice]
    return {str(mid): set(group.tolist()) for mid, group in first.groupby("merchant_id")["sku"]}


def labelled_window(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, params: RankerParams) -> Window:
    history = build_history(events, start)
    stats = compute_stats(history)
    als = fit_als(history, params.als)
    targets = first_orders_after(events, start, end)
    index, items = history.merchant_index(), history.item_index()
    merchants = np.array(sorted(index[mid] for mid in targets if mid in index), dtype=np.int64)
    if len(merchants) > params.max_train_merchants:
        rng = np.random.default_rng(params.seed)
        merchants = np.sort(rng.choice(merchants, size=params.max_train_merchants, replace=False))
    m, i = candidates(stats, als, merchants, n_history=params.n_history, n_als=params.n_als, n_popular=params.n_popular)
    positive_keys = np.array(
        sorted(
            index[mid] * history.n_items + items[sku]
            for mid, skus in targets.items()
            if mid in index
            for sku in skus
            if sku in items
        ),
        dtype=np.int64,
    )
    y = np.isin(m * history.n_items + i, positive_keys).astype(np.float32)
    has_positive = np.zeros(history.n_merchants, dtype=bool)
    has_positive[m[y > 0]] = True
    keep = has_positive[m]
    m, i, y = m[keep], i[keep], y[keep]
    return Window(stats=stats, als=als, m=m, i=i, x=feature_matrix(stats, als, m, i), y=y)


def _groups(group_id: np.ndarray) -> np.ndarray:
    """Sizes of the runs of equal group ids, in row order (LightGBM's `group`)."""
    if len(group_id) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(group_id)) + 1]
    return np.diff(np.r_[starts, len(group_id)])


def train_ranker(windows: list[Window], params: RankerParams) -> tuple[str, dict[str, float], int]:
    """Train on the windows' merchants minus a held-out share (early stopping, discovery slots on the rest).

    Returns (LightGBM text model, validation metrics, discovery slots per 10 positions).
    """
    import lightgbm as lgb

    rng = np.random.default_rng(params.seed)
    parts_train, parts_valid = [], []
    for w_id, window in enumerate(windows):
        merchants = np.unique(window.m)
        n_held = max(1, int(len(merchants) * params.holdout_share)) if len(merchants) > 1 else 0
        held = rng.choice(merchants, size=n_held, replace=False)
        is_held = np.isin(window.m, held)
        group_id = window.m + (w_id << 40)
        parts_train.append((window.x[~is_held], window.y[~is_held], group_id[~is_held]))
        parts_valid.append((window.x[is_held], window.y[is_held], group_id[is_held]))

    def dataset(
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], reference: lgb.Dataset | None = None
    ) -> lgb.Dataset:
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        g = np.concatenate([p[2] for p in parts])
        return lgb.Dataset(x, y, group=_groups(g), feature_name=FEATURES, reference=reference, free_raw_data=True)

    lgb_params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [10, 20],
        "lambdarank_truncation_level": 30,
        "learning_rate": params.learning_rate,
        "num_leaves": params.num_leaves,
        "min_data_in_leaf": params.min_data_in_leaf,
        "feature_fraction": 0.9,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "seed": params.seed,
        "num_threads": 1,  # LightGBM threads thrash on small data and shared cores; one is fastest here
        "verbose": -1,
        "deterministic": True,
        "max_bin": params.max_bin,
        "force_row_wise": True,
    }
    train_set = dataset(parts_train)
    valid_set = dataset(parts_valid, reference=train_set)
    booster = lgb.train(
        lgb_params,
        train_set,
        num_boost_round=params.max_rounds,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(params.early_stopping, verbose=False)],
    )
    scores = booster.best_score.get("valid_0", {})
    metrics = {f"valid_{k}": float(v) for k, v in scores.items()}
    metrics["best_iteration"] = float(booster.best_iteration)
    x_valid = np.concatenate([p[0] for p in parts_valid])
    held_scores = np.asarray(booster.predict(x_valid, num_iteration=booster.best_iteration, num_threads=1))
    slots, table = choose_slots(
        np.concatenate([p[2] for p in parts_valid]),
        np.concatenate([p[1] for p in parts_valid]),
        held_scores,
        x_valid[:, FEATURES.index("is_repeat")] == 0,
    )
    metrics.update(table)
    if params.refit:
        # Rounds and slots are chosen; now learn from every labelled merchant, held-out ones included.
        full = dataset(parts_train + parts_valid)
        rounds = max(int(booster.best_iteration), 1)
        booster = lgb.train(lgb_params, full, num_boost_round=rounds)
        return booster.model_to_string(), metrics, slots
    return booster.model_to_string(num_iteration=booster.best_iteration), metrics, slots
