"""Implicit-feedback ALS (the `implicit` library) for discovery, with factors saved as .npz."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from recsys.arrays import largest, top_n_per_row
from recsys.history import History

MAX_FIT_MERCHANTS = 30_000


@dataclass
class ALSParams:
    factors: int = 32
    regularization: float = 1.0
    alpha: float = 2.0
    iterations: int = 8
    seed: int = 7


@dataclass
class ALSFactors:
    user: np.ndarray
    item: np.ndarray

    def scores_for(self, m: np.ndarray, i: np.ndarray, chunk: int = 1_000_000) -> np.ndarray:
        """Dot products for (merchant, item) pairs, computed in chunks to bound memory."""
        out = np.empty(len(m), dtype=np.float32)
        for start in range(0, len(m), chunk):
            stop = start + chunk
            out[start:stop] = np.einsum("ij,ij->i", self.user[m[start:stop]], self.item[i[start:stop]])
        return out

    def top_n(
        self,
        merchants: np.ndarray,
        n: int,
        exclude: sparse.csr_matrix | None = None,
        items: np.ndarray | None = None,
        chunk: int = 2048,
    ) -> np.ndarray:
        """Top-n item indices per merchant by score, among `items` (default all), skipping nonzeros of `exclude`."""
        universe = np.arange(self.item.shape[0], dtype=np.int64) if items is None else items
        vectors = self.item[universe]
        restricted = exclude[:, universe].tocsr() if exclude is not None and items is not None else exclude
        n = min(n, len(universe))
        result = np.empty((len(merchants), n), dtype=np.int64)
        for start in range(0, len(merchants), chunk):
            rows = merchants[start : start + chunk]
            scores = self.user[rows] @ vectors.T
            if restricted is not None:
                sub = restricted[rows].tocoo()
                scores[sub.row, sub.col] = -np.inf
            part = top_n_per_row(scores, n)
            order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
            result[start : start + len(rows)] = universe[np.take_along_axis(part, order, axis=1)]
        return result

    def save(self, path: Path) -> None:
        np.savez_compressed(path, user=self.user, item=self.item)

    @classmethod
    def load(cls, path: Path) -> ALSFactors:
        with np.load(path) as data:
            return cls(user=data["user"], item=data["item"])


def confidence_matrix(history: History, alpha: float) -> sparse.csr_matrix:
    """Confidence = alpha * log1p(orders containing the item): repeated buys count, with diminishing returns."""
    counts = history.matrix()
    counts.data = (alpha * np.log1p(counts.data)).astype(np.float32)
    return counts


def implicit_als() -> Any:
    """implicit's CPU ALS class. Importing it loads scipy's OpenBLAS: callers that limit BLAS threads for a block
    of concurrent fits import it first, so the limit covers that library too (a library loaded inside the block
    would keep its default and race with the per-fit limits below)."""
    from implicit.cpu.als import AlternatingLeastSquares

    return AlternatingLeastSquares


def fit_als(history: History, params: ALSParams | None = None) -> ALSFactors:
    """ALS factors for every merchant and item.

    Past MAX_FIT_MERCHANTS merchants (the scale benchmark, not the demo's 4,372), the factorisation is fitted
    on the most active merchants only and the other merchants' factors are then solved exactly against the
    fitted item factors (one least-squares step each, `recalculate_user`), which costs a fraction of the
    full alternating iterations.
    """
    from threadpoolctl import threadpool_limits

    als_class = implicit_als()  # before the limit below, so that it covers the BLAS this import loads
    params = params or ALSParams()
    confidence = confidence_matrix(history, params.alpha)
    fit_rows = np.arange(history.n_merchants, dtype=np.int64)
    if history.n_merchants > MAX_FIT_MERCHANTS:
        activity = np.diff(confidence.indptr)
        fit_rows = largest(activity, MAX_FIT_MERCHANTS)
    with threadpool_limits(1, "blas"):  # implicit parallelises itself; nested BLAS threads only slow it down
        model = als_class(
            factors=params.factors,
            regularization=params.regularization,
            alpha=1.0,
            iterations=params.iterations,
            random_state=params.seed,
            # Per-merchant solves are independent, so the factors are identical for any thread count; on the
            # shared 2-core box one thread measured faster (0.95 s vs 1.5 s per demo fit) and it leaves the
            # other core to the fit running beside it (RestockModel.fit builds windows and serving parts in pairs).
            num_threads=1,
        )
        model.fit(confidence[fit_rows], show_progress=False)
        user = np.zeros((history.n_merchants, params.factors), dtype=np.float32)
        user[fit_rows] = np.asarray(model.user_factors)
        rest = np.setdiff1d(np.arange(history.n_merchants, dtype=np.int64), fit_rows, assume_unique=True)
        if len(rest):
            user[rest] = model.recalculate_user(rest, confidence[rest])
    return ALSFactors(user=user, item=np.asarray(model.item_factors))
