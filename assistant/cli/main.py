"""Entry point of the `s2b` console script. Each command group lives in its own module."""

from __future__ import annotations

import typer

from assistant.cli import chat_eval_cmd as _chat_eval  # noqa: F401  (registers `s2b eval chat`)
from assistant.cli.common import eval_app
from assistant.cli.generate_cmd import generate_app
from assistant.cli.ingest_cmd import ingest_app
from assistant.cli.llm_cmd import llm_app
from assistant.cli.quarantine_cmd import rejected_cmd
from assistant.cli.recsys_cmd import batch_app, recommend_app
from assistant.cli.search_cmd import index_cmd, search_cmd
from assistant.cli.service_cmd import keys_app, serve

app = typer.Typer(
    help="s2b: the merchant assistant for S2B2C platforms (restock lists, catalog search, grounded copy).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(ingest_app, name="ingest")
app.command("rejected")(rejected_cmd)
app.add_typer(eval_app, name="eval")
app.add_typer(recommend_app, name="recommend")
app.add_typer(batch_app, name="batch")
app.command("search")(search_cmd)
app.command("index")(index_cmd)
app.command("serve")(serve)
app.add_typer(keys_app, name="keys")
app.add_typer(llm_app, name="llm")
app.add_typer(generate_app, name="generate")

if __name__ == "__main__":
    app()
