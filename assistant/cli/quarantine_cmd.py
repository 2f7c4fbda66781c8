"""`s2b rejected`: what ingestion left out (the quarantine), to fix and ingest again."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from assistant.cli.common import console, print_json, store_or_exit

if TYPE_CHECKING:
    from ingestion.quarantine import Rejected, RejectedCount

RAW_CHARS = 90  # of a row's fields shown in the table (--json and --out give them whole)


def rejected_cmd(
    source: Annotated[str | None, typer.Option(help="only files whose name contains this")] = None,
    reason: Annotated[str | None, typer.Option(help="only reasons that contain this, e.g. 'date'")] = None,
    limit: Annotated[int, typer.Option(min=0, help="rows to show after the counts (0: the counts only)")] = 20,
    out: Annotated[Path | None, typer.Option(dir_okay=False, help="write every matching row to this CSV")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the counts and rows as JSON")] = False,
) -> None:
    """Rows ingestion could not store: how many per file and reason, the first rows, and all of them with --out.

    A file ingested again replaces its rows here, so this is what the latest ingest of each file left out.

    Examples:\n
      s2b rejected\n
      s2b rejected --source online_retail --reason date --out dates_to_fix.csv
    """
    from ingestion.quarantine import rejected_counts, rejected_rows

    store = store_or_exit()
    counts = rejected_counts(store, source=source, reason=reason)
    shown = rejected_rows(store, source=source, reason=reason, limit=limit)
    if out is not None:
        _write_csv(out, rejected_rows(store, source=source, reason=reason))
    if as_json:
        print_json({"counts": [vars(c) for c in counts], "rows": [r.as_dict() for r in shown]})
        return
    if not counts:
        console.print("no rejected rows" + (" match" if source or reason else ""))
        return
    _print_counts(counts)
    if shown:
        _print_rows(shown, sum(c.rows for c in counts))
    if out is not None:
        console.print(f"wrote {sum(c.rows for c in counts):,} rows to {out}")


def _write_csv(path: Path, rows: list[Rejected]) -> None:
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["source", "row_number", "reason", "raw"])
            writer.writerows([r.source, r.row_number, r.reason, r.raw] for r in rows)
    except OSError as exc:
        console.print(f"[red]cannot write {path}: {exc.strerror}[/red]")
        raise typer.Exit(2) from exc


def _print_counts(counts: list[RejectedCount]) -> None:
    table = Table(title="rejected rows by file and reason")
    table.add_column("source")
    table.add_column("reason")
    table.add_column("rows", justify="right")
    for c in counts:
        table.add_row(c.source, c.reason, f"{c.rows:,}")
    console.print(table)


def _print_rows(rows: list[Rejected], total: int) -> None:
    table = Table(title=f"first {len(rows):,} of {total:,} rows")
    for name in ("source", "row", "reason", "fields"):
        table.add_column(name)
    for r in rows:
        raw = r.raw if len(r.raw) <= RAW_CHARS else r.raw[: RAW_CHARS - 1] + "…"
        table.add_row(r.source, str(r.row_number), r.reason, raw)
    console.print(table)
