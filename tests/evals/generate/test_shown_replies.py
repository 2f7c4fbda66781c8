from __future__ import annotations

from evals.generate.shown_replies import _prompt_texts, tally


def _case(text: str, *, flagged: bool = False, kind: str = "reply") -> dict[str, object]:
    return {"kind": kind, "text": text, "flagged": flagged, "needs_human_ok": True, "trap_ok": None}


def test_tally_counts_what_the_first_line_shows() -> None:
    results = [
        _case("The shop owner will check and reply: never say when something arrives.\nfacts line"),
        _case("The price is not specified in the list you provided."),
        _case("Thanks for your message! We'll send it as soon as possible."),
        _case("We'll send it as soon as possible.", flagged=True),  # flagged: a person sees it, not counted
        _case("感谢您的咨询！\nRabbit Night Light：£3.74，有货"),
        _case("Thanks for your message!", kind="copy"),  # not a reply
    ]
    counts = tally(results, _prompt_texts())
    assert counts["drafts"] == 5 and counts["flagged"] == 1
    assert counts["prompt echo"] == 1 and counts["input talk"] == 1
    assert counts["promises (unflagged)"] == 1 and counts["only thanks"] == 1
