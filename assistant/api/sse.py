"""Server-sent events: the wire format, and the bridge from the agent's (blocking) event iterator to a stream."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from starlette.concurrency import iterate_in_threadpool

from assistant.api.metrics import Metrics

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


def format_event(event: str, data: dict[str, Any]) -> str:
    payload = json.dumps(data, ensure_ascii=False, default=str)
    return f"event: {event}\ndata: {payload}\n\n"


def parse_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """The inverse of format_event over a whole stream (used by tests and the benchmark)."""
    events = []
    for block in body.split("\n\n"):
        name, data = "message", ""
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
        if data:
            events.append((name, json.loads(data)))
    return events


async def stream_events(
    events: Iterator[tuple[str, dict[str, Any]]], metrics: Metrics, started: float
) -> AsyncIterator[str]:
    """Run the blocking agent turn in the thread pool, one event at a time, and frame each as SSE."""
    first_text = True
    try:
        async for name, data in iterate_in_threadpool(events):
            if name == "token" and first_text:
                metrics.chat_first_token.observe(time.perf_counter() - started)
                first_text = False
            yield format_event(name, data)
    except Exception as exc:  # the stream has started: report in-band, the widget shows it with a retry button
        yield format_event("error", {"code": "internal", "message": f"the turn failed: {exc}", "retryable": True})
