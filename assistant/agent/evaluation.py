"""`s2b eval chat`: run the YAML cases in evals/chat/cases.yaml through the chat agent with the real model and
score each turn as the owner would see it.

Evaluators: route (the action taken is one the case accepts), error (an error event instead of an answer),
invented numbers (numbers the model wrote that are not in the data: their sentences were held back and the turn
reports grounding problems), dropped (model sentences the claim filter
removed before they were shown, each with its reason in the results), loop stops, forbidden phrases shown (written
per case from what the data does not support: "other colours" for a product with no colour data; looked for in the
model's words and in the drafts that passed grounding, since a flagged draft reaches the owner with its problems
named), and latency
(first text of any kind, first model token, whole turn). A run passes when each rate meets the threshold in the
cases file.

Checks on what the turn did, beside its route: `expect_channel` (the copy channel drafted), `expect_lang` (the
language the turn answers in), `shows` (texts its cards or drafts must contain, e.g. the product of the draft it
revises), `shorter` (its longest draft text is shorter than the earlier turn's) and `within_budget` (the restock
table is fitted to the budget the message states: named, its total within it). Follow-up cases run their
`before` messages first in the same conversation (not scored). Each unmet check is a failed check.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from assistant.agent.agent import ChatAgent
from assistant.agent.conversations import get_conversation, open_conversation
from assistant.generators.evaluation import quantiles

CASES = Path(__file__).resolve().parents[2] / "evals" / "chat" / "cases.yaml"
DEFAULT_MERCHANT = "12748"


@dataclass
class TurnResult:
    id: str
    message: str
    expect: list[str]
    set: str = "dev"  # "heldout": cases written after the claim filter's rules were set
    action: str = ""
    route_ok: bool = False
    error: str | None = None
    data_text: str = ""
    model_text: str = ""
    invented_numbers: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    forbidden_shown: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)  # copy variants' and reply drafts' model-written text
    lang: str = ""
    before: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    first_text_s: float | None = None
    first_model_s: float | None = None
    total_s: float = 0.0


@dataclass
class Thresholds:
    route_accuracy: float
    max_errors: int
    max_invented_number_turns: int
    max_forbidden_shown: int
    max_failed_checks: int = 0


def load_cases(path: Path | None = None) -> tuple[Thresholds, list[dict[str, Any]]]:
    data = yaml.safe_load((path or CASES).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not {"thresholds", "cases"} <= set(data):
        raise ValueError(f"{path or CASES}: needs `thresholds` and `cases`")
    thresholds = Thresholds(**data["thresholds"])
    cases = data["cases"]
    for case in cases:
        if not {"id", "message", "expect"} <= set(case):
            raise ValueError(f"a chat case needs id, message and expect (one action or a list): {case}")
    ids = [c["id"] for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate case ids")
    return thresholds, cases


def _expected(case: dict[str, Any]) -> list[str]:
    expect = case["expect"]
    return [expect] if isinstance(expect, str) else list(expect)


def run_turn(agent: ChatAgent, case: dict[str, Any]) -> TurnResult:
    merchant = str(case.get("merchant", DEFAULT_MERCHANT))
    result = TurnResult(id=case["id"], message=case["message"], expect=_expected(case), set=case.get("set", "dev"))
    conversation = open_conversation(agent.store, merchant, None, title=f"eval {case['id']}")
    result.before = [str(m) for m in case.get("before", [])]
    earlier: list[tuple[str, dict[str, Any]]] = []
    for message in result.before:
        earlier = list(agent.turn(merchant, conversation, message, lang=case.get("lang")))
    events: list[tuple[str, dict[str, Any]]] = []
    started = time.perf_counter()
    for name, data in agent.turn(merchant, conversation, case["message"], lang=case.get("lang")):
        elapsed = round(time.perf_counter() - started, 3)
        events.append((name, data))
        if name == "meta":
            result.lang = data.get("lang", "")
        elif name == "action":
            result.action = data["action"]
        elif name == "error":
            result.error = data.get("code", "error")
        elif name == "grounding":
            result.invented_numbers = list(data.get("problems", []))
        elif name == "token":
            result.first_text_s = result.first_text_s if result.first_text_s is not None else elapsed
            if data.get("source") == "data":
                result.data_text += data["text"]
            else:
                result.first_model_s = result.first_model_s if result.first_model_s is not None else elapsed
                result.model_text += data["text"]
    result.total_s = round(time.perf_counter() - started, 3)
    result.route_ok = result.action in result.expect
    result.drafts = list(draft_texts(events))
    # A draft that failed grounding goes to the owner flagged, its problems named (as `s2b eval generate` counts
    # invented numbers in unflagged text only): forbidden phrases count in the model's words and unflagged drafts.
    unflagged = [name_data for name_data in events if (name_data[1].get("grounding") or {}).get("passed", True)]
    shown = "\n".join([result.model_text, *draft_texts(unflagged)]).lower()
    result.forbidden_shown = [p for p in case.get("forbid", []) if p.lower() in shown]
    result.failed_checks = turn_checks(case, result, events, earlier)
    messages = get_conversation(agent.store, conversation)["messages"]
    answered = bool(messages) and messages[-1]["role"] == "assistant"
    payload = (messages[-1].get("payload") or {}) if answered else {}
    result.dropped = list(payload.get("dropped", []))
    result.stopped = list(payload.get("stopped", []))
    return result


Events = list[tuple[str, dict[str, Any]]]


def turn_checks(case: dict[str, Any], result: TurnResult, events: Events, earlier: Events) -> list[str]:
    """The case's checks this turn misses (see the module docstring)."""
    failed = []
    channels = [str(data.get("channel")) for name, data in events if name == "copy_variants"]
    if "expect_channel" in case and channels[:1] != [case["expect_channel"]]:
        failed.append(f"drafted for {channels[:1] or 'no channel'}, not {case['expect_channel']!r}")
    if "expect_lang" in case and result.lang != case["expect_lang"]:
        failed.append(f"answered in {result.lang!r}, not {case['expect_lang']!r}")
    cards = json.dumps([data for name, data in events if name not in ("token", "meta")], ensure_ascii=False).lower()
    failed += [f"{text!r} not shown" for text in case.get("shows", []) if text.lower() not in cards]
    if "within_budget" in case:
        failed += _budget_misses(events, Decimal(str(case["within_budget"])))
    if case.get("shorter"):
        now, before = _longest_draft(events), _longest_draft(earlier)
        if not now or not before or now >= before:
            failed.append(f"longest draft {now} chars, the earlier turn's {before}: not shorter")
    return failed


