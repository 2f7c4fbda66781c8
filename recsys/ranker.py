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
    (no clear gain). The new-item ranker uses the binary objective (more new-item hits than lambdarank on A).
    Round 2 (same inner splits, figures in recsys/README.md): the item-kNN, product-family, freshness and
    merchant-exploration features raised A and B at d = 0, 1 and 2; the item-kNN / family candidate generators
    (n_knn, n_family) raised the candidate recall of new items (A 12.7% -> 15.3% with 20 + 10) but not the lists,
    so they are 0; the time-held-out new-item LightGBM ordered new items worse than the blend on A and B, so the
    discovery slots take the blend's best new items (new_items_ranker False: no second training).
    """

    n_history: int = 80
    n_als: int = 30
    n_popular: int = 10
    n_knn: int = 0  # item-kNN and family candidate generators: off (measured no gain, see the docstring)
    n_family: int = 0
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
    new_items_objective: str = "binary"
    new_items_ranker: bool = False  # measured: the blend orders new items better (see the docstring)
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
            "n_knn": self.n_knn,
            "n_family": self.n_family,
        }

    def digest(self) -> str:
        """Short hash of the parameters (part of the model version and cache key)."""
        text = json.dumps(self.as_dict(), sort_keys=True, default=list)
        return hashlib.sha256(text.encode()).hexdigest()[:6]


def window_for(
    events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, params: RankerParams, early_end: pd.Timestamp | None
) -> Window:
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
        n_knn=params.n_knn,
        n_family=params.n_family,
        early_end=early_end,
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


def _fit_booster(
    windows: list[Window], rows: Split, params: RankerParams, objective: str, labels: list[np.ndarray] | None = None
) -> tuple[Any, dict[str, float]] | None:
    """One LightGBM on the training rows, early-stopped on the held-out rows; None without training data.

    `labels` (one array per window) replaces the windows' own labels `y`.
    """
    lgb = lightgbm()
    ys = labels if labels is not None else [w.y for w in windows]

    def dataset(parts: list[np.ndarray], reference: Any = None) -> Any:
        x = np.concatenate([w.x[r] for w, r in zip(windows, parts, strict=True)])
        y = np.concatenate([label[r] for label, r in zip(ys, parts, strict=True)])
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


def _positive_rows(window: Window, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The rows (of `rows`) of merchants with at least one positive among them."""
    has_positive = np.zeros(window.stats.history.n_merchants, dtype=bool)
    has_positive[window.m[rows[labels[rows] > 0]]] = True
    return rows[has_positive[window.m[rows]]]


def new_item_split(windows: list[Window], split: Split) -> tuple[Split, list[np.ndarray]]:
    """Rows and labels for the new-item ranker, held out by time.

    It trains on the never-bought candidates of the older windows with labels that end where the next window
    starts, and is early-stopped on the newest window's held-out merchants: no label period of its training
    data overlaps the one it is validated on. Validated within one period (like the blend), it learned which
    items that period's merchants took up and looked far better than it is on a later period (measured on the
    inner splits), which made the discovery slots look free.
    """
    repeat_col = FEATURES.index("is_repeat")
    labels, train, valid = [], [], []
    for n, window in enumerate(windows):
        new = np.flatnonzero(window.x[:, repeat_col] == 0)
        newest = n == len(windows) - 1
        label = window.y if newest or window.y_early is None else window.y_early
        labels.append(label)
        held = np.intersect1d(new, split.held_rows[n], assume_unique=True)
        train.append(np.zeros(0, dtype=np.int64) if newest else _positive_rows(window, new, label))
        valid.append(_positive_rows(window, held, label) if newest else np.zeros(0, dtype=np.int64))
    return Split(train, valid, split.held_merchants, split.held_rows), labels


def _predict(booster: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(booster.predict(x, num_iteration=booster.best_iteration, num_threads=1), dtype=np.float64)


@dataclass
class Trained:
    ranker: str
    new_items: str | None
    metrics: dict[str, float]
    slots: int


def train_ranker(windows: list[Window], params: RankerParams) -> Trained | None:
    """The blend ranker and the new-item ranker (`new_item_split`), and the discovery slots.

    The blend trains on the windows' merchants minus a held-out share and is early-stopped on that share;
    the slots (`recsys.slots.choose_slots`) are chosen on the newest window's held-out merchants. None when
    there is nothing to learn from.
    """
    split = split_rows(windows, params)
    fitted = _fit_booster(windows, split, params, params.objective)
    if fitted is None:
        return None
    booster, metrics = fitted
    if not params.new_items_ranker:  # the discovery slots take the blend's best new items
        new_fitted = None
        slot_windows = list(range(len(windows)))
    elif len(windows) > 1:
        new_split, new_labels = new_item_split(windows, split)
        new_fitted = _fit_booster(windows, new_split, params, params.new_items_objective, new_labels)
        slot_windows = [len(windows) - 1]  # the only held-out merchants the new-item ranker is out-of-time for
    else:
        repeat_col = FEATURES.index("is_repeat")
        new_rows = [w.x[:, repeat_col] == 0 for w in windows]
        new_split = split_rows(windows, params, mask=new_rows)
        new_fitted = _fit_booster(windows, new_split, params, params.new_items_objective)
        slot_windows = [0]
    new_booster = new_fitted[0] if new_fitted is not None else None
    if new_fitted is not None:
        metrics.update({f"new_items_{k}": v for k, v in new_fitted[1].items()})
    held = [
        HeldOut(
            window=windows[n],
            merchants=split.held_merchants[n],
            rows=split.held_rows[n],
            score=_predict(booster, windows[n].x[split.held_rows[n]]),
            new_score=None if new_booster is None else _predict(new_booster, windows[n].x[split.held_rows[n]]),
        )
        for n in slot_windows
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
