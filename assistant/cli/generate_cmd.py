"""`s2b generate restock|copy|reply`: grounded drafts from the command line (`--json` for the full model)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from assistant.cli.common import console, eval_app, print_json, print_rows, settings_or_exit, store_or_exit
from assistant.generators.common import GenerationError
from assistant.generators.copy import CHANNELS, generate_copy
from assistant.generators.deps import GeneratorDeps
from assistant.generators.drafts import CopyDraft, ReplyDraft, RestockDraft
from assistant.generators.persist import save_draft
from assistant.generators.reply import generate_reply
from assistant.generators.restock import generate_restock
from assistant.generators.wiring import make_deps
from assistant.llm.base import LLMError
from assistant.llm.factory import start_local_model
from assistant.llm.openai_chat import OpenAIChatModel

generate_app = typer.Typer(
    help="Grounded drafts: restock lists, marketing copy, customer replies.", no_args_is_help=True
)


def _deps() -> GeneratorDeps:
    settings = settings_or_exit()
    return make_deps(settings, store_or_exit(settings))


def _close(deps: GeneratorDeps) -> None:
    close = getattr(deps.llm, "close", None)
    if callable(close):
        close()


def _emit(
    deps: GeneratorDeps, draft: RestockDraft | CopyDraft | ReplyDraft, kind: str, as_json: bool, save: bool
) -> None:
    saved = save_draft(deps.store, draft.merchant_id, kind, draft) if save else None
    if as_json:
        data = draft.model_dump(mode="json")
        data["saved_id"] = saved
        print_json(data)
        return
    if isinstance(draft, CopyDraft):
        for n, variant in enumerate(draft.variants, 1):
            typer.echo(f"--- variant {n} ({variant.chars} chars) ---\n{variant.text}")
    else:
        typer.echo(draft.text)
    status = "[red]FLAGGED[/red]" if draft.flagged else "[green]grounded[/green]"
    console.print(
        f"{status} attempts={draft.attempts} prompt={draft.prompt_id} v{draft.prompt_version} model={draft.model} "
        f"latency={draft.latency_s:.1f}s first_token={draft.first_token_s}s"
        + (f" saved_id={saved}" if saved is not None else "")
    )
    for problem in draft.grounding.problems:
        console.print(f"  [red]- {problem}[/red]")
    if isinstance(draft, ReplyDraft) and draft.needs_human:
        console.print(f"[yellow]needs a human: {'; '.join(draft.needs_human_reasons)}[/yellow]")


def _run(kind: str, as_json: bool, save: bool, build: object) -> None:
    deps = _deps()
    try:
        draft = build(deps)  # type: ignore[operator]
        _emit(deps, draft, kind, as_json, save)
    except (GenerationError, LLMError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        _close(deps)


@generate_app.command("restock")
def restock_cmd(
    merchant: str = typer.Option(..., "--merchant", help="Merchant id"),
    lang: str = typer.Option(None, "--lang", help="zh|en (default: the merchant's language)"),
    k: int = typer.Option(10, "--k", help="Items on the list"),
    as_json: bool = typer.Option(False, "--json"),
    save: bool = typer.Option(False, "--save", help="Store the draft in generated_content"),
) -> None:
    """A restock list with the model's summary and reasons; numbers from the recommender and the catalog."""
    _run("restock", as_json, save, lambda deps: generate_restock(deps, merchant, lang=lang, k=k))


@generate_app.command("copy")
def copy_cmd(
    merchant: str = typer.Option(..., "--merchant"),
    sku: list[str] = typer.Option(None, "--sku", help="SKU to promote (repeat); default: the recommender's picks"),
    channel: str = typer.Option("wechat_moments", "--channel", help=" | ".join(CHANNELS)),
    lang: str = typer.Option("zh", "--lang", help="zh|en"),
    tone: str = typer.Option("friendly", "--tone"),
    max_chars: int = typer.Option(None, "--max-chars"),
    variants: int = typer.Option(3, "--variants", min=1, max=5),
    theme: str = typer.Option(
        None, "--theme", help='occasion to write for ("Mother\'s Day", 母亲节); without --sku it picks the products'
    ),
    as_json: bool = typer.Option(False, "--json"),
    save: bool = typer.Option(False, "--save"),
) -> None:
    """Marketing copy variants quoting the merchant's retail prices."""
    _run(
        "copy", as_json, save,
        lambda deps: generate_copy(deps, merchant, skus=sku or None, channel=channel, lang=lang, tone=tone,
                                   max_chars=max_chars, variants=variants, theme=theme),
    )  # fmt: skip


@generate_app.command("reply")
def reply_cmd(
    merchant: str = typer.Option(..., "--merchant"),
    message: str = typer.Option(..., "--message", help="The consumer's message"),
    order: str = typer.Option(None, "--order", help="Order id the message refers to"),
    lang: str = typer.Option(None, "--lang", help="zh|en (default: the message's language)"),
    as_json: bool = typer.Option(False, "--json"),
    save: bool = typer.Option(False, "--save"),
) -> None:
    """A reply draft in the consumer's language; needs_human when the data cannot answer."""
    _run("reply", as_json, save, lambda deps: generate_reply(deps, merchant, message, order_id=order, lang=lang))


@eval_app.command("generate")
def eval_generate(
    cases_dir: Path = typer.Option(None, "--cases", help="Folder of case YAML files (default: evals/generate/cases)"),
    only: str = typer.Option(None, "--only", help="Run only case ids containing one of these comma-separated texts"),
    out: Path = typer.Option(None, "--out", help="Write per-case results as JSON here"),
    merge: Path = typer.Option(
        None, "--merge", help="Earlier --out file: its cases not re-run here are added to the table"
    ),
) -> None:
    """Run the generator eval set against the configured model and print the table."""
    from assistant.generators.evaluation import CaseResult, load_cases, run_eval, summarize

    wanted = [w for w in (only or "").split(",") if w]
    cases = [c for c in load_cases(cases_dir) if not wanted or any(w in c["id"] for w in wanted)]
    earlier = [CaseResult(**r) for r in json.loads(merge.read_text())] if merge else []
    deps = _deps()
    try:
        start_local_model(deps.llm) if isinstance(deps.llm, OpenAIChatModel) else None

        def show(result: Any) -> None:
            mark = "ok" if result.grounded and result.schema_valid else ("FLAGGED" if result.flagged else "FAIL")
            console.print(
                f"{result.id:<34} {mark:<8} attempts={result.attempts} invented={result.invented} "
                f"lang={'ok' if result.language_ok else 'WRONG'} trap={result.trap_ok} "
                f"ttft={result.first_token_s}s total={result.latency_s:.1f}s {'; '.join(result.problems)[:160]}"
            )

        results = run_eval(deps, cases, on_result=show)
    finally:
        _close(deps)
    rerun = {r.id for r in results}
    results = [r for r in earlier if r.id not in rerun] + results
    print_rows(f"s2b eval generate — {len(results)} cases, model {deps.llm.model_name}", summarize(results))
    if out:
        out.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2, default=str))
