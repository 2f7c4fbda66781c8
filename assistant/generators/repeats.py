"""Copy variants that repeat each other: a sentence a later variant copies is dropped from it, and a variant
that is nothing but a repeat fails its check (so it is regenerated, or left out after the second attempt)."""

from __future__ import annotations

import re

from assistant.generators.common import display_title, drop_sentences, shared_run, speakable
from assistant.generators.drafts import CopyVariant, ProductOffer
from assistant.grounding import Grounding


def with_problem(grounding: Grounding, problem: str) -> Grounding:
    return Grounding(passed=False, problems=[*grounding.problems, problem], claims=grounding.claims)


def product_names(offers: list[ProductOffer]) -> re.Pattern[str]:
    """The offers' names as the copy may write them (catalog, display and spoken forms), in any case."""
    names = {form for o in offers for form in (o.title, display_title(o.title), speakable(o.title)) if form.strip()}
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) or "(?!)", re.IGNORECASE)


def without_repeats(prose: str, earlier: list[str], names: re.Pattern[str]) -> tuple[str, list[str]]:
    """`prose` without its sentences that repeat a run of an earlier variant's words (product `names` aside), and
    those sentences; unchanged where nothing else would be left (`repeat_problems` then fails it). Two of three
    English email variants ended "…is perfect for any occasion, whether you're looking for a gift for a family
    member or a special treat for yourself." (a fresh demo run, 2026-11-25)."""
    if not earlier:
        return prose, []
    kept, dropped = drop_sentences(prose, lambda s: any(shared_run(s, e, skip=names) for e in earlier))
    return (kept, dropped) if kept else (prose, [])


def repeat_problems(variants: list[CopyVariant], names: re.Pattern[str]) -> None:
    """Fail a variant whose words repeat an earlier one's: the same text (a real Chinese SMS draft had one line three
    times), or a run of its words (`shared_run`, product names aside)."""
    seen: dict[str, int] = {}
    for n, variant in enumerate(variants, 1):
        key = "".join(variant.prose.casefold().split())
        if key in seen:
            note = f"it repeats variant {seen[key]}; write a different one"
            variant.grounding = with_problem(variant.grounding, note)
            continue
        seen[key] = n
        for k, other in enumerate(variants[: n - 1], 1):
            if run := shared_run(variant.prose, other.prose, skip=names):
                note = f"it repeats variant {k}'s words ({run!r}); write a different one"
                variant.grounding = with_problem(variant.grounding, note)
                break
