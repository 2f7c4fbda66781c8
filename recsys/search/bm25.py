"""Okapi BM25 over product texts, held in memory as a sparse term-document matrix.

score(d, q) = sum over distinct query terms t of idf(t) * tf(t,d) * (k1 + 1) / (tf(t,d) + k1 * (1 - b + b * |d| / avgdl))
with idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)), k1 = 1.2, b = 0.75. Document weights are precomputed, so a
query is a sum of a few sparse columns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from recsys.search.tokenize import tokenize


class BM25:
    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        lengths = np.zeros(len(texts), dtype=np.float64)
        for row, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths[row] = sum(counts.values())
            for term, tf in counts.items():
                rows.append(row)
                cols.append(self.vocab.setdefault(term, len(self.vocab)))
                tfs.append(tf)
        n_docs = len(texts)
        tf = np.asarray(tfs, dtype=np.float64)
        row_idx = np.asarray(rows, dtype=np.int64)
        col_idx = np.asarray(cols, dtype=np.int64)
        avgdl = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
        df = np.bincount(col_idx, minlength=len(self.vocab)).astype(np.float64)
        self.idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        norm = k1 * (1.0 - b + b * lengths[row_idx] / avgdl)
        weights = self.idf[col_idx] * tf * (k1 + 1.0) / (tf + norm)
        self.matrix = sparse.csc_matrix((weights, (row_idx, col_idx)), shape=(n_docs, len(self.vocab)))
        self.n_docs = n_docs

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document (0 where no query term occurs)."""
        terms = {self.vocab[t] for t in tokenize(query) if t in self.vocab}
        if not terms:
            return np.zeros(self.n_docs, dtype=np.float64)
        return np.asarray(self.matrix[:, sorted(terms)].sum(axis=1)).ravel()
