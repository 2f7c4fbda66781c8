"""Shared fixtures. Store tests run on SQLite always and on PostgreSQL when S2B_TEST_POSTGRES_URL is set
(an admin URL, e.g. postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres): each test then gets a
fresh database of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.db import Store
from core.settings import Settings, load_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_ADMIN_URL = os.environ.get("S2B_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env or S2B_* variables, except the ones it sets itself."""
    for name in list(os.environ):
        if name.startswith("S2B_") and name != "S2B_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sample_orders_path() -> Path:
    """A real slice of UCI Online Retail: 90 merchants' full histories plus 3,000 anonymous lines."""
    return FIXTURES / "orders_sample.csv.gz"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / ".s2b")


def _postgres_database() -> Iterator[str]:
    if not POSTGRES_ADMIN_URL:
        pytest.skip("set S2B_TEST_POSTGRES_URL to run the store tests on PostgreSQL")
    name = f"s2b_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store on each backend."""
    if request.param == "postgres":
        gen = _postgres_database()
        url = next(gen)
        db = Store(url)
        db.migrate()
        yield db
        db.dispose()
        gen.close()
        return
    db = Store(f"sqlite:///{tmp_path / 'store.db'}")
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    db = Store(f"sqlite:///{tmp_path / 'store.db'}")
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """SQLite store with the sample orders ingested once per session. Read-only for tests."""
    from ingestion.orders import ingest_orders

    path = tmp_path_factory.mktemp("sample") / "store.db"
    db = Store(f"sqlite:///{path}")
    db.migrate()
    ingest_orders(db, FIXTURES / "orders_sample.csv.gz")
    yield db
    db.dispose()
