from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recsys.data import fingerprint
from recsys.features import FEATURES
from recsys.history import known_before
from recsys.model import RestockModel
from recsys.titles import titles_from_lines


def test_model_ranks_every_merchant_without_duplicates(sample_model: RestockModel) -> None:
    ranked = sample_model.rank(k=20)
    assert ranked.items.shape == (sample_model.history.n_merchants, 20)
    for row in ranked.items:
        listed = row[row >= 0]
        assert len(listed) == len(set(listed.tolist())) > 0
    plain = sample_model.rank(k=20, slots=0)  # discovery slots move new items up, past better-scored repeats
    finite = np.where(np.isnan(plain.scores), -np.inf, plain.scores)
    assert (np.diff(finite, axis=1) <= 1e-12).all(), "scores are sorted best first"


def test_save_load_round_trip_gives_identical_lists(
    sample_model: RestockModel, sample_events: pd.DataFrame, tmp_path: Path
) -> None:
    sample_model.save(tmp_path / "model")
    names = sorted(p.name for p in (tmp_path / "model").iterdir())
    assert names == ["als.npz", "features.npz", "meta.json", "ranker.txt"]  # no new-item ranker by default
    meta = json.loads((tmp_path / "model" / "meta.json").read_text())
    assert meta["fingerprint"] and meta["cutoff"] and "metrics" in meta
    loaded = RestockModel.load(tmp_path / "model", sample_events)
    assert loaded.version == sample_model.version
    assert loaded.features is not None and sample_model.features is not None
    np.testing.assert_array_equal(loaded.features.x, sample_model.features.x)
    before, after = sample_model.rank(k=10), loaded.rank(k=10)
    assert np.array_equal(before.items, after.items)
    assert np.allclose(before.scores, after.scores, equal_nan=True)


def test_load_refuses_changed_data(sample_model: RestockModel, sample_events: pd.DataFrame, tmp_path: Path) -> None:
    sample_model.save(tmp_path / "model")
    changed = sample_events.drop(index=sample_events.index[:5])
    with pytest.raises(ValueError, match="fingerprint"):
        RestockModel.load(tmp_path / "model", changed)


def test_training_never_sees_the_cutoff_period(sample_events: pd.DataFrame) -> None:
    cutoff = date(2011, 9, 1)
    model = RestockModel.fit(sample_events, cutoff)
    last_seen = model.history.t.max()
    assert last_seen < model.history.as_of
    assert pd.Timestamp(model.meta["cutoff"]) == pd.Timestamp(cutoff)
    # the data after the cut-off can change without changing the model's fingerprint
    later = sample_events[sample_events["ordered_at"] < pd.Timestamp("2011-10-01")]
    assert fingerprint(known_before(later, pd.Timestamp(cutoff))) == model.meta["fingerprint"]
    # and so can the returns: one after the cut-off was not known at it
    returned_later = sample_events["returned_at"] >= pd.Timestamp(cutoff)
    assert returned_later.any()
    unreturned = sample_events.assign(returned_at=sample_events["returned_at"].mask(returned_later))
    assert fingerprint(known_before(unreturned, pd.Timestamp(cutoff))) == model.meta["fingerprint"]


@pytest.mark.parametrize("chunk_rows", [500_000, 97])
def test_features_precomputed_by_fit_rank_like_features_computed_per_call(
    sample_model: RestockModel, chunk_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Per call, features are built a chunk of rows at a time (at scale); ranks within a merchant need it whole.
    monkeypatch.setattr("recsys.model.RANK_CHUNK_ROWS", chunk_rows)
    assert sample_model.features is not None
    plain = RestockModel(
        sample_model.params,
        sample_model.stats,
        sample_model.als,
        sample_model.ranker_text,
        sample_model.meta,
    )
    subset = np.arange(sample_model.history.n_merchants, dtype=np.int64)[::3]
    for slots in (None, 1):
        fast, slow = sample_model.rank(subset, 10, slots=slots), plain.rank(subset, 10, slots=slots)
        np.testing.assert_array_equal(fast.items, slow.items)
        np.testing.assert_array_equal(fast.scores, slow.scores)


def test_new_item_offset_is_saved_and_moves_never_bought_items_up(sample_model: RestockModel) -> None:
    assert isinstance(sample_model.meta["new_item_offset"], float) and sample_model.meta["new_item_offset"] >= 0
    features = sample_model.features
    assert features is not None
    is_new = features.x[:, FEATURES.index("is_repeat")] == 0
    new_keys = set((features.m[is_new] * sample_model.history.n_items + features.i[is_new]).tolist())

    def new_share(offset: float) -> float:
        sample_model.meta["new_item_offset"] = offset
        ranked = sample_model.rank(k=10, slots=0)
        rows, cols = np.nonzero(ranked.items >= 0)
        keys = ranked.merchants[rows] * sample_model.history.n_items + ranked.items[rows, cols]
        return float(np.mean([key in new_keys for key in keys.tolist()]))

    original = sample_model.meta["new_item_offset"]
    overridden = sample_model.rank(k=10, slots=0, new_item_offset=0.0)  # the evaluation's "no new-item offset" row
    try:
        assert new_share(0.0) < new_share(1e6) == 1.0  # a huge offset lists never-bought candidates first
        sample_model.meta["new_item_offset"] = 0.0
        np.testing.assert_array_equal(overridden.items, sample_model.rank(k=10, slots=0).items)
    finally:
        sample_model.meta["new_item_offset"] = original


def test_load_refuses_changed_titles(sample_events: pd.DataFrame, sample_lines: pd.DataFrame, tmp_path: Path) -> None:
    titles = titles_from_lines(sample_lines)
    model = RestockModel.fit(sample_events, date(2011, 9, 1), titles=titles)
    assert model.stats.title_sim.nnz > 0
    model.save(tmp_path / "model")
    assert RestockModel.load(tmp_path / "model", sample_events, titles).version == model.version
    sku = str(model.history.skus[0])
    with pytest.raises(ValueError, match="titles changed"):
        RestockModel.load(tmp_path / "model", sample_events, titles | {sku: "SOMETHING ELSE"})


def test_a_shop_that_only_re_buys_saves_strict_json_with_null_new_item_metrics(
    sample_events: pd.DataFrame, sample_cutoff: date, tmp_path: Path
) -> None:
    # Every order also placed a year earlier by the same merchant: no validation target is new to its merchant,
    # so new-item recall is defined for nobody (numpy warned "Mean of empty slice" and meta.json held NaN).
    year_before = sample_events.assign(
        ordered_at=sample_events["ordered_at"] - pd.Timedelta(days=365),
        invoice_id="Y" + sample_events["invoice_id"].astype(str),
    )
    model = RestockModel.fit(pd.concat([year_before, sample_events], ignore_index=True), sample_cutoff)
    model.save(tmp_path / "model")

    def refuse(constant: str) -> None:
        raise AssertionError(f"meta.json holds {constant}, which is not JSON")

    meta = json.loads((tmp_path / "model" / "meta.json").read_text(), parse_constant=refuse)
    assert meta["ranker"] == "lightgbm"
    assert meta["metrics"]["valid_d0_new_recall@10"] is None
    assert meta["metrics"]["valid_d0_recall@10"] > 0
