from __future__ import annotations

import pytest

from recsys.search.fusion import PERSONAL_BOOST, RRF_K, boost, ordered, rrf


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = rrf([["a", "b", "c"], ["b", "d"]])
    assert fused["a"] == pytest.approx(1 / (RRF_K + 1))
    assert fused["b"] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert fused["d"] == pytest.approx(1 / (RRF_K + 2))
    assert [item for item, _ in ordered(fused, 10)] == ["b", "a", "d", "c"]


def test_rrf_weights_and_empty_lists() -> None:
    fused = rrf([["a"], ["b"]], weights=[2.0, 1.0])
    assert fused["a"] == pytest.approx(2 / (RRF_K + 1)) and fused["b"] == pytest.approx(1 / (RRF_K + 1))
    assert rrf([[], []]) == {}
    with pytest.raises(ValueError):
        rrf([["a"]], weights=[1.0, 2.0])


def test_item_in_both_lists_beats_single_list_winner() -> None:
    fused = rrf([["solo", "both"], ["x", "y", "both"]])
    assert ordered(fused, 1)[0][0] == "both"


def test_personal_boost_is_light() -> None:
    scores = rrf([["a", "b", "c"], ["a", "b", "c"]])
    boosted = boost(scores, {"b"})
    assert boosted["b"] - scores["b"] == pytest.approx(PERSONAL_BOOST)
    assert [i for i, _ in ordered(boosted, 3)] == ["b", "a", "c"]  # close neighbours swap
    far = rrf([[*"abcdefghijklmnopqrst"], [*"abcdefghijklmnopqrst"]])
    assert ordered(boost(far, {"t"}), 1)[0][0] == "a"  # a distant item is not pulled to the top


def test_ordered_breaks_ties_by_id() -> None:
    assert ordered({"b": 1.0, "a": 1.0, "c": 2.0}, 3) == [("c", 2.0), ("a", 1.0), ("b", 1.0)]
