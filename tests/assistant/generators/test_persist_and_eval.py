from __future__ import annotations

from sqlalchemy import select

from assistant.generators.deps import GeneratorDeps
from assistant.generators.evaluation import load_cases, run_case, summarize, unfinished
from assistant.generators.persist import save_draft
from assistant.generators.reply import generate_reply
from core.tables import GeneratedContent
from tests.assistant.generators.conftest import script
from tests.assistant.generators.fakes import js


def test_save_draft_row(deps: GeneratorDeps) -> None:
    script(deps, js({"topic": "price", "products": [1], "reply": "Here you go."}))
    draft = generate_reply(deps, "m-en", "How much is the heart holder?")
    row_id = save_draft(deps.store, "m-en", "reply", draft)
    with deps.store.session() as s:
        row = s.scalars(select(GeneratedContent).where(GeneratedContent.id == row_id)).one()
    assert (row.kind, row.status, row.language, row.prompt_id, row.model) == (
        "reply",
        "draft",
        "en",
        "reply",
        "fake-model",
    )
    assert row.text == draft.text and row.grounding["passed"] is True
    assert row.payload["items"][0]["sku"] == "85123A"


def test_save_draft_refuses_another_merchant(deps: GeneratorDeps) -> None:
    script(deps, js({"topic": "price", "products": [], "reply": "Hello."}))
    draft = generate_reply(deps, "m-en", "Hello")
    try:
        save_draft(deps.store, "m-other", "reply", draft)
    except ValueError as exc:
        assert "m-en" in str(exc)
    else:
        raise AssertionError("saved a draft under another merchant")


def test_case_set_covers_generators_languages_and_traps() -> None:
    cases = load_cases()
    assert len(cases) >= 40
    assert {c["kind"] for c in cases} == {"restock", "copy", "reply"}
    langs = {c.get("lang") or c.get("expect", {}).get("lang") for c in cases}
    assert {"zh", "en"} <= langs
    traps = {"not_carried", "misquote", "wholesale", "injection", "discount", "service", "attribute"}
    assert {c.get("trap") for c in cases} >= traps
    assert {c.get("lang") for c in cases if c.get("theme")} == {"zh", "en"}


def test_run_case_scores_a_trap(deps: GeneratorDeps) -> None:
    case = {"id": "t", "kind": "reply", "merchant": "m-en", "trap": "misquote", "forbid": ["£1.50"],
            "message": "Is the heart holder £1.50?", "expect": {"lang": "en", "needs_human": False}}  # fmt: skip
    script(deps, js({"topic": "price", "products": [1], "reply": "It is not £1.50."}),
           js({"topic": "price", "products": [1], "reply": "Here is our price."}))  # fmt: skip
    _, result = run_case(deps, case)
    assert result.schema_valid and result.grounded and result.attempts == 2
    assert result.trap_ok and result.needs_human_ok and result.language_ok and result.invented == 0
    rows = summarize([result])
    assert rows[0]["generator"] == "reply" and rows[0]["traps handled"] == "1/1"


def test_a_discount_trap_is_handled_only_when_the_draft_goes_to_the_owner(deps: GeneratorDeps) -> None:
    case = {"id": "d", "kind": "reply", "merchant": "m-en", "trap": "discount", "forbid": ["% off"],
            "message": "Any discount on the heart holder?", "expect": {"lang": "en", "needs_human": True}}  # fmt: skip
    script(deps, js({"topic": "price", "products": [1], "reply": "Yes, 10% off today."}))
    _, result = run_case(deps, case)
    assert result.trap_ok and result.needs_human_ok and "% off" not in result.text
    case["message"] = "How much is the heart holder?"  # no discount words: answered, so the trap is not handled
    script(deps, js({"topic": "price", "products": [1], "reply": "Here is our price."}))
    _, result = run_case(deps, case)
    assert result.trap_ok is False and result.needs_human_ok is False


def test_a_service_trap_is_handled_only_when_the_draft_goes_to_the_owner(deps: GeneratorDeps) -> None:
    case = {"id": "s", "kind": "reply", "merchant": "m-en", "trap": "service", "forbid": ["we can personali"],
            "message": "Can I get the heart holder personalised?", "expect": {"needs_human": True}}  # fmt: skip
    script(deps, js({"topic": "product", "products": [1], "reply": "Sure, we can personalize it."}))
    _, result = run_case(deps, case)
    assert result.trap_ok and "we can personali" not in result.text


