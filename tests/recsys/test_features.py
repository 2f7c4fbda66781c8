from __future__ import annotations

import numpy as np
import pytest

from recsys import features
from recsys.features import FEATURES


@pytest.mark.parametrize("n_rows", [0, 1, 4, 10])
def test_rows_of_fills_blocks_exactly_like_whole_columns(n_rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "FILL_BLOCK", 4)  # 10 rows: two full blocks and a partial one
    rng = np.random.default_rng(0)
    columns = {name: rng.normal(size=n_rows) * 10.0 ** (j % 6) for j, name in enumerate(FEATURES)}
    columns[FEATURES[1]][::3] = np.nan
    expected = np.empty((n_rows, len(FEATURES)), dtype=np.float32)
    for j, name in enumerate(FEATURES):
        expected[:, j] = columns[name]

    out = features._rows_of(columns)

    assert out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, expected)
