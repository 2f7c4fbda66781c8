"""`s2b llm status` and `s2b llm chat "..."`: check the configured model quickly."""

from __future__ import annotations

import time

import typer

from assistant.cli.common import console, print_json, settings_or_exit
from assistant.language import detect_language
from assistant.llm.base import LLMError
from assistant.llm.factory import local_runtime, local_threads, make_chat_model, start_local_model
from assistant.llm.packaged import PACKAGED_MODELS, installed_variants, model_path
from prompts.registry import PromptRegistry

llm_app = typer.Typer(help="The chat model: status and a quick chat.", no_args_is_help=True)


@llm_app.command("status")
def status(
    start: bool = typer.Option(False, "--start", help="Start the model and time a one-token request."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Which model is configured, whether its files are in place, and (with --start) whether it answers."""
    settings = settings_or_exit()
    info: dict[str, object] = {"endpoint": settings.llm_base_url or "embedded llama.cpp (127.0.0.1)"}
    if settings.llm_base_url is None:
        spec = PACKAGED_MODELS[settings.llm_local_variant]
        path = model_path(settings.home, spec)
        info.update(
            variant=spec.variant,
            model=spec.model_name,
            packages_installed=installed_variants(),
            model_file=str(path),
            model_file_ready=path.exists(),
            threads=local_threads(settings),
            context=settings.llm_context,
            install=spec.pip_command(),
        )
    else:
        info["model"] = settings.llm_model
    if start:
        try:
            model = make_chat_model(settings)
            started = time.perf_counter()
            start_local_model(model)
            info["start_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            reply = "".join(
                model.stream(PromptRegistry.load().get("chat").render("en", message="Say OK."), max_tokens=4)
            )
            info["ping"] = {"reply": reply, "first_token_s": model.last_stream.first_token_s,
                            "total_s": round(time.perf_counter() - started, 2)}  # fmt: skip
            runtime = local_runtime(model)
            if runtime and runtime.server:
                info["server"] = {"url": runtime.server.url, "pid": runtime.server.pid}
            model.close()
        except LLMError as exc:
            console.print(f"[red]{exc}[/red]")
            info["error"] = str(exc)
            if as_json:
                print_json(info)
            raise typer.Exit(1) from exc
    if as_json:
        print_json(info)
        return
    for key, value in info.items():
        typer.echo(f"{key:>20}: {value}")


@llm_app.command("chat")
def chat(
    message: str = typer.Argument(..., help="What to ask"),
    max_tokens: int = typer.Option(256, "--max-tokens"),
    turns: int = typer.Option(1, "--turns", help="Repeat the request to show the prompt cache at work"),
) -> None:
    """Stream a reply from the configured model; time to first token and total time go to stderr."""
    settings = settings_or_exit()
    model = make_chat_model(settings)
    lang = detect_language(message)
    messages = PromptRegistry.load().get("chat").render(lang, message=message)
    try:
        started = time.perf_counter()
        start_local_model(model)
        console.print(f"[dim]model ready in {time.perf_counter() - started:.1f}s ({model.model_name})[/dim]")
        for turn in range(turns):
            for piece in model.stream(messages, max_tokens=max_tokens):
                typer.echo(piece, nl=False)
            typer.echo("")
            stats = model.last_stream
            console.print(
                f"[dim]turn {turn + 1}: first token {stats.first_token_s or 0:.2f}s, total {stats.total_s:.2f}s, "
                f"{stats.chunks} chunks[/dim]"
            )
    except LLMError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        model.close()
