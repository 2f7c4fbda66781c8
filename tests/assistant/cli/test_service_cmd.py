from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.cli.service_cmd import _demo_data_ready
from core.db import Store
from core.settings import load_settings
from core.tables import Merchant, Product
from ingestion.orders import RULES, ingest_orders
from ingestion.reingest import under_older_rules
from tests.ingestion.test_reingest import HEADER, as_if_ingested_before_the_rules_were_versioned, orders_file


def test_serve_ingests_the_demo_file_again_when_an_older_release_did_and_names_the_command_for_others(
    sqlite_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = orders_file(tmp_path)
    other = tmp_path / "spring.csv"
    other.write_text(HEADER + "536001,22632,HAND WARMER RED,6,2011-01-02 10:00:00,1.85,12347,United Kingdom\n")
    ingest_orders(sqlite_store, demo)
    ingest_orders(sqlite_store, other)
    with sqlite_store.session() as session:  # a stock note titled the product before 3e916f8
        session.execute(update(Product).where(Product.sku == "20902").values(title="check"))
    as_if_ingested_before_the_rules_were_versioned(sqlite_store)
    settings = load_settings(home=tmp_path / "home", database_url=sqlite_store.url, demo_data=demo)
    _demo_data_ready(settings, sqlite_store)
    with sqlite_store.session() as session:
        assert session.scalar(select(Product.title).where(Product.sku == "20902")) == "VINTAGE KEEPSAKE BOX PARIS DAYS"
    assert [stored.source for stored in under_older_rules(sqlite_store, RULES)] == ["spring.csv"]
    printed = " ".join(capsys.readouterr().err.split())
    assert (
        "orders.csv was ingested under older product rules, now applied: lines relabelled as non-products 0" in printed
    )
    assert "products removed 0, retitled 1" in printed
    assert "spring.csv was ingested under older product rules: run `s2b ingest orders <path to spring.csv>`" in printed


def test_keys_create_without_options_says_what_to_give(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    for extra in ([], ["--merchant", ""]):
        result = CliRunner().invoke(app, ["keys", "create", *extra])
        assert result.exit_code == 2 and "--merchant ID, or --role marketing|admin" in " ".join(result.output.split())


def test_a_store_that_cannot_be_opened_is_named_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # batch and CI logs keep what the CLI prints: the password was in the message
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    monkeypatch.setenv("S2B_DATABASE_URL", "postgresql+psycopg://s2b:Sekr1t@127.0.0.1:9/s2b")
    result = CliRunner().invoke(app, ["keys", "create", "--role", "admin"])
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and "Cannot open the store at postgresql+psycopg://s2b:***@127.0.0.1:9/s2b" in output
    assert "Sekr1t" not in output and "%40" not in output
    monkeypatch.setenv("S2B_DATABASE_URL", "postgresql+psycopg://s2b:p@ss@127.0.0.1:9/s2b")  # an @ not written %40
    output = " ".join(CliRunner().invoke(app, ["keys", "create", "--role", "admin"]).output.split())
    assert "s2b:***@127.0.0.1:9/s2b" in output and "p@ss" not in output
    assert "Write an @ in the password as %40" in output


def test_keys_list_shows_ids_roles_and_scopes_but_never_the_keys(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the id that `keys revoke` needs was printed once at creation, and only SQL found it again
    with sqlite_store.session() as session:
        session.add(Merchant(id="12347", created_at=datetime(2011, 1, 1)))
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    monkeypatch.setenv("S2B_DATABASE_URL", sqlite_store.url)
    merchant = CliRunner().invoke(app, ["keys", "create", "--merchant", "12347", "--label", "shop", "--json"])
    admin = CliRunner().invoke(app, ["keys", "create", "--role", "admin", "--json"])
    first, second = json.loads(merchant.output), json.loads(admin.output)
    assert CliRunner().invoke(app, ["keys", "revoke", str(second["id"])]).exit_code == 0
    active = json.loads(CliRunner().invoke(app, ["keys", "list", "--json"]).output)
    assert [(k["id"], k["role"], k["merchant_id"], k["label"]) for k in active] == [
        (first["id"], "merchant", "12347", "shop")
    ]
    assert active[0]["prefix"] == first["key"][:12] and first["key"] not in json.dumps(active)
    listed = CliRunner().invoke(app, ["keys", "list", "--all"]).output
    assert f"#{second['id']}" in listed and f"#{first['id']}" in listed
    assert first["key"] not in listed and second["key"] not in listed


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--label", "l" * 250], "label longer than 200 characters"),
        (["--rate-limit", "3000000000"], "rate limit must be between 1 and 2147483647 requests per minute"),
    ],
)
def test_keys_create_says_in_one_line_what_the_store_cannot_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: list[str], message: str
) -> None:
    monkeypatch.setenv("S2B_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["keys", "create", "--role", "marketing", *option])
    assert (result.exit_code, result.output.strip()) == (2, message)  # a DataError traceback on PostgreSQL
