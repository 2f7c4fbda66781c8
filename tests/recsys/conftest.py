"""Restock recommender fixtures: the sample purchase events, one trained model, writable store copies."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.db import Store
from ingestion.parse import parse_orders
from recsys.data import purchase_events
from recsys.model import RestockModel

FIXTURE_ORDERS = Path(__file__).resolve().parents[1] / "fixtures" / "orders_sample.csv.gz"


@pytest.fixture(scope="session")
def sample_lines() -> pd.DataFrame:
    return parse_orders(FIXTURE_ORDERS).lines


@pytest.fixture(scope="session")
def sample_events(sample_lines: pd.DataFrame) -> pd.DataFrame:
    return purchase_events(sample_lines)


@pytest.fixture(scope="session")
def sample_cutoff(sample_lines: pd.DataFrame) -> date:
    return pd.Timestamp(sample_lines["ordered_at"].max()).date() + timedelta(days=1)


@pytest.fixture(scope="session")
def sample_model(sample_events: pd.DataFrame, sample_cutoff: date) -> RestockModel:
    return RestockModel.fit(sample_events, sample_cutoff)


@pytest.fixture(scope="session")
def shared_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model folder for the session: store copies hold the same data, so the trained model is reused."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def store_copy(sample_store: Store, tmp_path: Path) -> Iterator[Store]:
    """A writable copy of the session's sample store (SQLite online backup, WAL included)."""
    source_path = sample_store.url.removeprefix("sqlite:///")
    target_path = tmp_path / "copy.db"
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    store = Store(f"sqlite:///{target_path}")
    yield store
    store.dispose()
