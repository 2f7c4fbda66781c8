"""`s2b generate` / `s2b llm status` through the CLI, against a scripted OpenAI-compatible endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.generators.common import _catalog_cache
from core.db import Store
from core.settings import load_settings
from core.tables import GeneratedContent
from tests.assistant.generators.fakes import js, seed
from tests.assistant.llm.fake_openai_server import FakeOpenAI


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    monkeypatch.setenv("S2B_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("S2B_EMBEDDER", "hash")
    monkeypatch.setenv("S2B_LLM_BASE_URL", server.url + "/v1")
    monkeypatch.setenv("S2B_LLM_MODEL", "scripted")
    _catalog_cache.clear()
    store = Store.from_settings(load_settings())
    seed(store)
    store.dispose()
    yield server
    server.close()


def test_generate_copy_json_and_save(fake: FakeOpenAI) -> None:
    fake.replies = [js({"variants": ["A showpiece for tea time!"]})]
    args = ["generate", "copy", "--merchant", "m-en", "--sku", "22423", "--lang", "en", "--variants", "1"]
    result = CliRunner().invoke(app, [*args, "--channel", "sms", "--json", "--save"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text"] == "A showpiece for tea time!\nRegency Cakestand 3 Tier £24.99"
    assert data["grounding"]["passed"] and not data["flagged"]
    assert (data["prompt_id"], data["model"], data["items"][0]["retail_price"]) == ("copy", "scripted", "24.99")
    assert data["latency_s"] >= 0 and data["saved_id"] >= 1
    store = Store.from_settings(load_settings())
    with store.session() as s:
        assert s.scalars(select(GeneratedContent.kind)).all() == ["copy"]
    store.dispose()


def test_generate_unknown_sku_exits_1(fake: FakeOpenAI) -> None:
    result = CliRunner().invoke(app, ["generate", "copy", "--merchant", "m-en", "--sku", "NOPE1"])
    assert result.exit_code == 1


def test_llm_status_json_for_remote(fake: FakeOpenAI) -> None:
    result = CliRunner().invoke(app, ["llm", "status", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"] == "scripted"
