"""The learned blend: a LightGBM lambdarank over candidate features, trained on validation windows.

Labels come only from inside the training period: for a validation cut-off v < as_of, features are
computed from events before v and the label is "in the merchant's first order in [v, as_of)". The
number of boosting rounds is chosen by early stopping on held-out validation merchants.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recsys.als import ALSParams
from recsys.arrays import member
from recsys.boosting import lightgbm
from recsys.features import FEATURES
from recsys.slots import choose_slots
from recsys.validation import HeldOut, validation_table
from recsys.windows import Window, labelled_window


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
    validation_days: tuple[int, ...] = (60, 120)
    learning_rate: float = 0.15
    num_leaves: int = 15
    max_bin: int = 63
    min_data_in_leaf: int = 100
    max_rounds: int = 150
    early_stopping: int = 15
    holdout_share: float = 0.2
    max_train_merchants: int = 1500  # per validation window: a ranker needs thousands of groups, not millions
    objective: str = "lambdarank"
    new_items_objective: str = "binary"
    threads: int = 1
    seed: int = 7
    als: ALSParams = field(default_factory=ALSParams)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def digest(self) -> str:
        """Short hash of the parameters (part of the model version and cache key)."""
        text = json.dumps(self.as_dict(), sort_keys=True, default=list)
        return hashlib.sha256(text.encode()).hexdigest()[:6]


def window_for(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, params: RankerParams) -> Window:
    return labelled_window(
        events,
        start,
        end,
        als_params=params.als,
        max_merchants=params.max_train_merchants,
        seed=params.seed,
        n_history=params.n_history,
        n_als=params.n_als,
        n_popular=params.n_popular,
    )


def _groups(group_id: np.ndarray) -> np.ndarray:
    """Sizes of the runs of equal group ids, in row order (LightGBM's `group`)."""
    if len(group_id) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(group_id)) + 1]
    return np.diff(np.r_[starts, len(group_id)])


@dataclass
class Split:
    """Row indices per window: training rows and held-out rows (for early stopping, only groups with a positive)."""

    train: list[np.ndarray]
    valid: list[np.ndarray]
    held_merchants: list[np.ndarray]
    held_rows: list[np.ndarray]


def split_rows(windows: list[Window], params: RankerParams, mask: list[np.ndarray] | None = None) -> Split:
    """Hold out a share of each window's merchants; rows restricted to `mask` and to merchants with a positive."""
    rng = np.random.default_rng(params.seed)
    split = Split([], [], [], [])
    for w_id, window in enumerate(windows):
        merchants = window.merchants
        n_held = max(1, int(len(merchants) * params.holdout_share)) if len(merchants) > 1 else 0
        held = np.sort(rng.choice(merchants, size=n_held, replace=False))
        is_held = member(window.m, held)
        usable = np.ones(len(window.m), dtype=bool) if mask is None else mask[w_id]
        has_positive = np.zeros(window.stats.history.n_merchants, dtype=bool)
        has_positive[window.m[usable & (window.y > 0)]] = True
        usable &= has_positive[window.m]
        split.train.append(np.flatnonzero(usable & ~is_held))
        split.valid.append(np.flatnonzero(usable & is_held))
        split.held_merchants.append(held)
        split.held_rows.append(np.flatnonzero(is_held))
    return split


def _lgb_params(params: RankerParams, objective: str) -> dict[str, object]:
    return {
        "objective": objective,
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
        # LightGBM's OpenMP threads thrash on a shared 2-core machine (measured 3-5x slower with 2 threads
        # while the serving statistics build alongside); one thread is fastest here.
        "num_threads": params.threads,
        "verbose": -1,
        "deterministic": True,
        "max_bin": params.max_bin,
        "force_row_wise": True,
    }


def _fit_booster(
    windows: list[Window], rows: Split, params: RankerParams, objective: str
) -> tuple[Any, dict[str, float]] | None:
    """One LightGBM on the training rows, early-stopped on the held-out rows; None without training data."""
    lgb = lightgbm()

    def dataset(parts: list[np.ndarray], reference: Any = None) -> Any:
        x = np.concatenate([w.x[r] for w, r in zip(windows, parts, strict=True)])
        y = np.concatenate([w.y[r] for w, r in zip(windows, parts, strict=True)])
        g = np.concatenate([w.m[r] + (n << 40) for n, (w, r) in enumerate(zip(windows, parts, strict=True))])
        return lgb.Dataset(x, y, group=_groups(g), feature_name=FEATURES, reference=reference, free_raw_data=True)

    if sum(len(r) for r in rows.train) == 0 or sum(len(r) for r in rows.valid) == 0:
        return None
    train_set = dataset(rows.train)
    valid_set = dataset(rows.valid, reference=train_set)
    booster = lgb.train(
        _lgb_params(params, objective),
        train_set,
        num_boost_round=params.max_rounds,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(params.early_stopping, verbose=False)],
    )
    metrics = {f"valid_{k}": float(v) for k, v in booster.best_score.get("valid_0", {}).items()}
    metrics["best_iteration"] = float(booster.best_iteration)
    return booster, metrics


def _predict(booster: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(booster.predict(x, num_iteration=booster.best_iteration, num_threads=1), dtype=np.float64)


@dataclass
class Trained:
    ranker: str
    new_items: str | None
    metrics: dict[str, float]
    slots: int


def train_ranker(windows: list[Window], params: RankerParams) -> Trained | None:
    """The blend ranker and the new-item ranker, trained on the windows' merchants minus a held-out share.

    Early stopping and the discovery slots (`recsys.slots.choose_slots`) use the held-out merchants.
    None when there is nothing to learn from.
    """
    split = split_rows(windows, params)
    fitted = _fit_booster(windows, split, params, params.objective)
    if fitted is None:
        return None
    booster, metrics = fitted
    repeat_col = FEATURES.index("is_repeat")
    new_rows = [w.x[:, repeat_col] == 0 for w in windows]
    new_fitted = _fit_booster(windows, split_rows(windows, params, mask=new_rows), params, params.new_items_objective)
    new_booster = new_fitted[0] if new_fitted is not None else None
    if new_fitted is not None:
        metrics.update({f"new_items_{k}": v for k, v in new_fitted[1].items()})
    held = [
        HeldOut(
            window=w,
            merchants=merchants,
            rows=rows,
            score=_predict(booster, w.x[rows]),
            new_score=None if new_booster is None else _predict(new_booster, w.x[rows]),
        )
        for w, merchants, rows in zip(windows, split.held_merchants, split.held_rows, strict=True)
    ]
    table = validation_table(held)
    metrics.update(table)
    slots = choose_slots(table)
    new_text = None if new_booster is None else new_booster.model_to_string(num_iteration=new_booster.best_iteration)
    return Trained(
        ranker=booster.model_to_string(num_iteration=booster.best_iteration),
        new_items=new_text,
        metrics=metrics,
        slots=slots,
    )
