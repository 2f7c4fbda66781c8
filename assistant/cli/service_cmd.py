"""`s2b serve` (the HTTP service with the demo page) and `s2b keys create|list|revoke` (API keys)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select

from assistant.cli.common import console, print_json, progress_bar, settings_or_exit, store_or_exit
from core.db import Store
from core.settings import Settings
from core.tables import Order

keys_app = typer.Typer(
    help="API keys: `s2b keys create --merchant ID` or `--role marketing|admin`.", no_args_is_help=True
)


def _demo_data_ready(settings: Settings, store: Store) -> None:
    """The demo data loaded into an empty store; in a filled one, files ingested under older rules brought up to
    date (`_bring_up_to_date`)."""
    with store.session() as session:
        orders = session.scalar(select(func.count()).select_from(Order)) or 0
    if orders:
        _bring_up_to_date(settings, store)
        return
    if not settings.demo_data.exists():
        console.print(
            f"[yellow]The store is empty and the demo data {settings.demo_data} is missing; starting without data. "
            "Load orders with `s2b ingest orders FILE`.[/yellow]"
        )
        return
    from ingestion.orders import ingest_orders

    console.print(f"First run: loading the demo data {settings.demo_data.name} into {settings.shown_database_url}")
    with progress_bar("ingest demo orders", None) as advance:
        summary = ingest_orders(store, settings.demo_data, progress=advance)
    console.print(
        f"loaded {summary.stored:,} order lines of {summary.merchants:,} merchants in {summary.seconds:.1f} s"
    )


def _bring_up_to_date(settings: Settings, store: Store) -> None:
    """Files ingested under older product rules: the packaged demo file is ingested again (a few seconds), others
    get the command that does it (`ingestion.reingest`)."""
    from ingestion.orders import RULES, ingest_orders
    from ingestion.parse import file_sha256
    from ingestion.reingest import under_older_rules

    stale = under_older_rules(store, RULES)
    demo_sha = file_sha256(settings.demo_data) if stale and settings.demo_data.exists() else ""
    for stored in stale:
        if stored.sha256 != demo_sha:
            console.print(
                f"[yellow]{stored.source} was ingested under older product rules: run `s2b ingest orders "
                f"<path to {stored.source}>` again to apply today's (a fee told by its title, a product titled by "
                "its sales).[/yellow]"
            )
            continue
        with progress_bar("re-ingest the demo orders under today's rules", None) as advance:
            summary = ingest_orders(store, settings.demo_data, progress=advance)
        console.print(
            f"{stored.source} was ingested under older product rules, now applied: lines relabelled as non-products "
            f"{summary.relabelled_lines:,}, products removed {summary.removed_products:,}, retitled "
            f"{summary.updated_products:,}"
        )


def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default S2B_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default S2B_PORT, 8000)")] = None,
    demo: Annotated[
        bool,
        typer.Option(help="load the demo data if the store is empty (again if older rules loaded it); the demo key"),
    ] = True,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Start the service: API under /v1, docs at /docs, the widget demo page at /.

    Embedded defaults: SQLite and the vector index under S2B_HOME, the packaged local LLM on 127.0.0.1.
    """
    import uvicorn

    from assistant.api.app import create_app

    settings = settings_or_exit()
    store = store_or_exit(settings)
    if demo:
        _demo_data_ready(settings, store)
    store.dispose()
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(f"s2b: starting on http://{bind_host}:{bind_port}/  (API docs: /docs)")
    uvicorn.run(create_app(settings, demo=demo), host=bind_host, port=bind_port, log_level=log_level)


@keys_app.command("create")
def create(
    merchant: Annotated[
        str | None, typer.Option("--merchant", help="merchant id: a key that sees only this merchant")
    ] = None,
    role: Annotated[
        str | None, typer.Option(help="merchant | marketing | admin (default: merchant with --merchant)")
    ] = None,
    label: Annotated[str, typer.Option(help="a note to recognise the key by")] = "",
    rate_limit: Annotated[
        int | None, typer.Option(help="requests per minute (default S2B_RATE_LIMIT_PER_MINUTE)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Create an API key and print it once (only its sha256 hash is stored).

    Examples:\n
      s2b keys create --merchant 12583\n
      s2b keys create --role marketing --label "campaign team"
    """
    from assistant.keys import KeyCreationError, create_key

    if not role and not merchant:
        console.print("[red]name whom the key is for: --merchant ID, or --role marketing|admin[/red]")
        raise typer.Exit(2)
    store = store_or_exit()
    try:
        created = create_key(
            store,
            role=role or "merchant",
            merchant_id=merchant,
            label=label,
            rate_limit_per_minute=rate_limit,
        )
    except KeyCreationError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    p = created.principal
    if as_json:
        print_json({"key": created.key, "id": p.key_id, "role": p.role, "merchant_id": p.merchant_id})
        return
    scope = f"merchant {p.merchant_id}" if p.merchant_id else "all merchants"
    console.print(f"created key #{p.key_id}: role {p.role}, {scope}. It is shown only now; store it safely:")
    typer.echo(created.key)


@keys_app.command("revoke")
def revoke(key_id: Annotated[int, typer.Argument(help="the key's id (#N printed at creation)")]) -> None:
    """Revoke a key: it stops working at once."""
    from assistant.keys import revoke_key

    if not revoke_key(store_or_exit(), key_id):
        console.print(f"[red]no active key #{key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"key #{key_id} revoked")


@keys_app.command("list")
def list_cmd(
    include_revoked: Annotated[bool, typer.Option("--all", help="revoked keys too")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The keys (active ones unless --all): id, first characters, role, merchant, label. Keys themselves are
    never stored, so they cannot be shown again."""
    from assistant.keys import list_keys

    keys = list_keys(store_or_exit(), include_revoked=include_revoked)
    if as_json:
        print_json([vars(k) for k in keys])
        return
    if not keys:
        console.print("no keys" if include_revoked else "no active keys (--all shows revoked ones)")
        return
    table = Table(title="API keys")
    names = ["id", "starts", "role", "merchant", "label", "per minute", "created (UTC)"]
    for name in names + ["revoked (UTC)"] * include_revoked:
        table.add_column(name)
    for k in keys:
        limit = str(k.rate_limit_per_minute or "default")
        row = [f"#{k.id}", f"{k.prefix}…", k.role, k.merchant_id or "all", k.label, limit, _when(k.created_at)]
        table.add_row(*row, *([_when(k.revoked_at)] * include_revoked))
    console.print(table)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(sep=" ", timespec="minutes") if moment else ""
