"""The chat-model interface every backend implements, and the scripted fake used by unit tests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ChatMessage:
    role: str  # system | user | assistant
    content: str


@dataclass
class Completion:
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    first_token_seconds: float | None = None

    def json(self) -> Any:
        return json.loads(self.text)


class LLMError(RuntimeError):
    """The model endpoint failed or is unreachable (message says what to check)."""


class ChatModel(Protocol):
    """One interface over every backend. `json_schema` asks for schema-constrained JSON output."""

    @property
    def model_name(self) -> str: ...

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.2,
    ) -> Completion: ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        json_schema: dict[str, Any] | None = None,
    ) -> Iterator[str]: ...


@dataclass
class FakeChatModel:
    """Scripted model for unit tests: returns queued replies in order and records every call."""

    replies: list[str] = field(default_factory=list)
    name: str = "fake-model"
    calls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def model_name(self) -> str:
        return self.name

    def _next(self, messages: Sequence[ChatMessage], **kwargs: Any) -> str:
        self.calls.append({"messages": list(messages), **kwargs})
        if not self.replies:
            raise LLMError("FakeChatModel has no scripted reply left")
        return self.replies.pop(0)

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.2,
    ) -> Completion:
        started = time.perf_counter()
        text = self._next(messages, json_schema=json_schema, max_tokens=max_tokens)
        return Completion(text=text, model=self.name, seconds=time.perf_counter() - started)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        json_schema: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        text = self._next(messages, json_schema=json_schema, max_tokens=max_tokens)
        for start in range(0, len(text), 8):
            yield text[start : start + 8]
