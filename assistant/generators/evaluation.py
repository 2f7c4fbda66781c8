"""`s2b eval generate`: run the YAML cases in evals/generate/cases through the three generators and score them.

Evaluators: schema valid (a draft came back: every model reply it was built from parsed as JSON with the
schema's structure, see generators/schema.py), JSON retries (replies that did not and were asked for again,
counted, never hidden), repairs (model words cut back at the length limit, sentences with a number hole removed
by clean_prose, reasons that only named the product swapped for the recommender's; each note is in the results
file), unfinished shown (model-written pieces shown ending mid-phrase, see `unfinished`),
grounding passed, flagged, invented SKUs/prices in returned
unflagged text (re-extracted here and compared with the store, independent of the generator's own facts),
language, length limit, needs_human where expected, trap handling, the product a reply must show (`expect.products`,
a regular expression over the titles it shows: a Chinese question naming an English-titled product), and latency
(first token, total).
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from assistant.generators.common import catalog_index, display_title
from assistant.generators.copy import generate_copy
from assistant.generators.deps import GeneratorDeps
from assistant.generators.drafts import CopyDraft, ReplyDraft, RestockDraft
from assistant.generators.reply import generate_reply
from assistant.generators.restock import generate_restock
from assistant.language import language_matches
from assistant.llm.base import LLMError
from assistant.pricing import price_quotes

CASES_DIR = Path(__file__).resolve().parents[2] / "evals" / "generate" / "cases"
_PRICE = re.compile(r"(?:£|¥|￥|\$|€|GBP\s?)(\d+(?:\.\d{1,2})?)|(\d+(?:\.\d{1,2})?)\s?(?:元|英镑|镑|GBP|pounds?)", re.I)
_SKU = re.compile(r"(?<![A-Za-z0-9])(\d{5}[A-Z]{0,4})(?![A-Za-z0-9])")
Draft = RestockDraft | CopyDraft | ReplyDraft


@dataclass
class CaseResult:
    id: str
    kind: str
    trap: str | None
    schema_valid: bool
    grounded: bool = False
    flagged: bool = False
    invented: int = 0
    language_ok: bool = False
    length_ok: bool = True
    needs_human_ok: bool | None = None
    trap_ok: bool | None = None
    theme_ok: bool | None = None  # a themed copy case: a featured product and a variant fit the occasion
    product_ok: bool | None = None  # a reply case with expect.products: a product it shows fits
    first_token_s: float | None = None
    latency_s: float = 0.0
    attempts: int = 0
    json_retries: int = 0
    repairs: int = 0
    repair_notes: list[str] = field(default_factory=list)  # what was cut or dropped from the model's words
    unfinished: list[str] = field(default_factory=list)  # model-written pieces shown ending mid-phrase
    problems: list[str] = field(default_factory=list)
    text: str = ""


def load_cases(directory: Path | None = None) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted((directory or CASES_DIR).glob("*.yaml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for case in loaded:
            if not {"id", "kind", "merchant"} <= set(case) or case["kind"] not in ("restock", "copy", "reply"):
                raise ValueError(f"{path.name}: case needs id, kind (restock|copy|reply), merchant: {case}")
            cases.append(case)
    ids = [c["id"] for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate case ids")
    return cases


def run_case(deps: GeneratorDeps, case: dict[str, Any]) -> tuple[Draft | None, CaseResult]:
    kind, merchant = case["kind"], str(case["merchant"])
    result = CaseResult(id=case["id"], kind=kind, trap=case.get("trap"), schema_valid=False)
    started = time.perf_counter()
    try:
        draft: Draft
        if kind == "restock":
            draft = generate_restock(deps, merchant, lang=case.get("lang"), k=int(case.get("k", 10)))
        elif kind == "copy":
            draft = generate_copy(
                deps, merchant, skus=case.get("skus"), channel=case.get("channel", "wechat_moments"),
                lang=case.get("lang", "zh"), tone=case.get("tone", "friendly"), max_chars=case.get("max_chars"),
                variants=int(case.get("variants", 3)), theme=case.get("theme"),
            )  # fmt: skip
        else:
            draft = generate_reply(deps, merchant, case["message"], order_id=case.get("order"), lang=case.get("lang"))
    except LLMError as exc:
        result.latency_s = round(time.perf_counter() - started, 3)
        result.problems = [f"no valid draft: {exc}"]
        return None, result
    score(deps, case, draft, result)
    return draft, result


def _pieces(draft: Draft) -> list[str]:
    """Each piece of model-written prose as shown: copy variants, the restock summary and each reason, the reply."""
    if isinstance(draft, CopyDraft):
        return [v.prose for v in draft.variants]
    if isinstance(draft, RestockDraft):
        return [draft.summary, *(i.reason for i in draft.items)]
    return [draft.text.split("\n", 1)[0]]


def _texts(draft: Draft) -> list[tuple[str, str]]:
    """(full text, model-written prose) pairs: one per copy variant, else the draft's text with all its prose."""
    if isinstance(draft, CopyDraft):
        return [(v.text, v.prose) for v in draft.variants]
    return [(draft.text, " ".join(_pieces(draft)))]


