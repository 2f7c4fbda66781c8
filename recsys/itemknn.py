"""Item-to-item signals for never-bought items: co-purchase neighbours (item-kNN) and product families.

Wholesale merchants mostly add variants and companions of what they already stock, so a new item is
likely when it is often bought by the same merchants as the merchant's own (recent) items, or when it
is a colour/size variant of one of them.

- **Item-kNN**: cosine similarity between items over the merchant x item "ever bought" matrix, keeping
  each item's `NEIGHBOURS` most similar items (a sparse item x item matrix). The score of item j for
  merchant m is the sum over m's items i of share(m, i) * sim(i, j), where share is the order-decayed
  share of m's orders containing i (recent, regular items weigh most).
- **Product families**: SKUs like 85099B / 85099C / 85099F are variants of one stem (the digits before a
  letter suffix). A family needs at least two SKUs; SKUs without that structure (other shops' codes,
  POST, gift vouchers) belong to no family, so on a shop whose codes have no such structure the family
  feature is 0 everywhere (a no-op).

Round 2 also generated candidates from both (never-bought items with the best kNN score, never-bought
siblings); they raised candidate recall but not the lists on the inner splits, and were removed in round 3.
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse

from recsys.arrays import largest, sorted_unique, values_at

NEIGHBOURS = 30  # similar items kept per item
MAX_SIM_ITEMS = 5_000  # similarities among the most-bought items only (all of them on the demo data)
MAX_SIM_MERCHANTS = 30_000  # similarities from the most active merchants only (all of them on the demo data)
_STEM = re.compile(r"^(\d{4,})[A-Z]{0,2}$")


def item_similarity(
    bought: sparse.csr_matrix, popularity: np.ndarray, n: int = NEIGHBOURS, chunk: int = 512
) -> sparse.csr_matrix:
    """Item x item cosine similarities over merchants (binary), each row keeping its n best (self excluded)."""
    n_merchants, n_items = bought.shape
    x = bought.astype(bool).astype(np.float32).tocsr()
    if n_merchants > MAX_SIM_MERCHANTS:
        activity = np.diff(x.indptr)
        x = x[largest(activity, MAX_SIM_MERCHANTS)]
    universe = np.arange(n_items, dtype=np.int64)
    if n_items > MAX_SIM_ITEMS:
        universe = largest(popularity, MAX_SIM_ITEMS)
    xt = x[:, universe].T.tocsr()  # universe items x merchants
    norms = np.sqrt(np.asarray(xt.sum(axis=1)).ravel())
    return top_n_similar(xt, universe, n_items, n, norms, chunk)


def top_n_similar(
    vectors: sparse.csr_matrix,
    universe: np.ndarray,
    n_items: int,
    n: int,
    norms: np.ndarray | None = None,
    chunk: int = 512,
) -> sparse.csr_matrix:
    """Each universe item's n largest positive similarities to the other universe items (self excluded), as an
    n_items x n_items CSR matrix.

    Row r of `vectors` describes item universe[r]; the similarity of two items is the dot product of their rows,
    divided by the product of their `norms` when given (the cosine of unnormalised rows). Computed `chunk` rows at
    a time, so the dense blocks stay chunk x len(universe).
    """
    n = min(n, max(len(universe) - 1, 0))
    if n == 0:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    other = vectors.T.tocsc()
    rows, cols, vals = [], [], []
    for start in range(0, len(universe), chunk):
        stop = min(start + chunk, len(universe))
        block = (vectors[start:stop] @ other).toarray()
        if norms is not None:
            block /= np.maximum(norms[start:stop, None] * norms[None, :], 1e-9)
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0
        part = np.argpartition(-block, n - 1, axis=1)[:, :n]
        values = np.take_along_axis(block, part, axis=1)
        keep = values > 0
        rows.append(np.repeat(np.arange(start, stop), n)[keep.ravel()])
        cols.append(part[keep])
        vals.append(values[keep])
    r, c = universe[np.concatenate(rows)], universe[np.concatenate(cols)]
    return sparse.csr_matrix((np.concatenate(vals), (r, c)), shape=(n_items, n_items), dtype=np.float32)


def knn_scores(share: sparse.csr_matrix, sim: sparse.csr_matrix, m: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Item-kNN score of each (m, i) pair; pairs sorted by merchant."""
    out = np.zeros(len(m), dtype=np.float64)
    merchants = sorted_unique(m)
    for start in range(0, len(merchants), 4096):
        rows = merchants[start : start + 4096]
        lo, hi = np.searchsorted(m, rows[0]), np.searchsorted(m, rows[-1], side="right")
        out[lo:hi] = values_at(share[rows] @ sim, rows, m[lo:hi], i[lo:hi])
    return out


def families(skus: np.ndarray) -> np.ndarray:
    """Family id per SKU (-1: none): SKUs sharing the digits before a letter suffix, at least two of them."""
    stems = np.array([(match.group(1) if (match := _STEM.match(str(sku))) else "") for sku in skus], dtype=object)
    family = np.full(len(skus), -1, dtype=np.int64)
    has = stems != ""
    if not has.any():
        return family
    codes, uniques = np.unique(stems[has].astype(str), return_inverse=True)
    sizes = np.bincount(uniques, minlength=len(codes))
    family[np.flatnonzero(has)] = np.where(sizes[uniques] >= 2, uniques, -1)
    return family


def family_orders(
    basket_m: np.ndarray, b: np.ndarray, i: np.ndarray, family: np.ndarray, n_merchants: int
) -> sparse.csr_matrix:
    """Merchant x family matrix: how many of the merchant's orders contained an item of the family."""
    n_families = int(family.max()) + 1 if len(family) and family.max() >= 0 else 0
    f = family[i]
    has = f >= 0
    if n_families == 0 or not has.any():
        return sparse.csr_matrix((n_merchants, max(n_families, 1)), dtype=np.float32)
    pairs = sorted_unique(b[has] * n_families + f[has])  # (basket, family) once per basket
    mat = sparse.csr_matrix(
        (np.ones(len(pairs), dtype=np.float32), (basket_m[pairs // n_families], pairs % n_families)),
        shape=(n_merchants, n_families),
    )
    mat.sum_duplicates()
    return mat
