"""The batch job's bulk write: rows read back through the ORM exactly as written, on every backend."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from core.db import Store
from core.tables import BatchShard
from core.tables import RestockList as RestockRow
from recsys.batch import _write_shard, finished_shards
from recsys.service import RestockService


def test_write_shard_stores_json_lists_dates_and_progress(store: Store, tmp_path: Path) -> None:
    service = RestockService(store, tmp_path / "models")
    items = [{"sku": "85123A", "quantity": 24, "expected_reorder_date": "2011-12-20", "score": 1.5, "reason": {}}]
    lists = {"12347": items, "12348": [], "ünïcode-id": items[::-1]}
    _write_shard(service, "run", 2, 4, date(2011, 12, 9), "v1", lists)
    _write_shard(service, "rerun", 1, 4, date(2011, 12, 9), "v1", {"12347": []})  # replaces the row
    with store.session() as session:
        rows = session.execute(select(RestockRow).order_by(RestockRow.merchant_id)).scalars().all()
        got = {r.merchant_id: (r.as_of, r.model_version, r.items, r.created_at) for r in rows}
        shards = session.execute(select(BatchShard.merchants)).scalars().all()
    assert {mid: value[2] for mid, value in got.items()} == {"12347": [], "12348": [], "ünïcode-id": items}
    assert all(value[0] == date(2011, 12, 9) and value[1] == "v1" for value in got.values())
    assert all(isinstance(value[3], datetime) for value in got.values())
    assert sorted(shards) == [1, 3]
    assert finished_shards(service, "run") == {2} and finished_shards(service, "rerun") == {1}
