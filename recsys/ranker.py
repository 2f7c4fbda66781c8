"""The learned blend: a LightGBM lambdarank over candidate features, trained on validation windows.

Labels come only from inside the training period: for a validation cut-off v < as_of, features are
computed from events before v and the label is "in the merchant's first order in [v, as_of)". A fixed
number of rounds at a low learning rate (chosen on inner splits, see `RankerParams`); held-out merchants
of the windows choose the new-item offset, from the discovery boost up.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recsys.als import ALSParams
from recsys.arrays import group_starts, member
from recsys.boosting import lightgbm
from recsys.features import FEATURES
from recsys.validation import HeldOut, choose_new_item_offset, validation_table, with_offset
from recsys.windows import Window, labelled_window


@dataclass
class RankerParams:
    """Candidate and ranker settings.

    Chosen on two inner splits cut from training periods only (A: list date 2011-07-03, targets = first orders
    before 2011-09-01; B: list date 2011-04-02, targets before 2011-06-01), comparing Recall@10 / NDCG@10 against
    personal top-frequency and the training time (the batch job has 10 s for everything). 15 leaves and 100 rows
    per leaf come from the first version (same inner split A). For speed: 2 windows (60/120 days; round 4:
    30/90) instead of 60/90/120, at most 1500 merchants per window (round 4: 1000) instead of 3000, ALS 32
    factors x 8 iterations instead of 64 x 12 and feature_fraction 0.5: each kept A and B within their noise
    (several tenths of a percent to 3 percent between reruns), cut the fit several-fold. Tried and dropped: 40
    sampled negatives per merchant and learning rate 0.25 (both lower on A and B), a binary blend objective
    (no clear gain).
    Round 2 (same inner splits, figures in recsys/README.md): the item-kNN, product-family, freshness and
    merchant-exploration features raised A and B at d = 0, 1 and 2; the item-kNN / family candidate generators
    (n_knn, n_family) raised the candidate recall of new items (A 12.7% -> 15.3% with 20 + 10) but not the lists,
    so they were removed in round 3, as was the time-held-out new-item LightGBM, which ordered new items worse
    than the blend on A and B: the discovery slots take the blend's best new items.
    Round 4 (recsys/README.md): inner-split Recall@10 against the number of rounds showed that early stopping
    on held-out NDCG picked 5 to 49 rounds almost at random while the lists peaked at 10-30 rounds with
    learning rate 0.15 and then fell (B to 1.00x by 45 rounds), but rose and stayed flat at 0.05 (A 1.09-1.10x
    from 10 to 120 rounds, B 1.05-1.075x from 10 on). So: learning rate 0.05, a fixed 40 rounds (round 8: 60), no early
    stopping, at most 1000 merchants per window (A 1.109 -> 1.103x, B 1.035 -> 1.069x Recall@10, both with
    the new-item offset; 40 rounds and 1000 merchants each matched 60 rounds and 1500 merchants on A and B).
    Then windows 30 and 90 days before the list date instead of 60 and 120, the best pair on the means over
    seeds 7, 8, 9 (A 1.105 -> 1.107x / 1.092 -> 1.100x, B 1.054 -> 1.058x / 1.048 -> 1.066x Recall@10 / NDCG@10).
    Round 5, means over seeds 7-15 with the one-SE offset rule: windows 60 + 120 days (A 1.102 / 1.090, B 1.050 /
    1.051), 30 + 60 + 90 (A 1.106 / 1.096, B 1.055 / 1.070), 60 rounds (A 1.103 / 1.102, B 1.058 / 1.068) and
    1500 merchants (A 1.100 / 1.095, B 1.056 / 1.066), 10% held out (A 1.100 / 1.097, B 1.053 / 1.064) and a refit
    on every window merchant after the offset is chosen (A 1.099 / 1.096, B 1.051 / 1.064) against the kept
    A 1.100 / 1.098, B 1.056 / 1.066: no change clear of the seed spread, so the settings stay.
    Round 8 (recsys/README.md), paired over seeds 7-24 (9 of them fresh, to replicate the first 9): extremely
    randomized trees (LightGBM `extra_trees`, one random threshold per feature and split; a round costs the same as
    a best-split round) with 60 rounds instead of 40 best-split rounds: A +0.75% / +0.27%, B +1.04% / +0.93%
    Recall@10 / NDCG@10 (standard errors 0.17-0.27%). 80 rounds added another 0.1-0.3% for another 0.4 s of
    training per batch, which the 10 s budget cannot spare. Monotone constraints, path smoothing, `lambdarank_norm`
    off and an init score from top-frequency's rank did not help on both splits.
    Round 11 (recsys/README.md): title-similarity features for never-bought candidates (`recsys.titles`), over
    seeds 7-33 new-item Recall@10 +28% (A) / +17% (B) with Recall@10 and NDCG@10 unchanged (+0.02% / +0.06%,
    -0.03% / +0.10%); the discovery boost stays 0.5 (0.3 again left a B seed below ALS alone's new-item recall).
    Round 28 (recsys/README.md): the item's per-order reorder rate over the last 30 days (`item_reorder_30`) with
    four training windows (30/60/90/120 days) instead of two: A +0.75% / +0.52%, B +0.46% / +0.26% Recall@10 /
    NDCG@10 over seeds 7-24 (standard errors 0.08-0.15%), and A +0.95%, B +0.70% Recall@10 again on fresh seeds
    52-60; each part alone had gained on one split only (rounds 20 and 27).
    Round 32 (recsys/README.md), for speed, under a non-inferiority rule written first
    (evals/recsys/variants/round32_rule.md): LightGBM's bin edges from a 50,000-row sample, lambdarank truncation
    level 20 and at most 800 merchants per window, against 200,000 / 30 / 1000: A +0.24% / +0.12%, B +0.18% / +0.15%
    Recall@10 / NDCG@10 over seeds 7-24 (standard errors 0.10-0.15%), training 6.6 -> 5.7 s on the demo.
    """

    n_history: int = 80
    n_als: int = 30
    n_popular: int = 10
    # round 28: four windows (with item_reorder_30), (30, 90) until then
    validation_days: tuple[int, ...] = (30, 60, 90, 120)
    learning_rate: float = 0.05
    num_leaves: int = 15
    max_bin: int = 63
    # round 32 (for speed, no worse on the inner splits): 50,000 (LightGBM's default 200,000 until then)
    bin_sample: int = 50_000  # rows LightGBM samples to place the bin edges (its bin_construct_sample_cnt)
    truncation_level: int = 20  # lambdarank's pairs: those with an item in the top positions (30 until round 32)
    min_data_in_leaf: int = 100
    feature_fraction: float = 0.5
    max_rounds: int = 60
    extra_trees: bool = True  # round 8: random split thresholds, a regulariser: better on A and B
    early_stopping: int = 0  # > 0: stop on held-out NDCG after this many rounds without gain
    holdout_share: float = 0.2
    # per validation window: a ranker needs thousands of groups, not millions (1000 until round 32)
    max_train_merchants: int = 800
    objective: str = "lambdarank"
    # Round 10: the smallest new-item offset the held-out rule may choose, in standard deviations of the held-out
    # scores: the smallest of 0.3 / 0.5 whose lists beat ALS alone's new-item Recall@10 on both inner splits in
    # every seed. 0.5 until round 25; round 25 applied the rule to round 13's model, where 0.3 passes in seeds 7-24
    # and again in fresh seeds 43-51 (recsys/README.md, "Round 10" and "Round 25").
    discovery_boost: float = 0.3
    # Positions per 10 reserved for the blend's best never-bought items, fixed (round 10: no longer chosen on
    # validation, which fired on noise in 2 of 36 inner-split runs and cost both of them Recall@10).
    discovery_slots: int = 0
    threads: int = 2  # LightGBM threads (at most the machine's cores); the trees do not depend on it
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


def window_for(
    events: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    params: RankerParams,
    titles: Mapping[str, str] | None = None,
) -> Window:
    return labelled_window(
        events,
        start,
        end,
        als_params=params.als,
        max_merchants=params.max_train_merchants,
        seed=params.seed,
        titles=titles,
        **params.candidate_counts(),
    )


def _groups(group_id: np.ndarray) -> np.ndarray:
    """Sizes of the runs of equal group ids, in row order (LightGBM's `group`)."""
    return np.diff(np.r_[group_starts(group_id), len(group_id)])


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
        "lambdarank_truncation_level": params.truncation_level,
        "learning_rate": params.learning_rate,
        "num_leaves": params.num_leaves,
        "min_data_in_leaf": params.min_data_in_leaf,
        "feature_fraction": params.feature_fraction,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "seed": params.seed,
        # Trains after everything else is built (RestockModel.fit), so no other thread competes for the cores:
        # 2 threads measured 1.9x faster than 1 on the 2-core box, with identical trees (deterministic, row-wise).
        "num_threads": max(1, min(params.threads, os.cpu_count() or 1)),
        "verbose": -1,
        "deterministic": True,
        "max_bin": params.max_bin,
        "bin_construct_sample_cnt": params.bin_sample,
        "force_row_wise": True,
        "extra_trees": params.extra_trees,
    }


def _fit_booster(windows: list[Window], rows: Split, params: RankerParams) -> tuple[Any, dict[str, float]] | None:
    """One LightGBM on the training rows; None without training data.

    `params.early_stopping` > 0 stops on the held-out rows' NDCG; 0 trains `params.max_rounds` rounds.
    """
    lgb = lightgbm()

    def dataset(parts: list[np.ndarray], reference: Any = None) -> Any:
        x = np.concatenate([w.x[r] for w, r in zip(windows, parts, strict=True)])
        y = np.concatenate([w.y[r] for w, r in zip(windows, parts, strict=True)])
        g = np.concatenate([w.m[r] + (n << 40) for n, (w, r) in enumerate(zip(windows, parts, strict=True))])
        return lgb.Dataset(x, y, group=_groups(g), feature_name=FEATURES, reference=reference, free_raw_data=True)

    if sum(len(r) for r in rows.train) == 0 or sum(len(r) for r in rows.valid) == 0:
        return None
    train_set = dataset(rows.train)
    if params.early_stopping <= 0:
        booster = lgb.train(_lgb_params(params), train_set, num_boost_round=params.max_rounds)
        return booster, {"rounds": float(booster.current_iteration())}
    booster = lgb.train(
        _lgb_params(params),
        train_set,
        num_boost_round=params.max_rounds,
        valid_sets=[dataset(rows.valid, reference=train_set)],
        callbacks=[lgb.early_stopping(params.early_stopping, verbose=False)],
    )
    metrics = {f"valid_{k}": float(v) for k, v in booster.best_score.get("valid_0", {}).items()}
    metrics["rounds"] = float(booster.best_iteration)
    return booster, metrics


def _predict(booster: Any, x: np.ndarray) -> np.ndarray:
    """Scores of the kept rounds (`best_iteration` is 0, i.e. all rounds, without early stopping)."""
    return np.asarray(booster.predict(x, num_iteration=booster.best_iteration, num_threads=1), dtype=np.float64)


@dataclass
class Trained:
    ranker: str
    metrics: dict[str, float]
    new_item_offset: float


def train_ranker(windows: list[Window], params: RankerParams) -> Trained | None:
    """The blend ranker, its new-item offset and its validation metrics.

    The blend trains on the windows' merchants minus a held-out share (early-stopped on that share only when
    `params.early_stopping` > 0). On the held-out merchants of every window the offset added to never-bought
    candidates' scores is chosen (`recsys.validation.choose_new_item_offset`: Recall@10, one-SE rule, at least
    `params.discovery_boost` standard deviations), and the validation table for 0..3 discovery slots is recorded
    (slots themselves are `params.discovery_slots`, fixed). None when there is nothing to learn from.
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
    offset = choose_new_item_offset(held, params.discovery_boost)
    table = validation_table(with_offset(held, offset))
    metrics.update(table)
    return Trained(
        ranker=booster.model_to_string(num_iteration=booster.best_iteration),
        metrics=metrics,
        new_item_offset=offset,
    )
