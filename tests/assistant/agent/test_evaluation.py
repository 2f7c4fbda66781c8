from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.agent.actions import ACTIONS
from assistant.agent.evaluation import Thresholds, TurnResult, load_cases, run_turn, summarize, turn_checks, verdict
from assistant.llm.base import FakeChatModel
from core.db import Store
from core.settings import Settings
from tests.assistant.api.fakes import build_harness


def test_the_shipped_cases_load_and_name_real_actions() -> None:
    thresholds, cases = load_cases()
    assert 0 < thresholds.route_accuracy <= 1 and len(cases) >= 30
    for case in cases:
        expected = [case["expect"]] if isinstance(case["expect"], str) else case["expect"]
        assert set(expected) <= {*ACTIONS, "refuse"}, case["id"]
    assert {c.get("set", "dev") for c in cases} == {"dev", "heldout", "followup", "qa"}
    assert all(c.get("before") for c in cases if c.get("set") == "followup")


def test_a_case_file_without_thresholds_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("- {id: a, message: hi, expect: answer}\n")
    with pytest.raises(ValueError, match="needs `thresholds` and `cases`"):
        load_cases(path)


def test_a_turn_is_scored_as_the_owner_sees_it(settings: Settings, store: Store) -> None:
    answer = "The cake stand is a fine pick. It comes in pink. It costs $3."
    llm = FakeChatModel(replies=['{"action": "search_catalog", "query": "cake stand"}', answer])
    agent = build_harness(settings, store, llm).services.agent()
    case = {"id": "c", "message": "cake stands?", "lang": "en", "expect": ["search_catalog"], "forbid": ["fine", "$"]}
    result = run_turn(agent, case | {"merchant": "12583"})
    assert result.route_ok and result.error is None and result.data_text.startswith("I found 1 product")
    assert result.model_text == "The cake stand is a fine pick. "
    assert result.forbidden_shown == ["fine"]  # "$" was dropped before it was shown
    assert [d.split(":")[0] for d in result.dropped] == [
        "the product's 'pink' is not among the facts",
        "a price in USD, but the data's prices are in GBP",
    ]
    assert result.first_text_s is not None and result.first_model_s is not None


@pytest.mark.parametrize("flagged", [False, True])
def test_forbidden_phrases_count_in_unflagged_drafts(settings: Settings, store: Store, flagged: bool) -> None:
    llm = FakeChatModel(replies=['{"action": "draft_copy", "skus": ["cake stand"]}'])
    harness = build_harness(settings, store, llm)
    harness.generators.fail_grounding = flagged  # a flagged draft reaches the owner with its problems named
    case = {"id": "c", "message": "a post about the cake stand", "expect": ["draft_copy"], "forbid": ["fine pick"]}
    result = run_turn(harness.services.agent(), case | {"merchant": "12583"})
    assert result.model_text == "" and any("fine pick" in draft for draft in result.drafts)  # the fake's variants
    assert result.forbidden_shown == ([] if flagged else ["fine pick"])


def test_verdict_names_each_missed_threshold() -> None:
    ok = TurnResult(id="a", message="m", expect=["answer"], action="answer", route_ok=True)
    wrong = TurnResult(id="b", message="m", expect=["answer"], action="restock_list", error="llm_unavailable")
    wrong.forbidden_shown = ["$"]
    thresholds = Thresholds(route_accuracy=0.8, max_errors=0, max_invented_number_turns=0, max_forbidden_shown=0)
    assert verdict([ok], thresholds) == []
    assert verdict([ok, wrong], thresholds) == [
        "routed right 50% < 80%",
        "1 errors > 0",
        "1 forbidden phrases shown > 0",
    ]
    rows = summarize([ok, wrong])
    assert [r["expected action"] for r in rows] == ["answer", "all dev", "all"]
    assert rows[-1]["routed right"] == "1/2"


def test_a_follow_up_is_checked_against_the_turn_before(settings: Settings, store: Store) -> None:
    llm = FakeChatModel(
        replies=['{"action": "search_catalog", "query": "cake stand"}', "Nice.", '{"action": "answer"}', "Hello."]
    )
    agent = build_harness(settings, store, llm).services.agent()
    case = {
        "id": "f", "set": "followup", "before": ["cake stands?"], "message": "what else?", "expect": "search_catalog",
        "expect_lang": "zh", "shows": ["cake stand"], "shorter": True,
    }  # fmt: skip
    result = run_turn(agent, case | {"merchant": "12583"})
    assert result.before == ["cake stands?"] and result.action == "answer" and not result.route_ok
    assert result.failed_checks == [
        "answered in 'en', not 'zh'",
        "'cake stand' not shown",
        "longest draft 0 chars, the earlier turn's 0: not shorter",
    ]
    thresholds = Thresholds(route_accuracy=0, max_errors=0, max_invented_number_turns=0, max_forbidden_shown=0)
    assert verdict([result], thresholds) == ["3 failed checks > 0"]
    assert [r["expected action"] for r in summarize([result])][-2:] == ["all followup", "all"]


def test_a_budget_turn_is_checked_against_its_restock_table() -> None:
    case = {"id": "b", "message": "I only have 20 pounds", "expect": "restock_list", "within_budget": 20}
    result = TurnResult(id="b", message="m", expect=["restock_list"])

    def table(**fields: object) -> list[tuple[str, dict[str, Any]]]:
        return [("restock_table", {"items": [], "total": "19.34"} | fields)]

    assert turn_checks(case, result, table(budget={"amount": "20.00", "currency": "GBP"}), []) == []
    assert turn_checks(case, result, table(), []) == ["the table's budget is None, not 20"]
    over = table(budget={"amount": "20.00"}, total="37.55")
    assert turn_checks(case, result, over, []) == ["the table's total 37.55 is over the budget 20"]
    assert turn_checks(case, result, [], []) == ["no restock table"]
