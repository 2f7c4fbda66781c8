from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.llm.base import FakeChatModel
from core.db import Store
from core.settings import Settings
from tests.assistant.api.fakes import Harness, build_harness


@pytest.fixture
def llm() -> FakeChatModel:
    return FakeChatModel()


@pytest.fixture
def harness(settings: Settings, store: Store, llm: FakeChatModel) -> Harness:
    return build_harness(settings, store, llm, demo_merchant="12583")


@pytest.fixture
def client(harness: Harness) -> Iterator[TestClient]:
    with TestClient(harness.app) as test_client:
        yield test_client
