"""Shared CLI plumbing: settings/store access with readable failures, progress bars, JSON output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.db import Store
from core.settings import Settings, SettingsError, load_settings

console = Console(stderr=True)
eval_app = typer.Typer(
    help="Offline evaluations: `s2b eval recsys`, `s2b eval search`, `s2b eval generate`, `s2b eval chat`.",
    no_args_is_help=True,
)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def store_or_exit(settings: Settings | None = None) -> Store:
    settings = settings or settings_or_exit()
    try:
        return Store.from_settings(settings)
    except Exception as exc:
        hint = " Write an @ in the password as %40." if settings.resolved_database_url.count("@") > 1 else ""
        console.print(
            f"[red]Cannot open the store at {settings.shown_database_url}: {exc}[/red]\n"
            "Fix: check S2B_DATABASE_URL (and that the database server is running), or unset it to use SQLite." + hint
        )
        raise typer.Exit(2) from exc


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool = True) -> Iterator[Any]:
    """Yield an `advance(n)` callable drawing a progress bar on stderr (silent when disabled)."""
    if not enabled:
        yield lambda n=1: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n=1: progress.advance(task, n)


def print_rows(title: str, rows: list[dict[str, str]]) -> None:
    """An eval's summary rows (same keys in each) as one wide table on stdout."""
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*row.values())
    Console(width=260).print(table)