def _budget_misses(events: Events, budget: Decimal) -> list[str]:
    """A budget turn must show a restock table fitted to the budget: its total within it, the budget named."""
    tables = [data for name, data in events if name == "restock_table"]
    if not tables:
        return ["no restock table"]
    table = tables[0]
    shown = (table.get("budget") or {}).get("amount")
    if shown is None or Decimal(shown) != budget:
        return [f"the table's budget is {shown}, not {budget}"]
    if Decimal(table["total"]) > budget:
        return [f"the table's total {table['total']} is over the budget {budget}"]
    return []


def _longest_draft(events: Events) -> int:
    return max((len(text) for text in draft_texts(events)), default=0)


def draft_texts(events: Events) -> Iterator[str]:
    """The drafts the turn showed (copy variants' prose, a reply): checked for forbidden phrases like the model's
    words, since the owner sends them on (a reply draft said "The popcorn holder comes in other colors.")."""
    for name, data in events:
        if name == "copy_variants":
            for variant in data.get("variants", []):
                yield str(variant.get("prose", variant.get("text", ""))) if isinstance(variant, dict) else str(variant)
        elif name == "reply_draft":
            yield str(data.get("text", ""))


def run_eval(
    agent: ChatAgent, cases: list[dict[str, Any]], on_result: Callable[[TurnResult], None] | None = None
) -> list[TurnResult]:
    results = []
    for case in cases:
        result = run_turn(agent, case)
        results.append(result)
        if on_result:
            on_result(result)
    return results


def summarize(results: list[TurnResult]) -> list[dict[str, str]]:
    groups: dict[str, list[TurnResult]] = {}
    for r in results:
        groups.setdefault(r.expect[0], []).append(r)
    for r in results:
        groups.setdefault(f"all {r.set}", []).append(r)
    groups["all"] = results
    rows = []
    for name, group in groups.items():
        rows.append({
            "expected action": name,
            "turns": str(len(group)),
            "routed right": f"{sum(r.route_ok for r in group)}/{len(group)}",
            "errors": str(sum(r.error is not None for r in group)),
            "turns with invented numbers": str(sum(bool(r.invented_numbers) for r in group)),
            "sentences dropped": str(sum(len(r.dropped) for r in group)),
            "loops stopped": str(sum(len(r.stopped) for r in group)),
            "forbidden shown": str(sum(len(r.forbidden_shown) for r in group)),
            "failed checks": str(sum(len(r.failed_checks) for r in group)),
            "first text s (median / p95)": quantiles([r.first_text_s for r in group if r.first_text_s is not None]),
            "first model token s": quantiles([r.first_model_s for r in group if r.first_model_s is not None]),
            "turn s (median / p95)": quantiles([r.total_s for r in group]),
        })  # fmt: skip
    return rows


def verdict(results: list[TurnResult], thresholds: Thresholds) -> list[str]:
    """The thresholds this run misses (empty: it passes)."""
    misses = []
    accuracy = sum(r.route_ok for r in results) / len(results) if results else 0.0
    if accuracy < thresholds.route_accuracy:
        misses.append(f"routed right {accuracy:.0%} < {thresholds.route_accuracy:.0%}")
    errors = sum(r.error is not None for r in results)
    if errors > thresholds.max_errors:
        misses.append(f"{errors} errors > {thresholds.max_errors}")
    invented = sum(bool(r.invented_numbers) for r in results)
    if invented > thresholds.max_invented_number_turns:
        misses.append(f"{invented} turns with invented numbers > {thresholds.max_invented_number_turns}")
    forbidden = sum(len(r.forbidden_shown) for r in results)
    if forbidden > thresholds.max_forbidden_shown:
        misses.append(f"{forbidden} forbidden phrases shown > {thresholds.max_forbidden_shown}")
    failed = sum(len(r.failed_checks) for r in results)
    if failed > thresholds.max_failed_checks:
        misses.append(f"{failed} failed checks > {thresholds.max_failed_checks}")
    return misses
