"""`s2b eval chat`: the chat agent eval (assistant.agent.evaluation) against the configured model."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from assistant.cli.common import console, eval_app, print_rows, settings_or_exit, store_or_exit


@eval_app.command("chat")
def eval_chat(
    cases_file: Path = typer.Option(None, "--cases", help="Cases YAML (default: evals/chat/cases.yaml)"),
    only: str = typer.Option(None, "--only", help="Run only case ids containing one of these comma-separated texts"),
    out: Path = typer.Option(None, "--out", help="Write per-turn results as JSON here"),
) -> None:
    """One chat turn per case through the agent with the real model; prints the table, exits 1 below threshold."""
    from assistant.agent.agent import ChatAgent
    from assistant.agent.evaluation import TurnResult, load_cases, run_eval, summarize, verdict
    from assistant.agent.ports import GeneratorSuite
    from assistant.generators.wiring import make_deps
    from assistant.llm.factory import start_local_model
    from assistant.llm.openai_chat import OpenAIChatModel

    thresholds, cases = load_cases(cases_file)
    wanted = [w for w in (only or "").split(",") if w]
    cases = [c for c in cases if not wanted or any(w in c["id"] for w in wanted)]
    settings = settings_or_exit()
    deps = make_deps(settings, store_or_exit(settings))
    generators = GeneratorSuite(settings, deps.store, deps.llm, deps.restock, deps.search)
    agent = ChatAgent(deps.store, deps.restock, deps.search, deps.llm, generators)

    def show(r: TurnResult) -> None:
        mark = "ok" if r.route_ok and not r.error and not r.forbidden_shown and not r.failed_checks else "MISS"
        console.print(
            f"{r.id:<24} {mark:<5} {r.action:<15} err={r.error} numbers={len(r.invented_numbers)} "
            f"dropped={len(r.dropped)} forbidden={r.forbidden_shown} checks={r.failed_checks} total={r.total_s:.1f}s "
            f"| {r.model_text.strip()[:150]!r}"
        )

    try:
        start_local_model(deps.llm) if isinstance(deps.llm, OpenAIChatModel) else None
        results = run_eval(agent, cases, on_result=show)
    finally:
        close = getattr(deps.llm, "close", None)
        if callable(close):
            close()
    print_rows(f"s2b eval chat — {len(results)} turns, model {deps.llm.model_name}", summarize(results))
    if out:
        out.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2))
    misses = verdict(results, thresholds)
    console.print("[green]PASS[/green]" if not misses else f"[red]FAIL[/red]: {'; '.join(misses)}")
    if misses and not wanted:
        raise typer.Exit(1)
