"""Latency of the embedded model: start-up, chat-turn time to first token (cold vs cached system prompt) and
generation speed. Prints a table; the CPU load is printed with it. The three generators' first-token and total
latencies (median / p95 per generator) come from `s2b eval generate` (evals/generate/last_run.md).

    S2B_HOME=/tmp/you/.s2b .venv/bin/python benchmarks/llm_latency.py --turns 5 [--variant 0.5b]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from rich.console import Console
from rich.table import Table

from assistant.llm.factory import make_chat_model, start_local_model
from core.settings import load_settings
from prompts.registry import PromptRegistry

QUESTIONS = [
    ("en", "Which products should I restock before Christmas?"),
    ("zh", "圣诞节前我应该补哪些货？"),
    ("en", "How do I write a nice post for my customers?"),
    ("zh", "怎么给顾客写一条朋友圈？"),
]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def chat_turns(turns: int, variant: str | None) -> list[tuple[str, str]]:
    overrides = {"llm_local_variant": variant} if variant else {}
    settings = load_settings(**overrides)
    model = make_chat_model(settings)
    prompts = PromptRegistry.load().get("chat")
    rows = []
    started = time.perf_counter()
    start_local_model(model)
    rows.append(("model start (assemble if needed, load, warm-up)", f"{time.perf_counter() - started:.1f} s"))
    ttft: dict[bool, list[float]] = {False: [], True: []}
    speeds: list[float] = []
    for cached in (False, True):
        model.extra_body = {"cache_prompt": cached}
        for n in range(turns + (1 if cached else 0)):  # with the cache on, the first turn only primes it
            lang, question = QUESTIONS[n % len(QUESTIONS)]
            pieces = list(model.stream(prompts.render(lang, message=question), max_tokens=48, temperature=0.0))
            stats = model.last_stream
            if cached and n == 0:
                continue
            ttft[cached].append(stats.first_token_s or 0.0)
            if stats.total_s > (stats.first_token_s or 0) and len(pieces) > 1:
                speeds.append((len(pieces) - 1) / (stats.total_s - (stats.first_token_s or 0)))
    model.close()
    for cached, values in ttft.items():
        label = "on (system prompt reused)" if cached else "off (whole prompt re-read)"
        rows.append((f"chat turn first token, cache_prompt {label}, n={len(values)}: median / p95",
                     f"{statistics.median(values):.2f} / {p95(values):.2f} s"))  # fmt: skip
    if speeds:
        rows.append(("generation speed (chunks/s ≈ tokens/s), median", f"{statistics.median(speeds):.1f}"))
    rows.append(("model", model.model_name))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--variant", choices=["1.5b", "0.5b"], default=None)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = chat_turns(args.turns, args.variant)
    rows.append(
        (
            "load average (1 min) before / after",
            f"{load_before:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores",
        )
    )
    table = Table(title="s2b embedded LLM latency")
    table.add_column("measure")
    table.add_column("value")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main()
