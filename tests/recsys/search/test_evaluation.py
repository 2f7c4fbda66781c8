from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from recsys.metrics import ndcg_at_k
from recsys.search.evaluation import (
    BILINGUAL_CATALOG,
    QueryResult,
    load_queries,
    mrr_at_k,
    recall_at_k,
    summarise,
    zh_en_ratio,
)


def test_metrics() -> None:
    ranked = ["x", "a", "y", "b"]
    assert recall_at_k(ranked, {"a", "b", "c"}) == pytest.approx(2 / 3)
    assert recall_at_k(ranked, {f"r{i}" for i in range(20)} | {"a"}) == pytest.approx(1 / 10)  # capped denominator
    assert mrr_at_k(ranked, {"b"}) == pytest.approx(1 / 4) and mrr_at_k(ranked, {"z"}) == 0.0
    assert ndcg_at_k(["a", "x"], {"a"}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "a"], {"a"}, 10) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert recall_at_k(ranked, set()) == 0.0


def test_query_set_is_balanced_and_rules_are_valid() -> None:
    queries = load_queries()
    langs = [q.lang for q in queries]
    assert len(queries) >= 60 and langs.count("en") == langs.count("zh")
    kinds = {(q.lang, q.kind) for q in queries}
    for lang in ("en", "zh"):
        assert {(lang, "synonym"), (lang, "misspelling")} <= kinds
    for q in queries:
        for pattern in q.rule.all + q.rule.none:
            re.compile(pattern)
    titles = pd.read_csv(BILINGUAL_CATALOG)["title"].tolist()
    for q in queries:
        if q.catalog == "bilingual":
            assert any(q.rule.matches(t) for t in titles), q.intent


def test_summary_rows_and_ratio() -> None:
    queries = load_queries()
    en = next(q for q in queries if q.lang == "en" and q.catalog == "demo")
    zh = next(q for q in queries if q.lang == "zh" and q.catalog == "demo")
    results = [
        QueryResult(en, "hybrid", ["a", "b"], {"a", "b"}, 0.001),
        QueryResult(zh, "hybrid", ["a", "x"], {"a", "b"}, 0.003),
    ]
    rows = summarise(results)
    by = {(r["lang"], r["catalog"]): r for r in rows}
    assert by[("en", "demo")]["recall@10"] == 1.0 and by[("zh", "demo")]["recall@10"] == 0.5
    assert by[("zh", "all")]["queries"] == 1
    assert zh_en_ratio(rows) == 0.5


def test_cli_index_search_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli.main import app

    monkeypatch.setenv("S2B_HOME", str(tmp_path / ".s2b"))
    monkeypatch.setenv("S2B_EMBEDDER", "hash")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", "catalog", str(BILINGUAL_CATALOG)]).exit_code == 0
    indexed = runner.invoke(app, ["index", "--json"])
    assert indexed.exit_code == 0, indexed.output
    assert '"embedded": 48' in indexed.output
    result = runner.invoke(app, ["search", "红灯笼", "--k", "3", "--in-stock", "--max-price", "10", "--json"])
    assert result.exit_code == 0, result.output
    import json

    hits = json.loads(result.output)
    assert hits and set(hits[0]) == {"sku", "title", "price", "score", "active", "stock"}
    assert hits[0]["sku"] == "ZH037" and float(hits[0]["price"]) <= 10 and hits[0]["active"] is True
    table = runner.invoke(app, ["search", "雨伞", "--category", "雨具"])
    assert table.exit_code == 0 and "ZH02" in table.output and "available" in table.output
    empty = runner.invoke(app, ["search", "  "])
    assert empty.exit_code == 2 and "give words to search for" in empty.output
