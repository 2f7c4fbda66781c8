from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import recsys.titles
from recsys.als import ALSParams, fit_als
from recsys.data import fingerprint
from recsys.features import FEATURES, compute_stats, feature_matrix
from recsys.history import build_history
from recsys.titles import title_similarity, title_words, titles_digest, titles_from_lines


def test_title_words_keep_words_and_split_cjk_runs_into_pairs() -> None:
    assert title_words("Jumbo Bag RED Retrospot") == {"JUMBO", "BAG", "RED", "RETROSPOT"}
    assert title_words("CREAM T-LIGHT HOLDER, SET OF 6") == {"CREAM", "LIGHT", "HOLDER", "SET", "OF"}
    assert title_words("红色 大号购物袋") == {"红色", "大号", "号购", "购物", "物袋"}
    assert title_words("袋") == {"袋"}
    assert title_words("") == set()


def test_title_similarity_links_related_titles_only() -> None:
    skus = np.array(["A", "B", "C", "D", "E"])
    titles = {"A": "JUMBO BAG RED RETROSPOT", "B": "JUMBO BAG PINK POLKADOT", "C": "REGENCY CAKESTAND 3 TIER"}
    titles |= {"D": "SWEETHEART CAKESTAND 3 TIER"}  # E has no title
    sim = title_similarity(skus, titles, np.ones(5)).toarray()
    assert np.allclose(np.diag(sim), 0.0)
    assert sim[0, 1] > 0 and sim[2, 3] > 0
    assert sim[0, 2] == sim[0, 3] == sim[1, 2] == 0.0  # no word in common
    assert not sim[4].any() and not sim[:, 4].any()
    assert np.isclose(sim[0, 1], sim[1, 0])


def test_title_similarity_keeps_n_neighbours_and_caps_the_items(monkeypatch: pytest.MonkeyPatch) -> None:
    skus = np.array([f"S{n}" for n in range(6)])
    names = [f"{colour} PAPER {kind}" for colour in ("RED", "BLUE", "GREEN") for kind in ("NAPKINS", "CUPS")]
    titles = dict(zip(skus, names, strict=True))  # each shares a colour with one and a kind with two others
    assert (np.count_nonzero(title_similarity(skus, titles, np.ones(6)).toarray(), axis=1) == 3).all()
    sim = title_similarity(skus, titles, np.ones(6), n=2).toarray()
    assert (np.count_nonzero(sim, axis=1) == 2).all()
    assert title_similarity(skus, {sku: "PAPER NAPKINS" for sku in skus}, np.ones(6)).nnz == 0  # no word tells
    monkeypatch.setattr(recsys.titles, "MAX_TITLE_ITEMS", 3)
    popularity = np.array([9.0, 8.0, 7.0, 1.0, 2.0, 3.0])  # S0, S1, S2 are the most bought
    capped = title_similarity(skus, titles, popularity).toarray()
    assert set(np.flatnonzero(capped.any(axis=1))) == set(np.flatnonzero(capped.any(axis=0))) == {0, 1, 2}


def test_no_titles_give_an_empty_similarity() -> None:
    skus = np.array(["A", "B"])
    assert title_similarity(skus, {}, np.ones(2)).nnz == 0
    assert title_similarity(skus, {"A": "X", "B": "Y"}, np.ones(2)).nnz == 0  # one-letter words only


def test_titles_from_lines_take_each_skus_latest_sale_description(sample_lines: pd.DataFrame) -> None:
    titles = titles_from_lines(sample_lines)
    products = sample_lines[sample_lines["is_product"] & (sample_lines["description"] != "")]
    ordered = products.sort_values(["ordered_at", "row_number"])
    sold = ordered[(ordered["merchant_id"] != "") & (ordered["quantity"] > 0) & (ordered["unit_price"] > 0)]
    latest = sold.groupby("sku")["description"].last().combine_first(ordered.groupby("sku")["description"].last())
    assert titles == latest.to_dict()  # a stock note ("damaged") is no title where the SKU was ever sold
    assert all(titles.values())


def test_titles_digest_covers_the_given_skus_only() -> None:
    titles = {"A": "RED BAG", "B": "PINK BAG"}
    skus = np.array(["A", "B"])
    assert titles_digest({}, skus) == titles_digest({"C": "X"}, skus) == ""
    assert titles_digest(titles | {"C": "BLUE BAG"}, skus) == titles_digest(titles, skus) != ""
    assert titles_digest(titles | {"B": "PINK BAGS"}, skus) != titles_digest(titles, skus)


def test_fingerprint_includes_the_titles_of_the_events_skus(
    sample_events: pd.DataFrame, sample_lines: pd.DataFrame
) -> None:
    titles = titles_from_lines(sample_lines)
    plain = fingerprint(sample_events)
    assert fingerprint(sample_events, {}) == plain
    with_titles = fingerprint(sample_events, titles)
    assert with_titles != plain
    sku = str(sample_events["sku"].iloc[0])
    assert fingerprint(sample_events, titles | {sku: titles[sku] + " XL"}) != with_titles
    assert fingerprint(sample_events, titles | {"NOT-SOLD": "ANYTHING"}) == with_titles


def test_title_features_score_never_bought_items_only(sample_events: pd.DataFrame, sample_lines: pd.DataFrame) -> None:
    history = build_history(sample_events, date(2011, 9, 1))
    titles = titles_from_lines(sample_lines)
    stats = compute_stats(history, titles=titles)
    als = fit_als(history, ALSParams(factors=8, iterations=2))
    sim = stats.title_sim
    # every (merchant, item) pair that a title neighbour of one of the merchant's items makes a candidate
    bought = history.matrix().tocsr()
    reach = (bought @ sim).tocsr()
    reach.data[:] = 1.0
    m, i = (reach + bought.astype(bool).astype(np.float32)).nonzero()
    order = np.lexsort((i, m))
    m, i = m[order].astype(np.int64), i[order].astype(np.int64)
    x = feature_matrix(stats, als, m, i)
    score, rank = x[:, FEATURES.index("title_score")], x[:, FEATURES.index("title_rank")]
    repeat = x[:, FEATURES.index("is_repeat")] == 1
    assert repeat.any() and (~repeat).any()
    assert np.isnan(score[repeat]).all()
    assert (score[~repeat] > 0).all()  # each new pair was reached through a title neighbour
    assert np.isfinite(rank).all()
    untitled = feature_matrix(compute_stats(history), als, m, i)
    assert (untitled[~repeat, FEATURES.index("title_score")] == 0).all()
    assert np.isnan(untitled[:, FEATURES.index("title_rank")]).all()


_SIMILARITY_OF_THE_SAMPLE = """
import sys
import numpy as np
from pathlib import Path
from ingestion.parse import parse_orders
from recsys.titles import title_similarity, titles_from_lines
titles = titles_from_lines(parse_orders(Path(sys.argv[1])).lines)
skus = np.array(sorted(titles))
sim = title_similarity(skus, titles, np.ones(len(skus)))
sys.stdout.write(sim.data.tobytes().hex() + sim.indices.tobytes().hex())
"""


def test_title_similarity_is_the_same_in_every_process(sample_orders_path: Path) -> None:
    """Python salts string hashes per process: word sets must not decide the order of the float sums."""
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _SIMILARITY_OF_THE_SAMPLE, str(sample_orders_path)],
            env=os.environ | {"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1 and len(next(iter(outputs))) > 1000
