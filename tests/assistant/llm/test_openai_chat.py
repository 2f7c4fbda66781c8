from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant.llm.base import ChatMessage, LLMError
from assistant.llm.openai_chat import OpenAIChatModel
from tests.assistant.llm.fake_openai_server import FakeOpenAI


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    yield server
    server.close()


def test_complete_sends_schema_and_cache_prompt(fake: FakeOpenAI) -> None:
    fake.replies = ['{"answer": "yes"}']
    model = OpenAIChatModel(base_url=fake.url, model="m1", max_retries=0)
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    result = model.complete([ChatMessage("user", "hi")], json_schema=schema, max_tokens=9)
    assert result.json() == {"answer": "yes"}
    assert (result.model, result.prompt_tokens, result.completion_tokens) == ("m1", 7, 3)
    sent = fake.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"] == schema
    assert sent["cache_prompt"] is True
    assert sent["max_tokens"] == 9


def test_stream_yields_pieces_and_times_first_token(fake: FakeOpenAI) -> None:
    fake.replies = ["hello there, shop owner"]
    model = OpenAIChatModel(base_url=fake.url + "/v1", model="m1", max_retries=0)
    pieces = list(model.stream([ChatMessage("user", "hi")], json_schema={"type": "object"}))
    assert "".join(pieces) == "hello there, shop owner"
    assert len(pieces) > 1
    stats = model.last_stream
    assert stats.first_token_s is not None and 0 <= stats.first_token_s <= stats.total_s
    assert fake.requests[0]["stream"] is True
    assert "response_format" in fake.requests[0]


def test_base_url_callable_is_followed(fake: FakeOpenAI) -> None:
    calls = []

    def url() -> str:
        calls.append(1)
        return fake.url

    model = OpenAIChatModel(base_url=url, model="m1", max_retries=0)
    model.complete([ChatMessage("user", "a")])
    model.complete([ChatMessage("user", "b")])
    assert len(calls) == 2 and len(fake.requests) == 2


def test_unreachable_endpoint_raises_llm_error_naming_settings() -> None:
    model = OpenAIChatModel(base_url="http://127.0.0.1:9", model="m1", max_retries=0, timeout_s=2)
    with pytest.raises(LLMError, match="S2B_LLM_BASE_URL"):
        model.complete([ChatMessage("user", "hi")])
    with pytest.raises(LLMError):
        list(model.stream([ChatMessage("user", "hi")]))


def test_close_calls_owner_hook(fake: FakeOpenAI) -> None:
    closed = []
    model = OpenAIChatModel(base_url=fake.url, model="m1", on_close=lambda: closed.append(True))
    model.complete([ChatMessage("user", "hi")])
    model.close()
    assert closed == [True]
    assert json.loads(json.dumps(fake.requests[0]))["model"] == "m1"


def test_health_probe(fake: FakeOpenAI) -> None:
    assert OpenAIChatModel(base_url=fake.url, model="m1").health().startswith("fake-served at http://127.0.0.1:")
    with pytest.raises(LLMError):
        OpenAIChatModel(base_url="http://127.0.0.1:9", model="m1", max_retries=0, timeout_s=2).health()


def test_a_consumer_that_stops_early_ends_the_generation(fake: FakeOpenAI) -> None:
    # the chat's loop guard stops reading; the endpoint must not go on generating 220 tokens nobody reads
    fake.endless = True
    model = OpenAIChatModel(base_url=fake.url, model="m1", max_retries=0)
    stream = model.stream([ChatMessage("user", "hi")])
    assert [next(stream), next(stream)] == ["again ", "again "]
    stream.close()
    assert fake.hung_up.wait(timeout=5)
