"""From ranked items to restock suggestions: quantity, expected reorder date and a machine-readable reason.

Every number comes from the orders (round 33 measured both against the next orders, `recsys.suggestion_eval`):
- the quantity is the one the merchant ordered most often, ties to the most recent (for an item it never bought:
  the one all merchants ordered most often), so it is always a quantity someone orders; a median of 6 and 24 had
  suggested 15;
- the expected reorder date is the merchant's next order at its usual interval (not before the list date); when the
  item's own due date (its last purchase plus its cycle, the mean interval between the merchant's orders of it) is
  later, halfway from that order to it (round 34: on the inner splits and at 15 of 18 test cut-offs closer to the
  reorders than the later of the two, round 33's rule);
- a discovery's reason counts the similar merchants (nearest neighbours by ALS merchant factors, cosine) that
  bought the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from recsys.arrays import sorted_unique
from recsys.history import History
from recsys.model import RestockModel
from recsys.neighbours import nearest

NEIGHBOURS = 50
CYCLE_SHARE = 0.5  # how far past the merchant's next order an item's own due date moves its expected date (round 34)


@dataclass
class Suggestion:
    """One listed item. Fields in the order of the stored JSON (`as_json`; orjson writes the dataclass itself the
    same way: the date as ISO text), `score` already rounded to 6 decimals."""

    sku: str
    quantity: int
    expected_reorder_date: date
    score: float
    reason: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "quantity": self.quantity,
            "expected_reorder_date": self.expected_reorder_date.isoformat(),
            "score": round(self.score, 6),
            "reason": self.reason,
        }


def _pair_lookup(history_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pos = np.minimum(np.searchsorted(history_keys, keys), max(len(history_keys) - 1, 0))
    found = history_keys[pos] == keys if len(history_keys) else np.zeros(keys.shape, dtype=bool)
    return pos, found


def _rounded(scores: np.ndarray) -> list[float]:
    return [round(score, 6) for score in scores.tolist()]


def reorder_day(next_order: np.ndarray, item_due: np.ndarray, share: float = CYCLE_SHARE) -> np.ndarray:
    """The merchant's next order, moved `share` of the way to the item's own due date when that is later (round 34:
    0.5; share 1 is round 33's rule, the later of the two)."""
    return next_order + share * np.maximum(0.0, item_due - next_order)


def _dates(days: np.ndarray) -> list[date]:
    return list(np.floor(days).astype("datetime64[D]").tolist())


def suggest(model: RestockModel, merchants: np.ndarray, k: int) -> dict[str, list[Suggestion]]:
    """Top-k suggestions for merchant indices of the model's history, keyed by merchant id (vectorised)."""
    ranked = model.rank(merchants, k)
    stats = model.stats
    history: History = stats.history
    table = stats.pairs.table
    row, slot = np.nonzero(ranked.items >= 0)
    m = merchants[row]
    item = ranked.items[row, slot]
    pos, own = _pair_lookup(stats.pairs.key, m * history.n_items + item)
    n_pair = table["n_orders"].to_numpy()[pos]
    first_t, last_t = table["first_t"].to_numpy()[pos], table["last_t"].to_numpy()[pos]
    m_orders = stats.merchant["n_orders"].to_numpy()[m]
    m_first, m_last = stats.merchant["first_t"].to_numpy()[m], stats.merchant["last_t"].to_numpy()[m]
    m_interval = np.where(m_orders > 1, (m_last - m_first) / np.maximum(m_orders - 1, 1), 30.0)
    cycle = np.where(n_pair > 1, (last_t - first_t) / np.maximum(n_pair - 1, 1), np.nan)
    # An item is reordered in an order: not before the merchant's next order at its usual interval (round 33), and
    # an item due later by its own cycle is expected halfway there (round 34: the cycle of a few intervals is noisy).
    next_order = np.maximum(history.as_of, m_last + m_interval)
    item_due = last_t + np.where(np.isnan(cycle), m_interval, cycle)
    due = np.where(own, reorder_day(next_order, item_due), next_order)
    # Similar merchants only matter for items the merchant never bought.
    new_rows = np.flatnonzero(~own)
    new_merchants = sorted_unique(row[new_rows])
    neighbours = np.zeros((len(merchants), NEIGHBOURS), dtype=np.int64)
    if len(new_merchants):
        found_nb, _ = nearest(model.als, merchants[new_merchants], NEIGHBOURS, pool=stats.pool)
        neighbours = np.zeros((len(merchants), found_nb.shape[1]), dtype=np.int64)
        neighbours[new_merchants] = found_nb
    _, nb_found = _pair_lookup(stats.pairs.key, neighbours[row[new_rows]] * history.n_items + item[new_rows, None])
    similar = np.zeros(len(row), dtype=np.int64)
    similar[new_rows] = nb_found.sum(axis=1)
    pair_qty, item_qty = stats.usual_qty
    qty = np.maximum(1, np.round(np.where(own, pair_qty[pos], item_qty[item]))).astype(np.int64)
    recent = stats.item["merchants_30"].to_numpy()[item].astype(np.int64)
    dates = _dates(due)
    scores = ranked.scores[row, slot]
    reasons = _reasons(own, n_pair, m_orders, history.as_of - last_t, qty, cycle, similar, recent, neighbours.shape[1])
    listed = list(
        map(Suggestion, history.skus[item].astype(str).tolist(), qty.tolist(), dates, _rounded(scores), reasons)
    )
    # rows come grouped by merchant (np.nonzero order): one slice per merchant
    bounds = np.searchsorted(row, np.arange(len(merchants) + 1)).tolist()
    ids = history.merchant_ids[merchants].astype(str).tolist()
    return {mid: listed[bounds[j] : bounds[j + 1]] for j, mid in enumerate(ids)}


def _reasons(
    own: np.ndarray,
    n_pair: np.ndarray,
    m_orders: np.ndarray,
    since: np.ndarray,
    qty: np.ndarray,
    cycle: np.ndarray,
    similar: np.ndarray,
    recent: np.ndarray,
    n_nb: int,
) -> list[dict[str, Any]]:
    """The machine-readable reason of each row: repeat, discover (similar merchants bought it) or popular."""
    out: list[dict[str, Any]] = [{} for _ in range(len(own))]
    rows = np.flatnonzero(own)
    cycles: list[float | None] = [None if c != c else c for c in np.round(cycle[rows], 1).tolist()]
    columns = zip(
        rows.tolist(),
        n_pair[rows].astype(np.int64).tolist(),
        m_orders[rows].astype(np.int64).tolist(),
        np.trunc(since[rows]).astype(np.int64).tolist(),
        qty[rows].tolist(),
        cycles,
        strict=True,
    )
    for j, n, of, days, q, cyc in columns:
        out[j] = {
            "kind": "repeat",
            "orders_with_item": n,
            "of_orders": of,
            "last_ordered_days": days,
            "usual_qty": q,
            "cycle_days": cyc,
        }
    rows = np.flatnonzero(~own & (similar > 0))
    for j, sim, q in zip(rows.tolist(), similar[rows].tolist(), qty[rows].tolist(), strict=True):
        out[j] = {"kind": "discover", "similar_merchants": sim, "of_similar": n_nb, "usual_qty": q}
    rows = np.flatnonzero(~own & (similar == 0))
    for j, rec, q in zip(rows.tolist(), recent[rows].tolist(), qty[rows].tolist(), strict=True):
        out[j] = {"kind": "popular", "merchants_last_30_days": rec, "usual_qty": q}
    return out


def cold_start(model: RestockModel, k: int) -> list[Suggestion]:
    """For a merchant with no history: what most merchants bought in the last 30 days."""
    stats = model.stats
    out = []
    today = _dates(np.array([stats.history.as_of]))[0]
    for rank, item in enumerate(model.popular(k).tolist()):
        qty = max(1, round(float(stats.usual_qty[1][item])))
        recent = int(stats.item["merchants_30"].to_numpy()[item])
        reason = {"kind": "popular", "merchants_last_30_days": recent, "usual_qty": qty}
        out.append(Suggestion(str(stats.history.skus[item]), qty, today, -float(rank), reason))
    return out
