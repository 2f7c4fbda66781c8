"""`s2b recommend restock`, `s2b batch restock` and `s2b eval recsys`."""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import console, eval_app, print_json, progress_bar, settings_or_exit, store_or_exit
from core.gcpause import frozen_gc
from recsys.list_date import check_list_date

recommend_app = typer.Typer(help="Restock recommendations.", no_args_is_help=True)
batch_app = typer.Typer(help="Batch jobs over every merchant.", no_args_is_help=True)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        console.print(f"[red]dates look like 2011-09-01, got {text!r}[/red]")
        raise typer.Exit(2) from exc
    try:
        return check_list_date(day)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@recommend_app.command("restock")
def recommend_restock(
    orders: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Order-line file: train on it, not the store")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="JSON-lines output (one line per merchant in --orders)")] = None,
    k: Annotated[int, typer.Option(min=1, max=500, help="Items per merchant")] = 20,
    merchant: Annotated[str | None, typer.Option(help="One merchant's list from the store (prints JSON)")] = None,
    as_of: Annotated[str | None, typer.Option(help="With --merchant: list as of this date (YYYY-MM-DD)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="online-retail | online-retail-ii | auto")] = "auto",
    mapping: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="With --orders: YAML/JSON column mapping")
    ] = None,
    rejected: Annotated[
        Path | None, typer.Option(help="With --orders: write the rows that fail validation here (JSON lines)")
    ] = None,
) -> None:
    """Restock lists: file to file (--orders FILE --out PRED.jsonl) or one merchant from the store (--merchant ID).

    Examples:\n
      s2b recommend restock --orders orders.csv.gz --k 20 --out pred.jsonl\n
      s2b recommend restock --orders feed.csv --mapping my_feed.yaml --rejected bad_rows.jsonl --out pred.jsonl\n
      s2b recommend restock --merchant 12347 --k 10
    """
    if orders is not None:
        from recsys.contract import recommend_file

        if out is None:
            console.print("[red]--orders needs --out PRED.jsonl[/red]")
            raise typer.Exit(2)
        for flag, target in (("--out", out), ("--rejected", rejected)):
            _exit_unless_writable(flag, target)
        try:
            with console.status(f"training on {orders.name}", spinner="dots"):
                summary = recommend_file(orders, out, k=k, fmt=fmt, mapping=mapping, rejected_out=rejected)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        merchants = f"{summary.merchants} merchant{'' if summary.merchants == 1 else 's'}"
        console.print(
            f"wrote {merchants} to {out} (as of {summary.as_of}, dates read as {summary.date_order},"
            f" {summary.cold_start} cold start, model {summary.model_version}, "
            f"{summary.seconds:.1f} s)"
        )
        if summary.encoding not in ("utf8", "parquet", "workbook"):
            console.print(f"the file is not UTF-8: read as {summary.encoding}")
        _print_rejected(summary.rejected_by_reason, summary.rejected_out)
        return
    if merchant is None:
        console.print("[red]give --orders FILE --out PRED.jsonl, or --merchant ID[/red]")
        raise typer.Exit(2)
    from assistant.pricing import merchant_exists
    from recsys.service import RestockService

    day = _date(as_of)
    settings = settings_or_exit()
    store = store_or_exit(settings)
    if not merchant_exists(store, merchant):
        console.print(f"[red]unknown merchant {merchant!r}: no orders in the store name it[/red]")
        raise typer.Exit(2)
    service = RestockService.from_settings(settings, store)
    # a model not yet cached for this date and data is trained first: seconds on the demo, minutes at scale
    with console.status("loading the orders and the restock model (trained if not cached)", spinner="dots"):
        result = service.restock_for(merchant, as_of=day, k=k)
    print_json(result.model_dump(mode="json"))


def _exit_unless_writable(flag: str, path: Path | None) -> None:
    """Fail before minutes of training, not after: the output must be a file in a folder that can be written."""
    if path is None:
        return
    problem = f"{path} is a folder; give a file name, e.g. {path / 'pred.jsonl'}" if path.is_dir() else ""
    if not problem:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = f"cannot create the folder {path.parent} ({exc.strerror})"
    if not problem and not os.access(path.parent, os.W_OK):
        problem = f"cannot write in {path.parent}"
    if problem:
        console.print(f"[red]{flag}: {problem}[/red]")
        raise typer.Exit(2)


def _print_rejected(by_reason: dict[str, int], written_to: str | None) -> None:
    if not by_reason:
        return
    counts = ", ".join(f"{count:,} {reason}" for reason, count in by_reason.items())
    where = f"; written to {written_to}" if written_to else "; --rejected FILE writes them out"
    console.print(f"[yellow]{sum(by_reason.values()):,} rows not used ({counts}){where}[/yellow]")


