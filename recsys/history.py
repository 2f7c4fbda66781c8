"""Purchase events before a cut-off date, encoded as integer arrays the models share.

Time is measured in days (float) since the epoch; `as_of` is the cut-off (exclusive), so every
"days since" feature is relative to the moment the restock list is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import sparse

from recsys.arrays import rank_in_groups

SECONDS_PER_DAY = 86_400.0


def to_day(when: date | pd.Timestamp) -> float:
    """Days since the epoch at midnight of `when` (a date) or at the timestamp."""
    stamp = pd.Timestamp(when)
    return float(stamp.value / 1e9 / SECONDS_PER_DAY)


@dataclass
class History:
    """Events before `as_of`, indexed: merchant m, item i, basket b, time t (days), quantity q."""

    as_of: float
    merchant_ids: np.ndarray
    skus: np.ndarray
    m: np.ndarray
    i: np.ndarray
    b: np.ndarray
    t: np.ndarray
    q: np.ndarray
    basket_m: np.ndarray
    basket_t: np.ndarray

    @property
    def n_merchants(self) -> int:
        return len(self.merchant_ids)

    @property
    def n_items(self) -> int:
        return len(self.skus)

    def merchant_index(self) -> dict[str, int]:
        return {str(mid): n for n, mid in enumerate(self.merchant_ids)}

    def item_index(self) -> dict[str, int]:
        return {str(sku): n for n, sku in enumerate(self.skus)}

    def matrix(self, values: np.ndarray | None = None) -> sparse.csr_matrix:
        """Merchant x item CSR matrix; duplicates are summed (default value: 1 per basket)."""
        data = np.ones(len(self.m), dtype=np.float32) if values is None else values.astype(np.float32)
        mat = sparse.csr_matrix((data, (self.m, self.i)), shape=(self.n_merchants, self.n_items))
        mat.sum_duplicates()
        return mat


def known_before(events: pd.DataFrame, stamp: pd.Timestamp) -> pd.DataFrame:
    """The purchases a model as of `stamp` learns from: those placed before it, less those returned in full
    before it (a return after `stamp` is not known then, so it changes nothing earlier)."""
    placed = events["ordered_at"] < stamp
    if "returned_at" in events:
        placed &= ~(events["returned_at"] < stamp)  # NaT (never returned in full) compares False
    return events[placed]


def build_history(events: pd.DataFrame, as_of: date | pd.Timestamp) -> History:
    """Encode the events strictly before `as_of`, less those returned in full by then (`known_before`; merchants and
    SKUs sorted, so indices are deterministic)."""
    cutoff = pd.Timestamp(as_of)
    sel = known_before(events, cutoff)
    m, merchant_ids = pd.factorize(sel["merchant_id"], sort=True)
    i, skus = pd.factorize(sel["sku"], sort=True)
    b, _ = pd.factorize(sel["invoice_id"], sort=False)
    t = sel["ordered_at"].to_numpy().astype("datetime64[s]").astype(np.int64) / SECONDS_PER_DAY
    n_baskets = int(b.max()) + 1 if len(b) else 0
    basket_m = np.zeros(n_baskets, dtype=np.int64)
    basket_t = np.zeros(n_baskets, dtype=np.float64)
    basket_m[b] = m
    basket_t[b] = t
    return History(
        as_of=to_day(cutoff),
        merchant_ids=np.asarray(merchant_ids, dtype=object),
        skus=np.asarray(skus, dtype=object),
        m=m.astype(np.int64),
        i=i.astype(np.int64),
        b=b.astype(np.int64),
        t=t.astype(np.float64),
        q=sel["quantity"].to_numpy(dtype=np.float64),
        basket_m=basket_m,
        basket_t=basket_t,
    )


def basket_recency_rank(history: History) -> np.ndarray:
    """Per basket: how many of the merchant's baskets came after it (0 = the merchant's latest order)."""
    return rank_in_groups(np.lexsort((-history.basket_t, history.basket_m)), history.basket_m)
