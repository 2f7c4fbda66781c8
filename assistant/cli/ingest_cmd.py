"""`s2b ingest orders|catalog`."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import console, print_json, progress_bar, store_or_exit
from ingestion.formats import FormatError

ingest_app = typer.Typer(help="Load feeds into the store.", no_args_is_help=True)


@ingest_app.command("orders")
def ingest_orders_cmd(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, CSV.gz or Parquet order lines")],
    fmt: Annotated[str, typer.Option("--format", help="online-retail | online-retail-ii | auto")] = "auto",
    mapping: Annotated[Path | None, typer.Option(exists=True, help="YAML/JSON column mapping for other feeds")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Ingest merchant purchase orders; bad rows are quarantined with their reason.

    Re-running a file adds nothing twice and applies today's product and title rules to what an earlier release
    stored from it (relabelled_lines, removed_products).

    Examples:\n
      s2b ingest orders data/online_retail/online_retail.csv.gz\n
      s2b ingest orders feed.parquet --mapping my_feed.yaml --json
    """
    import time

    from ingestion.orders import store_orders
    from ingestion.parse import parse_orders

    store = store_or_exit()
    started = time.perf_counter()
    try:
        with console.status(f"reading {path.name}", spinner="dots") if not as_json else nullcontext():
            parsed = parse_orders(path, fmt, mapping)
        with progress_bar(f"storing {path.name}", len(parsed.lines), enabled=not as_json) as advance:
            summary = store_orders(store, parsed, progress=advance)
    except (FormatError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    summary.set_timing(time.perf_counter() - started)
    if as_json:
        print_json(summary.as_dict())
        return
    table = Table(title=f"ingested {summary.source}")
    table.add_column("what")
    table.add_column("value", justify="right")
    for key in (
        "rows_read",
        "stored",
        "new_lines",
        "rejected",
        "merchants",
        "products",
        "orders",
        "new_orders",
        "cancellation_lines",
        "anonymous_lines",
        "non_product_lines",
        "relabelled_lines",
        "removed_products",
        "seconds",
        "rows_per_second",
    ):
        table.add_row(key, f"{getattr(summary, key):,}")
    table.add_row("date_range", " … ".join(summary.date_range))
    table.add_row("dates read as", summary.date_order)
    table.add_row("encoding", summary.encoding)
    for reason, count in summary.rejected_by_reason.items():
        table.add_row(f"rejected: {reason}", f"{count:,}")
    console.print(table)


@ingest_app.command("catalog")
def ingest_catalog_cmd(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON-lines product feed")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Update S's products in place from a product feed (sku, title, description, category, price, stock,
    currency, active); every changed field is recorded in product_changes.

    Example:\n
      s2b ingest catalog feeds/catalog.jsonl --json
    """
    from ingestion.catalog import ingest_catalog

    store = store_or_exit()
    try:
        summary = ingest_catalog(store, path)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if as_json:
        print_json(summary)
    else:
        for key, value in summary.items():
            console.print(f"{key}: {value}")