@batch_app.command("restock")
def batch_restock(
    as_of: Annotated[str | None, typer.Option(help="Lists as of this date (default: the last order date)")] = None,
    shard: Annotated[str | None, typer.Option(help="Run only shard I of N, e.g. 0/4 (for several machines)")] = None,
    k: Annotated[int, typer.Option(min=1, max=500, help="Items per merchant")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Compute and store restock lists for every merchant; re-running skips finished shards.

    Examples:\n
      s2b batch restock\n
      s2b batch restock --as-of 2011-11-30 --shard 1/4
    """
    from recsys.batch import parse_shard

    try:
        shard_spec = parse_shard(shard) if shard else None
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    # the ~150k objects of the imports, walked by every full collection otherwise: 0.2 s of the demo batch
    with frozen_gc():
        _batch_restock(as_of, shard_spec, k, as_json)


def _batch_restock(as_of: str | None, shard_spec: tuple[int, int] | None, k: int, as_json: bool) -> None:
    from recsys.batch import DEFAULT_SHARDS, pending_merchants, run_batch
    from recsys.service import RestockService

    settings = settings_or_exit()
    service = RestockService.from_settings(settings, store_or_exit(settings))
    started = time.perf_counter()
    with console.status("loading orders and the model", spinner="dots") if not as_json else _quiet():
        events = service.events()
        if events.empty:
            console.print("[red]no orders in the store: run `s2b ingest orders FILE` first[/red]")
            raise typer.Exit(2)
        loaded = time.perf_counter() - started
        day = _date(as_of) or service.default_as_of()
        _check_orders_before(day, events["ordered_at"].min().date())
        total = pending_merchants(service, day, shard_spec, DEFAULT_SHARDS, k)
    prepared = time.perf_counter() - started
    with progress_bar("restock lists", total, enabled=not as_json) as advance:
        summary = run_batch(service, as_of=day, shard=shard_spec, k=k, progress=advance)
    summary.seconds = round(prepared + summary.seconds, 3)
    summary.load_seconds = round(loaded, 3)
    summary.model_seconds = round(prepared - loaded, 3)
    if as_json:
        print_json(summary.as_dict())
        return
    table = Table(title="batch restock")
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in summary.as_dict().items():
        table.add_row(key, str(value))
    console.print(table)


def _check_orders_before(day: date, first_order: date) -> None:
    """Lists as of a day before the first stored order would be empty (a typo in the year trained an empty model
    and marked every shard finished with no merchant in it)."""
    if day < first_order:
        console.print(f"[red]--as-of {day}: the store has no orders before it (the first is on {first_order})[/red]")
        raise typer.Exit(2)


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def _is_demo_file(sha256: str) -> bool:
    """Whether a file's sha256 is the packaged demo file's (the data the project's settings were chosen on)."""
    from core.settings import Settings
    from ingestion.parse import file_sha256

    demo = Settings.model_fields["demo_data"].default
    return isinstance(demo, Path) and demo.is_file() and file_sha256(demo) == sha256


FEW_MERCHANTS = 100  # fewer evaluated merchants than this: the command says the intervals are wide


@eval_app.command("recsys")
def eval_recsys(
    cutoff: Annotated[
        list[str] | None,
        typer.Option(help="Cut-off date(s); repeat for several [default: 99 days before the last order: 2011-09-01]"),
    ] = None,
    orders: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Evaluate on this file instead of the store")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the markdown report and PNG plot")] = Path("out/eval_recsys"),
    k: Annotated[int, typer.Option(min=20, help="List length evaluated (metrics at 10 and 20)")] = 20,
) -> None:
    """Temporal-split evaluation: popularity, personal top-frequency, ALS alone, learned blend.

    Examples:\n
      s2b eval recsys\n
      s2b eval recsys --cutoff 2011-06-01 --cutoff 2011-09-01 --cutoff 2011-10-01 --out out/eval_recsys
    """
    from recsys.data import load_purchase_events, load_titles, purchase_events
    from recsys.evaluation import check_cutoff, default_cutoff, evaluate_cutoff
    from recsys.report import markdown_table, ratios, with_interval, write_report
    from recsys.titles import titles_from_lines

    data, on_demo = None, True
    if orders is not None:
        from ingestion.parse import parse_orders

        parsed = parse_orders(orders)
        events, titles = purchase_events(parsed.lines), titles_from_lines(parsed.lines)
        on_demo = _is_demo_file(parsed.sha256)
        data = f"`{orders.name}` (sha256 {parsed.sha256[:16]}…, {parsed.rows_read:,} rows read)"
        data += ", the demo data" if on_demo else ""
    else:
        settings = settings_or_exit()
        store = store_or_exit(settings)
        events, titles = load_purchase_events(store), load_titles(store)
        if events.empty:
            console.print(f"store is empty: evaluating on {settings.demo_data}")
            from ingestion.parse import parse_orders

            lines = parse_orders(settings.demo_data).lines
            events, titles = purchase_events(lines), titles_from_lines(lines)
    try:
        cutoffs = [d for d in (_date(c) for c in cutoff) if d is not None] if cutoff else [default_cutoff(events)]
        for day in cutoffs:
            check_cutoff(events, day)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    results = []
    for day in cutoffs:
        with console.status(f"evaluating cut-off {day}", spinner="dots"):
            result = evaluate_cutoff(events, day, k=k, titles=titles)
        results.append(result)
        typer.echo(f"\ncut-off {day} ({result.merchants} merchants)\n" + markdown_table(result))
        if result.merchants < FEW_MERCHANTS:
            few = f"only {result.merchants} merchants to test on: the ratios' intervals are wide"
            console.print(f"[yellow]{few}[/yellow]")
        shown = (f"{name} = {with_interval(result, name, value)}" for name, value in ratios(result).items())
        typer.echo("  " + ", ".join(shown))
    path = write_report(results, out, "s2b " + " ".join(sys.argv[1:]), data, on_demo=on_demo)
    console.print(f"report: {path} (plot: {out / 'recsys_eval.png'})")
