"""Rank fusion for hybrid search, and the personal boost.

Reciprocal rank fusion (Cormack et al., 2009): an item at 1-based rank r in list i scores w_i / (K + r); the
fused score is the sum over the lists it appears in. K = 60 (the paper's constant) damps the head so that an
item ranked well by both the dense and the keyword list beats one ranked first by a single list. Scores need no
calibration across lists, which is why RRF is used here: cosine similarities and BM25 scores live on
unrelated scales.

Personal boost: when a merchant is given, each candidate that merchant has bought before gets
PERSONAL_BOOST added. It is light on purpose: 0.25 / (K + 1) ~= 0.0041, about the gap between ranks 1 and 10
of an item present in both lists, so it reorders close candidates and never pulls in an item neither list
retrieved.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

RRF_K = 60
PERSONAL_BOOST = 0.25 / (RRF_K + 1)


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None, k: int = RRF_K) -> dict[str, float]:
    """Fused score per item over ranked lists (best first)."""
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def boost(scores: Mapping[str, float], bought: Collection[str], amount: float = PERSONAL_BOOST) -> dict[str, float]:
    """Add `amount` to the score of every candidate in `bought`."""
    return {item: score + (amount if item in bought else 0.0) for item, score in scores.items()}


def ordered(scores: Mapping[str, float], k: int) -> list[tuple[str, float]]:
    """Top k by score, ties broken by item id so results are deterministic."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
