"""Build the configured ChatModel: a remote OpenAI-compatible endpoint, or the embedded local model.

    model = make_chat_model(settings)   # cheap: nothing starts until the first request (or model.start())
    ...
    model.close()                       # stops the embedded server if this model owns one

The HTTP service calls `start_local_model(model)` in its lifespan to pay the start-up at boot, not on a request.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from assistant.llm.base import ChatMessage, LLMError
from assistant.llm.local_server import LocalLlamaServer
from assistant.llm.openai_chat import OpenAIChatModel
from assistant.llm.packaged import ensure_local_model, packaged_model
from core.settings import Settings


@dataclass
class LocalRuntime:
    """Lazily assembles the packaged model and supervises its server (thread-safe)."""

    settings: Settings
    server: LocalLlamaServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def alias(self) -> str:
        return self.settings.llm_model or packaged_model(self.settings.llm_local_variant).model_name

    def url(self) -> str:
        with self._lock:
            if self.server is None:
                path = ensure_local_model(self.settings.ensure_home(), self.settings.llm_local_variant)
                self.server = LocalLlamaServer(
                    model_path=path,
                    alias=self.alias,
                    threads=local_threads(self.settings),
                    context=self.settings.llm_context,
                )
            server = self.server
        return server.ensure()

    def stop(self) -> None:
        with self._lock:
            if self.server is not None:
                self.server.stop()


def local_threads(settings: Settings) -> int:
    """Threads for the local model: S2B_LLM_THREADS (default 2), at most the machine's cores.

    Measured with `benchmarks/api_chat_ttft.py` on an otherwise idle 2-core machine, 2 threads against 1: a routed
    chat turn's first model token 6.4 s vs 12.4 s, whole turn 7.9 s vs 23.2 s (medians of 5). On a machine whose
    cores are busy with other work, 2 threads stall on each other (~1 token/s against ~4.5 with 1 thread measured
    under load): set S2B_LLM_THREADS=1 there.
    """
    return max(1, min(settings.llm_threads, os.cpu_count() or 1))


def make_chat_model(settings: Settings) -> OpenAIChatModel:
    """The ChatModel for these settings. With no S2B_LLM_BASE_URL it runs the embedded local model."""
    if settings.llm_base_url:
        if not settings.llm_model:
            raise LLMError("S2B_LLM_BASE_URL is set but S2B_LLM_MODEL is not: name the model the endpoint serves")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
        return OpenAIChatModel(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=key,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            extra_body={},
        )
    runtime = LocalRuntime(settings)
    return OpenAIChatModel(
        base_url=runtime.url,
        model=runtime.alias,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        local=True,
        on_close=runtime.stop,
        runtime=runtime,
    )


def local_runtime(model: OpenAIChatModel) -> LocalRuntime | None:
    runtime = model.runtime
    return runtime if isinstance(runtime, LocalRuntime) else None


def start_local_model(model: OpenAIChatModel, *, warm_prompts: list[list[ChatMessage]] | None = None) -> None:
    """Start the embedded server now (no-op for remote endpoints) and warm it with one tiny request each prompt."""
    if local_runtime(model) is None:
        return
    model.client()
    for messages in warm_prompts or [[ChatMessage("user", "hi")]]:
        model.complete(messages, max_tokens=1, temperature=0.0)
