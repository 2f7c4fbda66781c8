"""The one ChatModel implementation: any OpenAI-compatible chat endpoint (the embedded llama.cpp server included).

Structured output goes through `response_format: json_schema` (llama.cpp turns it into a grammar), never native
tool calls. Requests carry `cache_prompt` so llama.cpp reuses the KV cache of a shared prompt prefix; prompts
keep their system part free of variables so that prefix is stable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # openai costs ~0.5 s to import: only commands that talk to a model pay for it
    import openai
    from openai.types.chat import ChatCompletionChunk

from assistant.llm.base import ChatMessage, Completion, LLMError


def _response_format(json_schema: dict[str, Any] | None) -> dict[str, Any]:
    if json_schema is None:
        return {}
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": json_schema, "strict": True},
        }
    }


@dataclass
class StreamStats:
    """Timings of the last `stream` call (time to first token, total)."""

    first_token_s: float | None = None
    total_s: float = 0.0
    chunks: int = 0


@dataclass
class OpenAIChatModel:
    """ChatModel over an OpenAI-compatible endpoint. `base_url` may be a callable (the local server's URL)."""

    base_url: str | Callable[[], str]
    model: str
    api_key: str = "not-needed"
    timeout_s: float = 120.0
    max_retries: int = 2
    local: bool = False
    extra_body: dict[str, Any] = field(default_factory=lambda: {"cache_prompt": True})
    on_close: Callable[[], None] | None = None
    runtime: object | None = None  # the LocalRuntime when this model owns the embedded server
    last_stream: StreamStats = field(default_factory=StreamStats)
    _client: openai.OpenAI | None = None
    _client_url: str | None = None

    @property
    def model_name(self) -> str:
        return self.model

    def _url(self) -> str:
        url = self.base_url() if callable(self.base_url) else self.base_url
        url = url.rstrip("/")
        return url if url.endswith("/v1") else url + "/v1"

    def client(self) -> openai.OpenAI:
        import openai

        url = self._url()
        if self._client is None or self._client_url != url:
            self._client = openai.OpenAI(
                base_url=url, api_key=self.api_key, timeout=self.timeout_s, max_retries=self.max_retries
            )
            self._client_url = url
        return self._client

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.2,
    ) -> Completion:
        import openai

        kwargs = _response_format(json_schema)
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                response = self.client().chat.completions.create(
                    model=self.model,
                    messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
                    max_tokens=max_tokens,
                    temperature=temperature,
                    extra_body=self.extra_body,
                    **kwargs,
                )
                break
            except openai.APIConnectionError as exc:
                # the local server may have died: the next client() call restarts it, so try once more
                if not (self.local and attempt == 1):
                    raise self._error(exc) from exc
            except openai.OpenAIError as exc:
                raise self._error(exc) from exc
        if not response.choices:
            raise LLMError(f"{self.model}: empty response (no choices)")
        usage = response.usage
        return Completion(
            text=response.choices[0].message.content or "",
            model=self.model,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            seconds=time.perf_counter() - started,
        )

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        json_schema: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        """Yield text chunks as they arrive; `last_stream` holds time to first token and total time."""
        import openai

        stats = StreamStats()
        self.last_stream = stats
        started = time.perf_counter()
        chunks: object = None
        try:
            chunks = self.client().chat.completions.create(
                model=self.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
                extra_body=self.extra_body,
                **_response_format(json_schema),
            )
            for chunk in cast("Iterable[ChatCompletionChunk]", chunks):
                if not chunk.choices:
                    continue
                piece = chunk.choices[0].delta.content
                if piece:
                    if stats.first_token_s is None:
                        stats.first_token_s = time.perf_counter() - started
                    stats.chunks += 1
                    yield piece
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc
        finally:
            stats.total_s = time.perf_counter() - started
            if isinstance(chunks, openai.Stream):  # a consumer that stops early (a loop guard) ends the generation
                chunks.close()

    def health(self) -> str:
        """Cheap liveness probe (GET /models); for the local model this also restarts a dead server."""
        import openai

        try:
            models = self.client().models.list()
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc
        served = ", ".join(m.id for m in models.data) or self.model
        return f"{served} at {self._client_url}"

    def _error(self, exc: Exception) -> LLMError:
        where = "the embedded local model server" if self.local else f"the LLM endpoint {self._client_url}"
        hint = "check `s2b llm status`" if self.local else "check S2B_LLM_BASE_URL, S2B_LLM_API_KEY and S2B_LLM_MODEL"
        return LLMError(f"{where} failed ({type(exc).__name__}: {exc}); {hint}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.on_close is not None:
            self.on_close()
