"""`s2b search`, `s2b index` and `s2b eval search`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.cli.common import console, eval_app, print_json, progress_bar, settings_or_exit, store_or_exit
from core.settings import Settings

if TYPE_CHECKING:
    from ingestion.vectors.indexing import SyncReport
    from recsys.search.service import SearchService

out = Console(width=None if sys.stdout.isatty() else 140)  # results to stdout; progress and errors to stderr


def _service(settings: Settings, embedder: str | None = None, index_backend: str | None = None) -> SearchService:
    from ingestion.vectors.embedders import EmbedderError
    from recsys.search.service import SearchService

    if embedder:
        settings = settings.model_copy(update={"embedder": embedder})
    store = store_or_exit(settings)
    try:
        return SearchService.from_settings(settings, store, index_backend=index_backend)
    except EmbedderError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _sync(service: SearchService, full: bool, quiet: bool) -> SyncReport:
    plan = service.plan(full=full)
    label = f"embed ({service.embedder.name})"
    with progress_bar(label, len(plan.to_embed), enabled=not quiet and bool(plan.to_embed)) as advance:
        return service.apply(plan, progress=advance)


def search_cmd(
    query: Annotated[str, typer.Argument(help="What you are looking for, in English or Chinese")],
    k: Annotated[int, typer.Option("--k", min=1, max=200, help="Number of results")] = 10,
    in_stock: Annotated[bool, typer.Option("--in-stock", help="Only active products not out of stock")] = False,
    max_price: Annotated[float | None, typer.Option("--max-price", min=0, help="Highest unit price")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Exact category (case-insensitive)")] = None,
    merchant: Annotated[str | None, typer.Option("--merchant", help="Boost what this merchant bought before")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the hits as JSON (with active and stock)")] = False,
) -> None:
    """Search the catalog by meaning (hybrid: vectors + keywords). The index is built on first use.

    Examples:\n
      s2b search "fairy lights for a christmas window"\n
      s2b search "圣诞节橱窗灯串" --in-stock --max-price 5 --json
    """
    if not query.strip():
        out.print('[red]give words to search for, e.g. s2b search "fairy lights"[/red]')
        raise typer.Exit(2)
    service = _service(settings_or_exit())
    if service.index_is_empty():
        _sync(service, full=False, quiet=as_json)
    hits = service.search(query, k=k, in_stock=in_stock, max_price=max_price, category=category, merchant_id=merchant)
    if as_json:
        fields = ("sku", "title", "price", "score", "active", "stock")
        print_json([{name: getattr(h, name) for name in fields} for h in hits])
        return
    table = Table(title=f"{len(hits)} results for {query!r}")
    columns = (("sku", "left"), ("title", "left"), ("price", "right"), ("score", "right"), ("available", "left"))
    for column, justify in columns:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for h in hits:
        price = "" if h.price is None else f"{h.price:.2f}"
        table.add_row(h.sku, h.title, price, f"{h.score:.4f}", _availability(h.active, h.stock))
    out.print(table)


def _availability(active: bool, stock: int | None) -> str:
    """What S's catalog says: deactivated, out of stock, the stock, or "yes" when S keeps no stock figure."""
    if not active:
        return "no (inactive)"
    if stock is None:
        return "yes"
    return "no (out of stock)" if stock <= 0 else f"yes ({stock})"


def index_cmd(
    full: Annotated[bool, typer.Option("--full", help="Drop the collection and rebuild it (cache still used)")] = False,
    incremental: Annotated[
        bool, typer.Option("--incremental", help="Only changed products (the default; by content hash)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Build or update the product vector index. Unchanged products (same content hash) are never re-embedded.

    Examples:\n
      s2b index\n
      s2b index --full --json
    """
    if full and incremental:
        console.print("[red]--full and --incremental exclude each other[/red]")
        raise typer.Exit(2)
    service = _service(settings_or_exit())
    report = _sync(service, full=full, quiet=as_json)
    if as_json:
        print_json(report.as_dict())
        return
    table = Table(title=f"index {report.index} ({report.embedder})")
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in report.as_dict().items():
        if key != "extra":
            table.add_row(key, str(value))
    out.print(table)


@eval_app.command("search")
def eval_search_cmd(
    embedder: Annotated[
        list[str] | None, typer.Option("--embedder", help="Embedder(s) to compare (default: S2B_EMBEDDER)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON")] = False,
) -> None:
    """Recall@10, MRR@10, nDCG@10 and latency per language and method (dense, keyword, hybrid).

    Uses the demo catalog in the store (ingest it first) and the bilingual fixture in evals/search/.\n
      s2b eval search\n
      s2b eval search --embedder use-multilingual --embedder e5-small --embedder minilm
    """
    from recsys.search.evaluation import bilingual_service, load_queries, run_queries, summarise, zh_en_ratio

    settings = settings_or_exit()
    queries = load_queries()
    output = []
    for spec in embedder or [settings.embedder]:
        service = _service(settings, spec)
        if service.index_is_empty():
            _sync(service, full=False, quiet=as_json)
        if not service.index_payloads():
            console.print("[red]The store has no products. Fix: s2b ingest orders data/online_retail/...[/red]")
            raise typer.Exit(2)
        with (
            bilingual_service(settings, spec) as bilingual,
            progress_bar(f"eval {spec}", len(queries), enabled=not as_json) as advance,
        ):
            results = run_queries({"demo": service, "bilingual": bilingual}, queries, on_query=advance)
        rows = summarise(results)
        ratio = zh_en_ratio(rows)
        output.append({"embedder": spec, "zh_over_en_recall_ratio": ratio, "rows": rows})
        if not as_json:
            _print_rows(spec, rows, ratio, len(queries))
    if as_json:
        print_json(output)


def _print_rows(spec: str, rows: list[dict[str, object]], ratio: float | None, n_queries: int) -> None:
    table = Table(title=f"search eval, embedder {spec} ({n_queries} queries)")
    for column in ("lang", "catalog", "method", "queries", "recall@10", "mrr@10", "ndcg@10", "p50_ms", "p95_ms"):
        table.add_column(column, justify="left" if column in ("lang", "catalog", "method") else "right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in row))
    out.print(table)
    out.print(f"zh/en Recall@10 ratio on the English demo catalog (hybrid): {ratio}")
