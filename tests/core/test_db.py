from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.util.exc import CommandError
from sqlalchemy import inspect, text

from core.db import Store, current_revision, head_revision
from tests.conftest import _postgres_database

EXPECTED_TABLES = {
    "products",
    "product_changes",
    "merchants",
    "merchant_prices",
    "orders",
    "order_lines",
    "rejected_rows",
    "ingest_runs",
    "restock_lists",
    "batch_shards",
    "generated_content",
    "conversations",
    "messages",
    "api_keys",
}


def test_migrations_create_every_table_and_are_idempotent(store: Store) -> None:
    store.migrate()  # a second run is a no-op
    tables = set(inspect(store.engine).get_table_names())
    assert tables >= EXPECTED_TABLES
    assert "alembic_version" in tables
    assert current_revision(store.engine) == head_revision() == "0001"


def test_migrate_upgrades_a_database_behind_head(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    store.migrate()
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'stale'"))
    assert current_revision(store.engine) == "stale"
    with pytest.raises(CommandError):  # an unknown revision goes to Alembic, which refuses loudly
        store.migrate()


def test_session_rolls_back_on_error(store: Store) -> None:
    from datetime import datetime

    from core.tables import Merchant

    try:
        with store.session() as session:
            session.add(Merchant(id="m1", name="x", created_at=datetime(2024, 1, 1)))
            session.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with store.session() as session:
        assert session.get(Merchant, "m1") is None


@pytest.mark.postgres
def test_processes_starting_together_on_an_empty_postgres_database_all_migrate_it() -> None:
    # API replicas and batch workers starting at once: the losers failed on a duplicate key in pg_type
    databases = _postgres_database()
    url = next(databases)
    stores = [Store(url) for _ in range(4)]
    start = threading.Barrier(len(stores))

    def migrate(store: Store) -> str | None:
        start.wait()
        store.migrate()
        return current_revision(store.engine)

    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            assert list(pool.map(migrate, stores)) == [head_revision()] * len(stores)
    finally:
        for store in stores:
            store.dispose()
        databases.close()
