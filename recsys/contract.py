"""The file-to-file contract: order lines in, one JSON line of restock suggestions per merchant out.

`s2b recommend restock --orders FILE --k 20 --out PRED.jsonl` parses FILE with the ingestion rules
(Online Retail column names, same validation), trains on it without touching the configured store, and
writes, for every merchant present in FILE, sorted by merchant id:

    {"merchant_id": "12347", "items": ["85123A", ...], "quantities": [24, ...], "reasons": [{...}, ...],
     "expected_reorder_dates": ["2011-12-20", ...]}

Merchant ids as in the file (no trailing `.0`), SKUs upper-cased, as of the last date in FILE (orders
of that day included). Merchants present only through returns or non-product lines get the cold-start list.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.parse import parse_orders
from recsys.data import purchase_events
from recsys.model import RestockModel
from recsys.ranker import RankerParams
from recsys.restock import Suggestion, cold_start, suggest
from recsys.titles import titles_from_lines


@dataclass
class ContractSummary:
    orders: str
    out: str
    as_of: str
    merchants: int
    cold_start: int
    model_version: str
    seconds: float


def predict_lines(
    lines: pd.DataFrame, k: int, params: RankerParams | None = None
) -> tuple[dict[str, list[Suggestion]], RestockModel, int]:
    """Suggestions for every merchant in `lines` (parse_orders shape), as of the last date in it."""
    as_of = pd.Timestamp(lines["ordered_at"].max()).date()
    events = purchase_events(lines)
    if events.empty:
        raise ValueError("no purchases by identified merchants in the file: nothing to learn from")
    model = RestockModel.fit(events, as_of + timedelta(days=1), params, titles_from_lines(lines))
    index = model.history.merchant_index()
    present = sorted({str(mid) for mid in lines["merchant_id"].unique() if str(mid) != ""})
    known = np.array([index[mid] for mid in present if mid in index], dtype=np.int64)
    listed = suggest(model, known, k)
    popular = cold_start(model, k)
    result = {mid: listed.get(mid, popular) for mid in present}
    return result, model, sum(1 for mid in present if mid not in index)


def recommend_file(
    orders: Path, out: Path, *, k: int = 20, fmt: str = "auto", mapping: Path | None = None
) -> ContractSummary:
    started = time.perf_counter()
    lines = parse_orders(orders, fmt, mapping).lines
    result, model, cold = predict_lines(lines, k)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for mid, items in result.items():
            record = {
                "merchant_id": mid,
                "items": [s.sku for s in items],
                "quantities": [s.quantity for s in items],
                "reasons": [s.reason for s in items],
                "expected_reorder_dates": [s.expected_reorder_date.isoformat() for s in items],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return ContractSummary(
        orders=str(orders),
        out=str(out),
        as_of=pd.Timestamp(lines["ordered_at"].max()).date().isoformat(),
        merchants=len(result),
        cold_start=cold,
        model_version=model.version,
        seconds=round(time.perf_counter() - started, 3),
    )
