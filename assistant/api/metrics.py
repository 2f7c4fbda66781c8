"""A small Prometheus registry (counters and histograms, text exposition format 0.0.4), the request-metrics ASGI
middleware, and a ChatModel wrapper that records LLM tokens and latency.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.llm.base import ChatMessage, ChatModel, Completion

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
Labels = tuple[str, ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: Labels, extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


@dataclass
class Counter:
    name: str
    help: str
    labelnames: tuple[str, ...] = ()
    values: dict[Labels, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        with self.lock:
            self.values[labels] = self.values.get(labels, 0.0) + amount

    def get(self, *labels: str) -> float:
        return self.values.get(labels, 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self.lock:
            for labels, value in sorted(self.values.items()):
                lines.append(f"{self.name}{_labels(self.labelnames, labels)} {value:g}")
        return lines


@dataclass
class Histogram:
    name: str
    help: str
    labelnames: tuple[str, ...] = ()
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    series: dict[Labels, list[float]] = field(default_factory=dict)  # bucket counts..., +Inf count, sum
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, value: float, *labels: str) -> None:
        with self.lock:
            row = self.series.setdefault(labels, [0.0] * (len(self.buckets) + 2))
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    row[i] += 1
            row[-2] += 1
            row[-1] += value

    def count(self, *labels: str) -> float:
        row = self.series.get(labels)
        return row[-2] if row else 0.0

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self.lock:
            for labels, row in sorted(self.series.items()):
                for bound, n in zip(self.buckets, row, strict=False):
                    le = 'le="' + f"{bound:g}" + '"'
                    lines.append(f"{self.name}_bucket{_labels(self.labelnames, labels, le)} {n:g}")
                inf = 'le="+Inf"'
                lines.append(f"{self.name}_bucket{_labels(self.labelnames, labels, inf)} {row[-2]:g}")
                lines.append(f"{self.name}_count{_labels(self.labelnames, labels)} {row[-2]:g}")
                lines.append(f"{self.name}_sum{_labels(self.labelnames, labels)} {row[-1]:.6f}")
        return lines


class Metrics:
    """Every metric the service exports. One instance per app (no global registry)."""

    def __init__(self) -> None:
        self.requests = Counter("s2b_http_requests_total", "HTTP requests.", ("method", "route", "status"))
        self.latency = Histogram("s2b_http_request_seconds", "HTTP request latency (to the last byte).", ("route",))
        self.llm_calls = Counter("s2b_llm_calls_total", "LLM calls.", ("kind", "outcome"))
        self.llm_tokens = Counter("s2b_llm_tokens_total", "LLM tokens (stream chunks when not reported).", ("kind",))
        self.llm_latency = Histogram("s2b_llm_seconds", "LLM call latency.", ("kind",))
        self.llm_first_token = Histogram("s2b_llm_first_token_seconds", "LLM time to first streamed token.")
        self.chat_first_token = Histogram("s2b_chat_first_token_seconds", "POST /v1/chat time to first text event.")
        self.grounding_failures = Counter(
            "s2b_grounding_failures_total", "Generated text failing grounding.", ("kind",)
        )
        self.rate_limited = Counter("s2b_rate_limited_total", "Requests refused by the per-key rate limit.")
        self._all: list[Counter | Histogram] = [
            self.requests,
            self.latency,
            self.llm_calls,
            self.llm_tokens,
            self.llm_latency,
            self.llm_first_token,
            self.chat_first_token,
            self.grounding_failures,
            self.rate_limited,
        ]

    def render(self) -> str:
        lines: list[str] = []
        for metric in self._all:
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"


class RequestMetricsMiddleware:
    """Counts requests by route template (not raw path, so merchant ids do not explode the label set), into the
    metrics of the app's services (created in the lifespan)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            services = getattr(scope["app"].state, "services", None)
            if services is not None:
                template = getattr(scope.get("route"), "path", None) or "unmatched"
                services.metrics.requests.inc(scope["method"], template, str(status[0]))
                services.metrics.latency.observe(time.perf_counter() - started, template)


class MeteredChatModel:
    """Wraps any ChatModel; records calls, tokens and latency into Metrics."""

    def __init__(self, inner: ChatModel, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.2,
    ) -> Completion:
        started = time.perf_counter()
        try:
            result = self.inner.complete(
                messages, json_schema=json_schema, max_tokens=max_tokens, temperature=temperature
            )
        except Exception:
            self.metrics.llm_calls.inc("complete", "error")
            raise
        self.metrics.llm_calls.inc("complete", "ok")
        self.metrics.llm_tokens.inc("prompt", amount=result.prompt_tokens)
        self.metrics.llm_tokens.inc("completion", amount=result.completion_tokens)
        self.metrics.llm_latency.observe(time.perf_counter() - started, "complete")
        return result

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        json_schema: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        started = time.perf_counter()
        chunks = 0
        kwargs: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature}
        if json_schema is not None:
            kwargs["json_schema"] = json_schema
        try:
            for chunk in self.inner.stream(messages, **kwargs):
                if chunks == 0:
                    self.metrics.llm_first_token.observe(time.perf_counter() - started)
                chunks += 1
                yield chunk
        except Exception:
            self.metrics.llm_calls.inc("stream", "error")
            raise
        self.metrics.llm_calls.inc("stream", "ok")
        self.metrics.llm_tokens.inc("stream_chunks", amount=chunks)
        self.metrics.llm_latency.observe(time.perf_counter() - started, "stream")
