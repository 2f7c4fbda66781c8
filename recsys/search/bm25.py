"""Okapi BM25 over product texts, held in memory as a sparse term-document matrix.

score(d, q) = sum over distinct query terms t of w(t) * idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))
with idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)), k1 = 1.2, b = 0.75 and w(t) = 1 for query terms (feedback
terms get smaller weights, see `feedback_terms`). Document weights are precomputed, so a query is a weighted
sum of a few sparse columns.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Collection, Sequence
from itertools import pairwise

import numpy as np
from scipy import sparse

from recsys.search.tokenize import tokenize

TYPO_MIN_LENGTH = 4  # shorter unknown tokens are left alone (too many near neighbours)
TYPO_CUTOFF = 0.8


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
            for term, count in counts.items():
                rows.append(row)
                cols.append(self.vocab.setdefault(term, len(self.vocab)))
                tfs.append(count)
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
        self.by_doc = self.matrix.tocsr()
        self.n_docs = n_docs
        self._by_shape: dict[tuple[str, int], list[str]] = {}  # (first letter, length) -> catalog words
        for term in self.vocab:
            if term.isascii() and term.isalpha() and len(term) >= TYPO_MIN_LENGTH - 2:
                self._by_shape.setdefault((term[0], len(term)), []).append(term)

    def correct(self, token: str) -> str | None:
        """The catalog word closest to an unknown Latin token, if any: same first letter, length within 2,
        difflib ratio >= 0.8. Typo tolerance for the keyword channel: umbrela -> umbrella, clok -> clock.
        """
        if not (token.isascii() and token.isalpha() and len(token) >= TYPO_MIN_LENGTH):
            return None
        pool = [w for n in range(len(token) - 2, len(token) + 3) for w in self._by_shape.get((token[0], n), ())]
        match = difflib.get_close_matches(token, pool, n=1, cutoff=TYPO_CUTOFF)
        return match[0] if match else None

    def glued(self, token: str) -> tuple[str, str] | None:
        """Two catalog words written as one ("partybunting", as the chat's router named PARTY BUNTING: the dense
        side alone then found PARTY INVITES WOODLAND), each of three letters or more; the most even split wins."""
        if not (token.isascii() and token.isalpha() and len(token) >= 6) or token in self.vocab:
            return None
        splits = [(token[:i], token[i:]) for i in range(3, len(token) - 2)]
        found = [(a, b) for a, b in splits if a in self.vocab and b in self.vocab]
        return max(found, key=lambda parts: min(map(len, parts)), default=None)

    def catalog_words(self, token: str) -> list[str]:
        """The catalog word(s) a query token stands for: itself, the two words it glues together, or the closest
        catalog word to a typo; none where the catalog has nothing like it."""
        if token in self.vocab:
            return [token]
        if parts := self.glued(token):
            return list(parts)
        corrected = self.correct(token)
        return [corrected] if corrected else []

    def _catalog_words(self, query: str) -> list[str | None]:
        """The query's catalog words in order, None for a token that stands for none (it breaks compounds)."""
        words: list[str | None] = []
        for token in tokenize(query):
            words.extend(self.catalog_words(token) or [None])
        return words

    def _compounds(self, words: Sequence[str | None]) -> dict[int, tuple[str, str]]:
        """Catalog words the query writes as two ("cake stand" for CAKESTAND): compound id -> its two parts."""
        out = {}
        for first, second in pairwise(words):
            if first and second and first.isalpha() and second.isalpha() and first + second in self.vocab:
                out[self.vocab[first + second]] = (first, second)
        return out

    def query_terms(self, query: str) -> dict[int, float]:
        """Term id -> weight 1.0 for the query's tokens in the catalog, typos mapped to the closest catalog word,
        and for catalog words the query splits in two ("cake stand" -> cakestand)."""
        words = self._catalog_words(query)
        terms = {self.vocab[word]: 1.0 for word in words if word is not None}
        terms.update(dict.fromkeys(self._compounds(words), 1.0))
        return terms

    def query_groups(self, query: str) -> list[frozenset[int]]:
        """The query's catalog words, each as the set of term ids that can stand for it in a product text: the
        word itself, or the catalog compound it forms with a neighbour ("cake" in "cake stand": cake, cakestand).
        Their union is `query_terms(query)`."""
        words = self._catalog_words(query)
        groups = {word: {self.vocab[word]} for word in words if word is not None}
        for compound, parts in self._compounds(words).items():
            for part in parts:
                groups[part].add(compound)
        return [frozenset(ids) for ids in groups.values()]

    def holding_all(self, groups: Sequence[Collection[int]]) -> np.ndarray:
        """Boolean mask of the documents that contain a term id of every group (all False for no groups)."""
        if not len(groups):
            return np.zeros(self.n_docs, dtype=bool)
        held = np.ones(self.n_docs, dtype=bool)
        for group in groups:
            in_group = np.zeros(self.n_docs, dtype=bool)
            for term in group:
                in_group[self.matrix.indices[self.matrix.indptr[term] : self.matrix.indptr[term + 1]]] = True
            held &= in_group
        return held

    def scores(self, query: str | dict[int, float]) -> np.ndarray:
        """BM25 score of every document (0 where no query term occurs); a dict gives weighted term ids."""
        terms = self.query_terms(query) if isinstance(query, str) else query
        if not terms:
            return np.zeros(self.n_docs, dtype=np.float64)
        ids = sorted(terms)
        return np.asarray(self.matrix[:, ids] @ np.array([terms[i] for i in ids])).ravel()

    def feedback_terms(self, rows: Sequence[int], weight: float = 0.5, min_docs: int = 2) -> dict[int, float]:
        """Pseudo-relevance feedback: terms shared by at least `min_docs` of the given documents.

        Each gets weight * (share of the feedback documents containing it). Fed with the top dense hits, this
        lets the keyword channel work for a Chinese query over an English catalog, or a misspelt query: the
        words come from the products the embedding found, not from the query.
        """
        if not len(rows):
            return {}
        counts = Counter(
            int(t) for r in rows for t in self.by_doc.indices[self.by_doc.indptr[r] : self.by_doc.indptr[r + 1]]
        )
        return {t: weight * c / len(rows) for t, c in counts.items() if c >= min_docs}