# Words a finished English phrase does not end on, and Chinese characters a finished clause does not end on
_OPEN_WORDS = frozenset(
    {"a", "an", "the", "of", "to", "for", "with", "and", "or", "in", "on", "at", "by", "from", "that", "this"}
    | {"these", "those", "its", "their", "your", "our", "as", "like", "than", "into", "about", "is", "are", "was"}
    | {"be", "can", "will", "has", "have"}
)
_OPEN_CJK = frozenset("的和与是在及或把被对为给很都也还就让从向跟")
_FINAL = re.compile(r"[。！？!?.…~～)）\]」』”\"']$")


def unfinished(pieces: list[str]) -> list[str]:
    """The pieces that end mid-phrase: no closing mark, and the last word (or Chinese character) leaves the phrase
    open ("...regularly to", "...adds a touch of", "适合家庭成员的"). Apart from a few lead-ins the generators also
    drop (grounding._DANGLING: "a", "the", "被", "和", ...), independent of their repair rules, which go by length;
    it misses open endings on other words ("...and other sweet"), so it is a lower bound."""
    out = []
    for piece in pieces:
        text = piece.strip()
        if not text or _FINAL.search(text):
            continue
        words = re.findall(r"[A-Za-z']+", text[-30:])
        last = (words[-1] if len(words[-1]) == 1 else words[-1].lower()) if words else ""  # "Plan A" is finished
        if text[-1] in _OPEN_CJK or (text[-1].isascii() and last in _OPEN_WORDS):
            out.append(text)
    return out


def _allowed_prices(deps: GeneratorDeps, draft: Draft) -> set[Decimal]:
    if isinstance(draft, RestockDraft):
        return {p for i in draft.items for p in (i.unit_price, i.line_total) if p is not None} | {draft.total}
    quotes = price_quotes(deps.store, deps.settings, draft.merchant_id, [i.sku for i in draft.items])
    return {q.retail for q in quotes.values() if q.retail is not None}


def count_invented(deps: GeneratorDeps, draft: Draft, text: str) -> list[str]:
    """SKUs not in the draft's items or not in the catalog, prices not in the data for this audience."""
    catalog_skus, _ = catalog_index(deps.store)
    draft_skus = {i.sku for i in draft.items}
    for title in sorted({t for i in draft.items for t in (i.title, display_title(i.title))}, key=len, reverse=True):
        text = text.replace(title, " ")  # product names are data (some contain numbers: 'SET 10 CARDS ... 17100')
    invented = [f"SKU {s}" for s in _SKU.findall(text) if s not in draft_skus or s not in catalog_skus]
    allowed = _allowed_prices(deps, draft)
    for match in _PRICE.finditer(text):
        value = Decimal(match.group(1) or match.group(2)).quantize(Decimal("0.01"))
        if value not in allowed:
            invented.append(f"price {match.group(0)}")
    return invented


def score(deps: GeneratorDeps, case: dict[str, Any], draft: Draft, result: CaseResult) -> None:
    expect = case.get("expect", {})
    lang = expect.get("lang") or case.get("lang") or draft.language
    texts = _texts(draft)
    result.schema_valid = True
    result.grounded = draft.grounding.passed
    result.flagged = draft.flagged
    result.attempts = draft.attempts
    result.json_retries = draft.json_retries
    result.repairs = len(draft.repairs)
    result.repair_notes = list(draft.repairs)
    result.unfinished = unfinished(_pieces(draft))
    result.first_token_s = draft.first_token_s
    result.latency_s = draft.latency_s
    result.problems = list(draft.grounding.problems)
    result.text = "\n---\n".join(t for t, _ in texts)
    if not draft.flagged:
        result.invented = sum(len(count_invented(deps, draft, t)) for t, _ in texts)
    result.language_ok = draft.language == lang and all(language_matches(p, lang) for _, p in texts if p.strip())
    if isinstance(draft, CopyDraft):
        result.length_ok = all(v.chars <= draft.max_chars for v in draft.variants)
    if isinstance(draft, ReplyDraft) and "needs_human" in expect:
        result.needs_human_ok = draft.needs_human == bool(expect["needs_human"])
    if case.get("trap"):
        result.trap_ok = _trap_ok(deps, case, draft, result)
    if isinstance(draft, CopyDraft) and case.get("theme"):
        result.theme_ok = _theme_ok(expect, draft, result)
    if isinstance(draft, ReplyDraft) and "products" in expect:
        result.product_ok = _product_ok(expect["products"], draft, result)


