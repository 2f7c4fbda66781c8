"""Validation windows: labels cut from inside the training period.

For a validation cut-off v < as_of, features are computed from events before v and the label of a
candidate (merchant, item) is "in the merchant's first order in [v, as_of)". The same targets, counted
in full (items outside the candidates and SKUs unseen before v included), give honest validation
recall for choosing the new-item offset (and the validation table of discovery slots the model records).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys.als import ALSFactors, ALSParams, fit_als
from recsys.arrays import member, sorted_unique
from recsys.features import Stats, candidates, compute_stats, feature_matrix
from recsys.history import build_history


@dataclass
class Window:
    """Candidate rows (sorted by merchant, item) of the sampled merchants with a first order in the window."""

    stats: Stats
    als: ALSFactors
    merchants: np.ndarray  # sampled merchants with a target order (sorted)
    m: np.ndarray
    i: np.ndarray
    x: np.ndarray
    y: np.ndarray
    target_keys: np.ndarray  # m * n_items + i of every target item the history knows (sorted)
    n_target: np.ndarray  # per merchant index: items in the target order (unknown SKUs included)
    n_new_target: np.ndarray  # per merchant index: target items the merchant never bought before v


def first_order_rows(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp | None) -> pd.DataFrame:
    """The event rows of each merchant's first invoice in [start, end) (earliest time, then lowest invoice id)."""
    when = events["ordered_at"]
    sel = events[(when >= start) & (when < end)] if end is not None else events[when >= start]
    if sel.empty:
        return sel
    first_time = sel.groupby("merchant_id", sort=False)["ordered_at"].transform("min")
    first = sel[sel["ordered_at"] == first_time]
    first_invoice = first.groupby("merchant_id", sort=False)["invoice_id"].transform("min")
    return first[first["invoice_id"] == first_invoice]


def first_orders_after(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp | None) -> dict[str, set[str]]:
    """Each merchant's first invoice in [start, end): the SKUs in it."""
    first = first_order_rows(events, start, end)
    return {str(mid): set(group.tolist()) for mid, group in first.groupby("merchant_id")["sku"]}


def labelled_window(
    events: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    als_params: ALSParams,
    max_merchants: int,
    seed: int,
    n_history: int,
    n_als: int,
    n_popular: int,
    titles: Mapping[str, str] | None = None,
) -> Window:
    history = build_history(events, start)
    stats = compute_stats(history, titles=titles)
    als = fit_als(history, als_params)
    first = first_order_rows(events, start, end)
    tm = pd.Index(history.merchant_ids).get_indexer(first["merchant_id"].to_numpy())
    ti = pd.Index(history.skus).get_indexer(first["sku"].to_numpy())
    known_m = tm >= 0
    tm, ti = tm[known_m], ti[known_m]
    n_target = np.bincount(tm, minlength=history.n_merchants)
    keys = np.where(ti >= 0, tm * history.n_items + np.maximum(ti, 0), -1)
    bought = (ti >= 0) & member(keys, stats.pairs.key)
    n_new_target = np.bincount(tm[~bought], minlength=history.n_merchants)
    target_keys = sorted_unique(keys[ti >= 0])
    merchants = sorted_unique(tm)
    if len(merchants) > max_merchants:
        rng = np.random.default_rng(seed)
        merchants = np.sort(rng.choice(merchants, size=max_merchants, replace=False))
    m, i = candidates(stats, als, merchants, n_history=n_history, n_als=n_als, n_popular=n_popular)
    y = member(m * history.n_items + i, target_keys).astype(np.float32)
    return Window(
        stats=stats,
        als=als,
        merchants=merchants,
        m=m,
        i=i,
        x=feature_matrix(stats, als, m, i),
        y=y,
        target_keys=target_keys,
        n_target=n_target,
        n_new_target=n_new_target,
    )
