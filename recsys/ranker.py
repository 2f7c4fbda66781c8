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

    Chosen on two inner splits cut from training periods only (A: list date 2011-07-03, targets = first orders
    before 2011-09-01; B: list date 2011-04-02, targets before 2011-06-01), comparing Recall@10 / NDCG@10 against
    personal top-frequency and the training time (the batch job has 10 s for everything). 15 leaves and 100 rows
    per leaf come from the first version (same inner split A). For speed: 2 windows (60/120 days) instead of
    60/90/120, at most 1500 merchants per window instead of 3000, learning rate 0.15 (<= 150 rounds, early
    stopping after 15) instead of 0.05, ALS 32 factors x 8 iterations instead of 64 x 12 and feature_fraction 0.5:
    each kept A and B within their noise (several tenths of a percent to 3 percent between reruns), cut the
    fit several-fold. Tried and dropped: 2 LightGBM threads (3-5x slower on this shared 2-core machine), 40
    sampled negatives per merchant and learning rate 0.25 (both lower on A and B), a binary blend objective
    (no clear gain).
    Round 2 (same inner splits, figures in recsys/README.md): the item-kNN, product-family, freshness and
    merchant-exploration features raised A and B at d = 0, 1 and 2; the item-kNN / family candidate generators
    (n_knn, n_family) raised the candidate recall of new items (A 12.7% -> 15.3% with 20 + 10) but not the lists,
    so they were removed in round 3, as was the time-held-out new-item LightGBM, which ordered new items worse
    than the blend on A and B: the discovery slots take the blend's best new items.
    """

    n_history: int = 80
    n_als: int = 30
    n_popular: int = 10
    validation_days: tuple[int, ...] = (60, 120)
    learning_rate: float = 0.15
    num_leaves: int = 15
    max_bin: int = 63
    min_data_in_leaf: int = 100
    feature_fraction: float = 0.5
    max_rounds: int = 150
    early_stopping: int = 15
    holdout_share: float = 0.2
    max_train_merchants: int = 1500  # per validation window: a ranker needs thousands of groups, not millions
    objective: str = "lambdarank"
    threads: int = 1
    seed: int = 7
    als: ALSParams = field(default_factory=ALSParams)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def candidate_counts(self) -> dict[str, int]:
        """Keyword arguments of `recsys.features.candidates`."""
        return {
            "n_history": self.n_history,
            "n_als": self.n_als,
            "n_popular": self.n_popular,
        }

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
        **params.candidate_counts(),
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


def split_rows(windows: list[Window], params: RankerParams) -> Split:
    """Hold out a share of each window's merchants; rows restricted to merchants with a positive."""
    rng = np.random.default_rng(params.seed)
    split = Split([], [], [], [])
    for window in windows:
        merchants = window.merchants
        n_held = max(1, int(len(merchants) * params.holdout_share)) if len(merchants) > 1 else 0
        held = np.sort(rng.choice(merchants, size=n_held, replace=False))
        is_held = member(window.m, held)
        has_positive = np.zeros(window.stats.history.n_merchants, dtype=bool)
        has_positive[window.m[window.y > 0]] = True
        usable = has_positive[window.m]
        split.train.append(np.flatnonzero(usable & ~is_held))
        split.valid.append(np.flatnonzero(usable & is_held))
        split.held_merchants.append(held)
        split.held_rows.append(np.flatnonzero(is_held))
    return split


def _lgb_params(params: RankerParams) -> dict[str, object]:
    return {
        "objective": params.objective,
        "metric": "ndcg",
        "eval_at": [10, 20],
        "lambdarank_truncation_level": 30,
        "learning_rate": params.learning_rate,
        "num_leaves": params.num_leaves,
        "min_data_in_leaf": params.min_data_in_leaf,
        "feature_fraction": params.feature_fraction,
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


def _fit_booster(windows: list[Window], rows: Split, params: RankerParams) -> tuple[Any, dict[str, float]] | None:
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
        _lgb_params(params),
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
    metrics: dict[str, float]
    slots: int


def train_ranker(windows: list[Window], params: RankerParams) -> Trained | None:
    """The blend ranker and the discovery slots.

    The blend trains on the windows' merchants minus a held-out share and is early-stopped on that share;
    the slots (`recsys.slots.choose_slots`, filled with the blend's best never-bought items) are chosen on
    the held-out merchants of every window. None when there is nothing to learn from.
    """
    split = split_rows(windows, params)
    fitted = _fit_booster(windows, split, params)
    if fitted is None:
        return None
    booster, metrics = fitted
    held = [
        HeldOut(
            window=window,
            merchants=split.held_merchants[n],
            rows=split.held_rows[n],
            score=_predict(booster, window.x[split.held_rows[n]]),
        )
        for n, window in enumerate(windows)
    ]
    table = validation_table(held)
    metrics.update(table)
    return Trained(
        ranker=booster.model_to_string(num_iteration=booster.best_iteration), metrics=metrics, slots=choose_slots(table)
    )
