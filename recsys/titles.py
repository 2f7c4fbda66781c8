"""Item-to-item similarity of product titles, a discovery signal for items a merchant has never bought.

Wholesale lines come in many related SKUs: "JUMBO BAG RED RETROSPOT" sits next to "JUMBO BAG PINK POLKADOT"
and "JUMBO BAG STRAWBERRY", under unrelated codes (so the product-family feature of `recsys.itemknn` misses
them), and a SKU S has just added has no co-purchases yet. Titles relate them:

- a title is a set of words (letters and digits, two or more; runs of CJK characters as overlapping character
  pairs, since Chinese titles have no spaces), each weighted by its inverse document frequency over the catalog;
- similarity = cosine of those vectors; each item keeps its `NEIGHBOURS` most similar items;
- the title score of item j for merchant m is the sum over m's items i of share(m, i) * sim(i, j), as for the
  co-purchase item-kNN (`recsys.features`, features `title_score` and `title_rank`, never-bought items only).

Round 11 (recsys/README.md): on the inner splits it raised new-item Recall@10 by a fifth (A) and a seventh (B)
with Recall@10 and NDCG@10 unchanged. No titles (the synthetic benchmark, a file without descriptions): an
empty matrix, and both features are 0 everywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import sparse

from recsys.arrays import largest
from recsys.itemknn import top_n_similar

NEIGHBOURS = 30  # similar titles kept per item
MAX_TITLE_ITEMS = 5_000  # similarities among the most-bought items only (all of them on the demo data)
_TOKEN = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def title_words(title: str) -> set[str]:
    """The words of a title: upper-cased letter/digit runs of two or more, CJK runs as character pairs."""
    words: set[str] = set()
    for token in _TOKEN.findall(title.upper()):
        if _CJK.search(token):
            words.update(token[k : k + 2] for k in range(max(len(token) - 1, 1)))
        elif len(token) >= 2:
            words.add(token)
    return words


def titles_from_lines(lines: pd.DataFrame) -> dict[str, str]:
    """Each product SKU's latest non-empty description in order lines (`parse_orders(...).lines` shape)."""
    from ingestion.orders import derive_catalog

    catalog = derive_catalog(lines)
    named = catalog[catalog["title"] != ""]
    return dict(zip(named["sku"].astype(str), named["title"].astype(str), strict=True))


def titles_digest(titles: Mapping[str, str], skus: np.ndarray) -> str:
    """A digest of the titles of `skus` (part of a model's data fingerprint): '' when none of them has one."""
    pairs = [(str(sku), titles[str(sku)]) for sku in skus if titles.get(str(sku))]
    if not pairs:
        return ""
    digest = hashlib.sha256()
    for sku, title in sorted(pairs):
        digest.update(f"{sku}\x1f{title}\x1e".encode())
    return digest.hexdigest()[:16]


def _tfidf(skus: np.ndarray, titles: Mapping[str, str]) -> sparse.csr_matrix | None:
    """Rows = items, L2-normalised IDF weights of their title words; None when no item has a word."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, sku in enumerate(skus):
        # sorted: a set's order follows Python's per-process string hashing, and the column order decides the order
        # of float sums, so unsorted words made the similarities differ between runs in the last bits
        for word in sorted(title_words(titles.get(str(sku), ""))):
            cols.append(vocab.setdefault(word, len(vocab)))
            rows.append(row)
    if not vocab:
        return None
    n_items = len(skus)
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_items, len(vocab)))
    df = np.asarray(x.sum(axis=0)).ravel()
    x = x @ sparse.diags(np.log(n_items / np.maximum(df, 1.0)).astype(np.float32))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return (sparse.diags(1.0 / np.maximum(norms, 1e-9)) @ x).tocsr().astype(np.float32)


def title_similarity(
    skus: np.ndarray, titles: Mapping[str, str], popularity: np.ndarray, n: int = NEIGHBOURS, chunk: int = 512
) -> sparse.csr_matrix:
    """Item x item title cosine (items = `skus`), each row keeping its n best positive entries, self excluded.

    Past `MAX_TITLE_ITEMS` items only the most popular (by `popularity`) take part, which bounds the dense
    blocks below to chunk x MAX_TITLE_ITEMS.
    """
    n_items = len(skus)
    universe = np.arange(n_items, dtype=np.int64)
    if n_items > MAX_TITLE_ITEMS:
        universe = largest(popularity, MAX_TITLE_ITEMS)
    x = _tfidf(skus[universe], titles) if n > 0 and len(universe) > 1 else None
    if x is None:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    return top_n_similar(x, universe, n_items, n, chunk=chunk)  # rows are L2-normalised: dot product = cosine