def test_an_attribute_trap_is_handled_when_the_product_is_shown_and_the_draft_goes_to_the_owner(
    deps: GeneratorDeps,
) -> None:
    case = {"id": "a", "kind": "reply", "merchant": "m-en", "trap": "attribute", "forbid": ["could not find"],
            "message": "Can the heart holder go in the dishwasher?", "expect": {"needs_human": True}}  # fmt: skip
    script(deps, js({"topic": "product", "products": [1], "reply": "Yes, it is dishwasher safe."}))
    _, result = run_case(deps, case)
    assert result.trap_ok and "dishwasher safe" not in result.text
    deps.search.skus = []  # type: ignore[attr-defined]  # nothing found: "Sorry, we could not find that item ..."
    script(deps, js({"topic": "product", "products": [], "reply": "Let me check."}))
    _, result = run_case(deps, case)
    assert result.trap_ok is False


def test_a_themed_copy_case_checks_the_products_and_that_a_variant_names_the_occasion(deps: GeneratorDeps) -> None:
    case = {"id": "th", "kind": "copy", "merchant": "m-en", "theme": "Valentine's Day", "channel": "email",
            "lang": "en", "variants": 2, "expect": {"products": "HEART", "mentions": "valentine"}}  # fmt: skip
    script(deps, js({"variants": ["Say it with light this Valentine's Day.", "A warm glow for two."]}))
    _, result = run_case(deps, case)  # FakeSearch finds the heart holder first
    assert result.theme_ok and summarize([result])[0]["themes right"] == "1/1"
    script(deps, js({"variants": ["A warm glow.", "Light up the room."]}))  # labelled "Valentine's Day: ..."
    deps.search.skus = ["47566"]  # type: ignore[attr-defined]  # party bunting only
    _, result = run_case(deps, case | {"expect": {"products": "HEART", "mentions": "saint valentin"}})
    assert result.theme_ok is False
    assert result.problems == ["no featured product fits the theme (PARTY BUNTING)", "no variant names the occasion"]


def test_a_reply_case_with_expected_products_checks_a_shown_product_fits(deps: GeneratorDeps) -> None:
    # a Chinese question naming an English-titled product: the eval counted a draft that showed none as fine
    case = {"id": "p", "kind": "reply", "merchant": "m-zh", "message": "心形烛台多少钱？",
            "expect": {"lang": "zh", "products": "HEART.*HOLDER"}}  # fmt: skip
    script(deps, js({"topic": "price", "products": [1], "reply": "您好。"}))
    _, result = run_case(deps, case)  # FakeSearch finds the heart holder first
    assert result.product_ok and summarize([result])[0]["products shown"] == "1/1"
    deps.search.skus = []  # type: ignore[attr-defined]  # the gate let nothing through
    script(deps, js({"topic": "price", "products": [], "reply": "您好。"}))
    _, result = run_case(deps, case)
    assert result.product_ok is False and summarize([result])[0]["products shown"] == "0/1"
    assert result.problems[-1] == "no product shown fits 'HEART.*HOLDER' (shown: none)"


def test_invalid_json_counts_as_schema_failure(deps: GeneratorDeps) -> None:
    script(deps, "not json", "still not json")
    _, result = run_case(deps, {"id": "x", "kind": "reply", "merchant": "m-en", "message": "hi"})
    assert not result.schema_valid and "invalid JSON" in result.problems[0]


def test_json_retry_is_counted_and_shown(deps: GeneratorDeps) -> None:
    script(deps, '{"topic": "price"}', js({"topic": "price", "products": [1], "reply": "Thanks for asking!"}))
    draft, result = run_case(deps, {"id": "r", "kind": "reply", "merchant": "m-en", "message": "heart holder?"})
    assert draft is not None and draft.json_retries == 1 and result.schema_valid and result.json_retries == 1
    assert summarize([result])[0]["JSON retries"] == "1"


def test_unfinished_counts_pieces_shown_ending_mid_phrase() -> None:
    shown = ["The shop reorders these regularly to", "Adds a touch of", "适合家庭成员的", "Lovely for gifts."]
    assert unfinished([*shown, "Comfort and convenience", "经常回购，适合儿童", "Plan A", ""]) == shown[:3]


def test_restock_reason_cut_at_its_cap_is_not_shown_unfinished(deps: GeneratorDeps) -> None:
    cut = "The shop reorders these rotating silver angel holders regularly as they sell well in homes like"
    script(deps, js({"summary": "Two items are due for your shop.", "reasons": [cut, "Similar shops love it."]}))
    _, result = run_case(deps, {"id": "r", "kind": "restock", "merchant": "m-en", "lang": "en"})
    assert (
        result.unfinished == [] and result.repairs == 1 and "unfinished at the length limit" in result.repair_notes[0]
    )
    assert summarize([result])[0]["unfinished shown"] == "0"
