"""Entry point of the `s2b` console script. Each command group lives in its own module."""

from __future__ import annotations

import typer

from assistant.cli.common import eval_app
from assistant.cli.ingest_cmd import ingest_app

app = typer.Typer(
    help="s2b: the merchant assistant for S2B2C platforms (restock lists, catalog search, grounded copy).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(ingest_app, name="ingest")
app.add_typer(eval_app, name="eval")

if __name__ == "__main__":
    app()
