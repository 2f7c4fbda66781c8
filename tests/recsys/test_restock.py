from __future__ import annotations

import numpy as np
import orjson

from recsys.model import RestockModel
from recsys.restock import cold_start, suggest


def test_stored_json_of_a_suggestion_is_its_as_json(sample_model: RestockModel) -> None:
    """The batch writes Suggestion dataclasses with orjson directly: it must equal `as_json`, key order included."""
    merchants = np.arange(sample_model.history.n_merchants, dtype=np.int64)
    lists = suggest(sample_model, merchants, 20)
    listed = [item for items in lists.values() for item in items] + cold_start(sample_model, 5)
    kinds = {item.reason["kind"] for item in listed}
    assert {"repeat", "popular"} <= kinds
    for item in listed:
        assert orjson.dumps(item) == orjson.dumps(item.as_json())
        assert item.score == round(item.score, 6)
