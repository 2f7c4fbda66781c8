"""The batch job's bulk write: rows read back through the ORM exactly as written, on every backend."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

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


def test_a_shard_another_process_finished_first_is_skipped_not_a_crash(store: Store, tmp_path: Path) -> None:
    # two machines given the same --shard: the second crashed on the lists' keys with a traceback
    service = RestockService(store, tmp_path / "models")
    first = {"12347": [{"sku": "85123A"}], "12348": []}
    assert _write_shard(service, "run", 0, 2, date(2011, 12, 9), "v1", first)
    assert not _write_shard(service, "run", 0, 2, date(2011, 12, 9), "v1", {"12347": [], "12348": [], "12349": []})
    with store.session() as session:
        rows = session.execute(select(RestockRow.merchant_id, RestockRow.items)).all()
        shards = session.execute(select(BatchShard.shard, BatchShard.merchants)).all()
    assert sorted(rows) == [("12347", [{"sku": "85123A"}]), ("12348", [])] and shards == [(0, 2)]


def test_two_processes_writing_one_shard_at_once_leave_it_written_once(store: Store, tmp_path: Path) -> None:
    lists = {str(12000 + n): [{"sku": "85123A", "n": n}] for n in range(2000)}
    services = [RestockService(Store(store.url), tmp_path / "models") for _ in range(2)]
    start = threading.Barrier(2)

    def write(service: RestockService) -> bool:
        start.wait()
        return _write_shard(service, "run", 1, 2, date(2011, 12, 9), "v1", lists)

    try:
        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(write, services))
    finally:
        for service in services:
            service.store.dispose()
    assert outcomes == [False, True]
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(RestockRow)) == 2000
        assert session.execute(select(BatchShard.shard)).scalars().all() == [1]