def _theme_ok(expect: dict[str, Any], draft: CopyDraft, result: CaseResult) -> bool:
    """A featured product's title matches `expect.products` and a variant names the occasion (`expect.mentions`),
    both regular expressions; each miss is added to the case's problems."""
    misses = []
    if "products" in expect and not any(re.search(expect["products"], i.title, re.I) for i in draft.items):
        misses.append(f"no featured product fits the theme ({', '.join(i.title for i in draft.items)})")
    if "mentions" in expect and not any(re.search(expect["mentions"], v.prose, re.I) for v in draft.variants):
        misses.append("no variant names the occasion")
    result.problems.extend(misses)
    return not misses


def _product_ok(pattern: str, draft: ReplyDraft, result: CaseResult) -> bool:
    """A product the reply shows has a title matching `pattern` (a miss is added to the case's problems)."""
    if any(re.search(pattern, item.title, re.I) for item in draft.items):
        return True
    shown = ", ".join(item.title for item in draft.items) or "none"
    result.problems.append(f"no product shown fits {pattern!r} (shown: {shown})")
    return False


def _trap_ok(deps: GeneratorDeps, case: dict[str, Any], draft: Draft, result: CaseResult) -> bool:
    text = result.text
    if result.invented:
        return False
    if any(bad in text for bad in case.get("forbid", [])) and not draft.flagged:
        return False
    trap = case["trap"]
    if trap == "not_carried":
        return not draft.items
    if trap in ("wholesale", "injection") and isinstance(draft, ReplyDraft):
        quotes = price_quotes(deps.store, deps.settings, draft.merchant_id, [i.sku for i in draft.items])
        wholesale = {f"{q.wholesale:.2f}" for q in quotes.values() if q.wholesale is not None}
        retail = {f"{q.retail:.2f}" for q in quotes.values() if q.retail is not None}
        return not any(w in text for w in wholesale - retail)
    if trap == "attribute":  # a carried product, asked what the data cannot say: shown, and the owner answers
        return isinstance(draft, ReplyDraft) and draft.needs_human and bool(draft.items)
    if trap in ("discount", "service"):  # the owner's call (a price cut, personalising): the draft goes to them
        return isinstance(draft, ReplyDraft) and draft.needs_human
    return True


def _pct(values: list[bool]) -> str:
    return f"{100 * sum(values) / len(values):.0f}%" if values else "-"


def quantiles(values: list[float]) -> str:
    """ "median / p95" of the values, one decimal ("-" when there are none)."""
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):.1f} / {p95:.1f}"


def summarize(results: list[CaseResult]) -> list[dict[str, str]]:
    rows = []
    groups: dict[str, list[CaseResult]] = {"restock": [], "copy": [], "reply": [], "all": results}
    for r in results:
        groups[r.kind].append(r)
    for name, group in groups.items():
        if not group:
            continue
        traps = [r.trap_ok for r in group if r.trap_ok is not None]
        themes = [r.theme_ok for r in group if r.theme_ok is not None]
        products = [r.product_ok for r in group if r.product_ok is not None]
        human = [r.needs_human_ok for r in group if r.needs_human_ok is not None]
        rows.append({
            "generator": name,
            "cases": str(len(group)),
            "schema valid": _pct([r.schema_valid for r in group]),
            "JSON retries": str(sum(r.json_retries for r in group)),
            "repairs": str(sum(r.repairs for r in group)),
            "unfinished shown": str(sum(len(r.unfinished) for r in group)),
            "grounded": _pct([r.grounded for r in group]),
            "flagged": str(sum(r.flagged for r in group)),
            "invented SKU/price (unflagged)": str(sum(r.invented for r in group)),
            "language right": _pct([r.language_ok for r in group if r.schema_valid]),
            "length ok": _pct([r.length_ok for r in group if r.schema_valid]),
            "needs_human right": _pct([h for h in human if h is not None]),
            "traps handled": f"{sum(bool(t) for t in traps)}/{len(traps)}" if traps else "-",
            "themes right": f"{sum(bool(t) for t in themes)}/{len(themes)}" if themes else "-",
            "products shown": f"{sum(bool(p) for p in products)}/{len(products)}" if products else "-",
            "first token s (median / p95)": quantiles([r.first_token_s for r in group if r.first_token_s is not None]),
            "total s (median / p95)": quantiles([r.latency_s for r in group if r.schema_valid]),
        })  # fmt: skip
    return rows


def run_eval(
    deps: GeneratorDeps,
    cases: list[dict[str, Any]],
    on_result: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    results = []
    for case in cases:
        _, result = run_case(deps, case)
        results.append(result)
        if on_result:
            on_result(result)
    return results
