from __future__ import annotations

import math

import numpy as np
import pytest

from recsys.search.bm25 import BM25
from recsys.search.tokenize import tokenize

DOCS = ["red retrospot mug", "red retrospot lunch bag", "white ceramic mug", "儿童派对礼品袋", "fairy lights"]


def test_scores_match_the_formula() -> None:
    bm = BM25(DOCS)
    scores = bm.scores("mug")
    n, df = len(DOCS), 2
    idf = math.log1p((n - df + 0.5) / (df + 0.5))
    lengths = np.array([len(tokenize(d)) for d in DOCS], dtype=float)
    assert lengths.tolist() == [3, 4, 3, 4, 2]  # 儿童派对礼品袋 -> 儿童 派对 礼品 礼品袋
    avgdl = lengths.mean()
    expected = idf * 1 * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 3 / avgdl))
    assert scores[0] == pytest.approx(expected) and scores[2] == pytest.approx(expected)
    assert scores[1] == 0 and scores[4] == 0


def test_unknown_terms_score_zero_and_chinese_matches() -> None:
    bm = BM25(DOCS)
    assert not bm.scores("doormat").any()
    assert int(np.argmax(bm.scores("派对礼品袋"))) == 3


def test_feedback_terms_are_those_shared_by_feedback_docs() -> None:
    bm = BM25(DOCS)
    terms = bm.feedback_terms([0, 1], weight=0.5, min_docs=2)
    assert {t: w for t, w in terms.items()} == {bm.vocab["red"]: 0.5, bm.vocab["retrospot"]: 0.5}
    weighted = bm.scores(terms)
    assert weighted[0] > 0 and weighted[1] > 0 and weighted[2] == 0
    assert bm.feedback_terms([]) == {}


def test_holding_all_marks_documents_with_a_term_of_every_group() -> None:
    bm = BM25(DOCS)
    red, mug, bag = bm.vocab["red"], bm.vocab["mug"], bm.vocab["bag"]
    assert bm.holding_all([{red}, {mug}]).tolist() == [True, False, False, False, False]
    assert bm.holding_all([{red}, {mug, bag}]).tolist() == [True, True, False, False, False]
    assert not bm.holding_all([]).any()


def test_a_catalog_compound_written_as_two_words_stands_for_both() -> None:
    bm = BM25(["regency cakestand 3 tier", "cake stand hanging", "regency cake fork"])
    cake, stand, compound = bm.vocab["cake"], bm.vocab["stand"], bm.vocab["cakestand"]
    assert compound in bm.query_terms("regency cake stand")
    groups = bm.query_groups("Is the regency cake stand with three tiers available?")
    assert {cake, compound} in groups and {stand, compound} in groups and {bm.vocab["3"]} in groups
    assert bm.holding_all(groups).tolist() == [True, False, False]
    assert bm.query_groups("stand cake") == [frozenset({stand}), frozenset({cake})]  # not a compound that way


def test_question_words_are_not_words_a_product_must_hold() -> None:
    # the real catalog has DO NOT TOUCH MY STUFF DOOR HANGER and a HAVEN title, which "do" and "have" (a typo away
    # from "haven") matched, so no product held every word of a customer's question
    docs = ["regency cakestand 3 tier", "regency cake fork", "cake stand", "do not touch my stuff sign", "haven sign"]
    bm = BM25(docs)
    groups = bm.query_groups("Do you have any discount on the regency cake stand?")
    assert bm.holding_all(groups).tolist() == [True, False, False, False, False]


def test_two_catalog_words_written_as_one_stand_for_both() -> None:
    # the chat's router named PARTY BUNTING "partybunting"; alone, the dense side found PARTY INVITES WOODLAND
    bm = BM25(["party bunting", "party invites woodland", "cakestand regency", "paper chain kit"])
    assert bm.glued("partybunting") == ("party", "bunting")
    assert bm.glued("cakestand") is None  # a catalog word stays whole
    assert bm.glued("partyzzz") is None and bm.glued("bunt") is None
    assert int(np.argmax(bm.scores("partybunting"))) == 0
    assert bm.holding_all(bm.query_groups("partybunting")).tolist() == [True, False, False, False]


def test_typos_map_to_the_closest_catalog_word() -> None:
    bm = BM25(["folding umbrella red", "alarm clock ivory", "pearl necklace", "red mug"])
    assert bm.correct("umbrela") == "umbrella" and bm.correct("clok") == "clock"
    assert bm.correct("necklase") == "necklace"
    assert bm.correct("mgu") is None  # too short to guess
    assert bm.correct("zebra") is None  # nothing close
    assert int(np.argmax(bm.scores("umbrela"))) == 0
    assert set(bm.query_terms("alarm clok")) == {bm.vocab["alarm"], bm.vocab["clock"]}
