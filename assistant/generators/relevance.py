"""Relevance gate for the reply generator: a search hit reaches the LLM only when it really matches the message.

Search always returns its k best products, even for a question about something the catalog does not carry
("iPhone cases"); a small model then picks one of them. The gate keeps a hit when its dense cosine with the
message is at least DENSE_MIN, when it covers at least KEYWORD_MIN of the message's keyword weight, or when its
product holds every catalog word of the message, two or more (`SearchHit.dense`, `.keyword`, `.named`, computed by
recsys.search.service). `gated_search` also keeps a hit whose whole title the message writes ("I saw the rabbit night
light for £1.50 on your page yesterday..." scored 0.35 / 0.20 and was answered "we could not find that item"); none of
the 40 off-catalog questions lets a hit through this way.

The two thresholds were chosen by `python -m assistant.generators.relevance` (see `calibrate`) on a set that is
not the generate eval cases: positives are the demo-catalog queries of evals/search/queries.yaml, each asked
plainly and wrapped in a consumer question ("Do you have …?" / "请问有…吗？"), with the search eval's own
relevance rule deciding which hits are right; negatives are the off-catalog questions in
evals/generate/relevance/offcatalog.yaml. Rule: the highest positive recall with at most MAX_FALSE_ACCEPT of
the negative questions letting any hit through; ties go to the stricter pair. Result and table:
evals/generate/relevance/calibration.md.

A sentence of a longer message is scored by its keywords, and a Chinese one also by its cosine at CLAUSE_DENSE_MIN
(see `gated_search`), chosen by `calibrate_clauses` on the multi-sentence messages of
evals/generate/relevance/messages.yaml: the highest recall that lets no more off-catalog messages through than
keywords alone. It never applies to a one-sentence message, so the 40 off-catalog questions pass or fail as before.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.attributes import without_attributes
from core.domain import CatalogSearch, SearchHit
from recsys.search.tokenize import has_cjk, tokenize

DENSE_MIN = 0.39
KEYWORD_MIN = 0.36
CLAUSE_DENSE_MIN = 0.45  # a Chinese sentence's cosine, in a message of several (calibrate_clauses)
CLAUSE_MARGIN = 0.01  # the chosen clause bar keeps its false accepts this far below it too
OFF = math.inf  # a clause bar no cosine reaches: sentences scored by keywords only (the gate before 2026-11-25)
MAX_FALSE_ACCEPT = 0.05
K = 5
RESCORED = 3  # of the whole message's hits, those its search without attribute words may let through
OFFCATALOG = Path(__file__).resolve().parents[2] / "evals" / "generate" / "relevance" / "offcatalog.yaml"
MESSAGES = OFFCATALOG.parent / "messages.yaml"
REPORT = OFFCATALOG.parent / "calibration.md"
TEMPLATES = {"en": "Do you have {q}?", "zh": "请问有{q}吗？"}


def relevant(hit: SearchHit, dense_min: float = DENSE_MIN, keyword_min: float = KEYWORD_MIN) -> bool:
    """The gate: a strong meaning match, a strong keyword match, or a product the question names by every catalog
    word it uses (a mixed zh/en question covers little keyword weight: its Chinese words are not catalog words)."""
    return (hit.dense or 0.0) >= dense_min or (hit.keyword or 0.0) >= keyword_min or hit.named


def gate(hits: Sequence[SearchHit]) -> list[SearchHit]:
    return [h for h in hits if relevant(h)]


_CLAUSE = re.compile(r"[^。！？!?；;：:\n]+")  # sentences and "label: text" parts, not comma fragments


def _strength(hit: SearchHit) -> float:
    return max((hit.dense or 0.0) - DENSE_MIN, (hit.keyword or 0.0) - KEYWORD_MIN)


def title_words(title: str) -> set[str]:
    """A title's words a customer would write: no numbers, no stray letters ("50'S" leaves neither)."""
    return {word for word in tokenize(title) if len(word) > 1 and not any(ch.isdigit() for ch in word)}


def names_title(hit: SearchHit, message_words: set[str]) -> bool:
    """Whether the message holds every word of the hit's title (two or more): the customer wrote its name."""
    words = title_words(hit.title)
    return len(words) >= 2 and words <= message_words


def clauses_of(message: str) -> list[str]:
    """The sentences (and "label: text" parts) of a message of two or more, each of two words or more (not "Hi")."""
    clauses = [c.strip() for c in _CLAUSE.findall(message) if len(set(tokenize(c))) >= 2]
    return clauses if len(clauses) > 1 else []


def gated_search(
    search: CatalogSearch,
    message: str,
    *,
    k: int = K,
    merchant_id: str | None = None,
    clause_dense_min: float = CLAUSE_DENSE_MIN,
) -> list[SearchHit]:
    """Hits that pass the gate, for the whole message and for each of its sentences, strongest first.

    A message often asks about a product in one sentence (or clause) and says something else in another (an order
    number, a hidden instruction); the other sentences dilute the whole message's cosine and keyword
    coverage, so each sentence is searched too and a product keeps its best scores. For a sentence the keyword
    coverage counts, and its cosine only as `_clause_hits` says: the cosine of a fragment like "要十斤装的" is not
    what the question bar was calibrated on (whole questions), and it let a fee line through. The calibration
    questions are single sentences, so this changes nothing for them.

    The message is searched once more without its attribute words (assistant.attributes): "Can the lunch bag go in
    the dishwasher?" let no lunch bag through (a dishwasher is no catalog word, and it pulls the cosine down), so
    the reply told a customer "Sorry, we could not find that item in our range." The question about the attribute
    then goes to the shop owner, as before. Only the whole message's top RESCORED products are rescored this way: an
    attribute word can be the product asked for ("请问有滚筒洗衣机卖吗？", a washing machine), and "滚筒" alone let
    the stray catalog line "sold in set?", fifth for the whole question, through.
    """
    found = search.search(message, k=k, merchant_id=merchant_id)
    best = {hit.sku: hit for hit in gate(found)}
    message_words = set(tokenize(message))
    for hit in found:  # a long message that writes a product's whole name ("... the rabbit night light for ...")
        if hit.sku not in best and names_title(hit, message_words):
            best[hit.sku] = hit.model_copy(update={"named": True})
    plain = without_attributes(message)
    if plain != " ".join(message.split()) and len(set(tokenize(plain))) >= 2:
        same = {hit.sku for hit in found[:RESCORED]}  # rescored, never new ones
        _keep_stronger(
            best, (hit for hit in gate(search.search(plain, k=k, merchant_id=merchant_id)) if hit.sku in same)
        )
    for clause in clauses_of(message):
        _keep_stronger(best, gate(_clause_hits(search, clause, k, merchant_id, clause_dense_min)))
    return sorted(best.values(), key=_strength, reverse=True)[:k]


# Words that greet, thank or address the shop: a sentence of only these names no product, though "谢谢老板" sits near
# the catalog's thank-you cards (cosine 0.53)
_COURTESY_TEXT = "你好 您好 谢谢 多谢 感谢 谢啦 老板 亲 麻烦 辛苦 辛苦了 在吗 在不在 好的 哈哈"
_COURTESY = frozenset(_COURTESY_TEXT.split())


def _clause_hits(
    search: CatalogSearch, clause: str, k: int, merchant_id: str | None, dense_min: float
) -> list[SearchHit]:
    """A sentence's hits as the gate scores them: its keyword coverage, and its cosine only where it is Chinese and
    reaches `dense_min` (CLAUSE_DENSE_MIN, stricter than a whole question's bar).

    A Chinese sentence shares no keyword with the English catalog, so by keywords alone "兔子夜灯多少钱" (cosine
    0.54 with RABBIT NIGHT LIGHT) was lost in "您好！我想给孩子买个小礼物。兔子夜灯多少钱？有货吗？", whose whole
    cosine with it is diluted below the bar, and the reply said the shop did not have it. An English sentence keeps
    keywords only: they work there, and its fragments' cosines ("Thanks a lot", 0.58 with a thank-you card) do not."""
    hits = search.search(clause, k=k, merchant_id=merchant_id)
    cosine_counts = has_cjk(clause) and not set(tokenize(clause)) <= _COURTESY
    return [
        hit if cosine_counts and (hit.dense or 0.0) >= dense_min else hit.model_copy(update={"dense": None})
        for hit in hits
    ]


def _keep_stronger(best: dict[str, SearchHit], hits: Iterable[SearchHit]) -> None:
    """Each product keeps its strongest gated hit over the searches of one message."""
    for hit in hits:
        if hit.sku not in best or _strength(hit) > _strength(best[hit.sku]):
            best[hit.sku] = hit


@dataclass(frozen=True)
class Probe:
    """One calibration question: its top-k hits as (dense, keyword, named, right) tuples."""

    text: str
    positive: bool
    hits: tuple[tuple[float, float, bool, bool], ...]

    def accepted(self, dense_min: float, keyword_min: float) -> bool:
        """Positives: a right hit passes. Negatives: any hit passes (a false accept)."""
        return any(
            (d >= dense_min or k >= keyword_min or named) and (right or not self.positive)
            for d, k, named, right in self.hits
        )


def _probe(search: CatalogSearch, text: str, positive: bool, rule: object | None = None) -> Probe:
    hits = search.search(text, k=K)
    matches = getattr(rule, "matches", None)
    return Probe(
        text, positive,
        tuple((h.dense or 0.0, h.keyword or 0.0, h.named, bool(matches and matches(h.title))) for h in hits),
    )  # fmt: skip


def collect(search: CatalogSearch, titles: Sequence[str]) -> list[Probe]:
    """Probes from the search eval queries (positives) and the off-catalog questions (negatives)."""
    from recsys.search.evaluation import load_queries

    probes = []
    for q in load_queries():
        if q.catalog != "demo":
            continue
        for text in (q.text, TEMPLATES[q.lang].format(q=q.text)):
            probe = _probe(search, text, True, q.rule)
            if any(right for *_, right in probe.hits):  # no right hit in the top k: a search miss, not the gate's
                probes.append(probe)
    for item in yaml.safe_load(OFFCATALOG.read_text(encoding="utf-8")):
        clash = [t for t in titles if re.search(item["none_in_titles"], t, re.I)]
        if clash:
            raise ValueError(f"negative {item['text']!r} names a catalog product type: {clash[:3]}")
        probes.append(_probe(search, item["text"], False))
    return probes


def calibrate(probes: Sequence[Probe]) -> tuple[float, float, list[tuple[float, float, float, float]]]:
    """(dense_min, keyword_min, grid rows (dense_min, keyword_min, recall, false accept rate))."""
    pos = [p for p in probes if p.positive]
    neg = [p for p in probes if not p.positive]
    rows = []
    for d in range(25, 61):
        for k in range(10, 62, 2):
            dm, km = d / 100, k / 100
            recall = sum(p.accepted(dm, km) for p in pos) / len(pos)
            false = sum(p.accepted(dm, km) for p in neg) / len(neg)
            rows.append((dm, km, recall, false))
    ok = [r for r in rows if r[3] <= MAX_FALSE_ACCEPT]
    best = max(ok, key=lambda r: (r[2], -r[3], r[0], r[1]))
    return best[0], best[1], rows


class _Memo:
    """A search that runs each query once: the clause grid reruns the gate, not the search."""

    def __init__(self, search: CatalogSearch) -> None:
        self._search = search
        self._hits: dict[tuple[Any, ...], list[SearchHit]] = {}

    def search(self, query: str, **options: Any) -> list[SearchHit]:  # CatalogSearch.search's keyword options
        key = (query, *sorted(options.items()))
        if key not in self._hits:
            self._hits[key] = self._search.search(query, **options)
        return self._hits[key]


@dataclass(frozen=True)
class MessageProbe:
    """One multi-sentence calibration message; a positive carries the search eval's rule for its right hits."""

    text: str
    positive: bool
    rule: Any = None

    def right(self, hit: SearchHit) -> bool:
        return bool(self.rule is not None and self.rule.matches(hit.title))

    def accepted(self, search: CatalogSearch, clause_dense_min: float) -> bool:
        """Positives: a right hit passes the whole gate. Negatives: any hit passes (a false accept)."""
        hits = gated_search(search, self.text, k=K, clause_dense_min=clause_dense_min)
        return any(self.right(hit) for hit in hits) if self.positive else bool(hits)


def message_probes(search: CatalogSearch) -> list[MessageProbe]:
    """Chinese demo-catalog queries and off-catalog questions inside the messages of MESSAGES; a positive none of
    whose searches (the message's, its sentences') finds a right hit is a search miss, not the gate's, and left out."""
    from recsys.search.evaluation import load_queries

    templates = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    probes = []
    for q in load_queries():
        if q.catalog == "demo" and q.lang == "zh":
            texts = [q.text] if q.kind == "named" else [t.format(q=q.text) for t in templates["positive"]]
            probes += [MessageProbe(text, True, q.rule) for text in texts]
    probes = [
        p for p in probes if any(p.right(h) for t in [p.text, *clauses_of(p.text)] for h in search.search(t, k=K))
    ]
    for item in yaml.safe_load(OFFCATALOG.read_text(encoding="utf-8")):
        if item["lang"] == "zh":
            probes += [MessageProbe(t.format(q=item["text"]), False) for t in templates["negative"]]
    return probes


def calibrate_clauses(
    search: CatalogSearch, probes: Sequence[MessageProbe]
) -> tuple[float, list[tuple[float, float, float]]]:
    """(clause bar, grid rows (bar, recall, false accept rate)): the highest recall whose false accepts are no more
    than keywords alone let through (bar OFF), also at CLAUSE_MARGIN below it (the first such bar, 0.44, sat 0.0003
    above "要十斤装的" and PACKING CHARGE); ties go to the stricter bar."""
    memo = _Memo(search)
    pos = [p for p in probes if p.positive]
    neg = [p for p in probes if not p.positive]
    rows = []
    for bar in [OFF, *(d / 100 for d in range(round(DENSE_MIN * 100), 61))]:
        recall = sum(p.accepted(memo, bar) for p in pos) / len(pos)
        false = sum(p.accepted(memo, bar) for p in neg) / len(neg)
        rows.append((bar, recall, false))
    clean = {round(r[0], 2) for r in rows if r[2] <= rows[0][2]}
    safe = [r for r in rows if r[0] == OFF or {round(r[0], 2), round(r[0] - CLAUSE_MARGIN, 2)} <= clean]
    best = max(safe, key=lambda r: (r[1], r[0]))
    return best[0], rows


def clause_report(probes: Sequence[MessageProbe], bar: float, rows: Sequence[tuple[float, float, float]]) -> str:
    n_pos = sum(p.positive for p in probes)
    lines = [
        "",
        "## Clause bar: a Chinese sentence's cosine in a message of several",
        "",
        f"{n_pos} positives: the Chinese demo-catalog queries inside the messages of",
        "evals/generate/relevance/messages.yaml (those whose searches find a right hit), the `named` ones as they",
        f"are; {len(probes) - n_pos} negatives: the 20 Chinese off-catalog questions inside its messages. Each",
        "message goes through `gated_search`; `off` scores its sentences by keywords only (the gate before",
        f"2026-11-25). Chosen: {_bar(bar)} (the highest recall with no more false accepts than `off`, also",
        f"{CLAUSE_MARGIN:.2f} below it).",
        "",
        "| clause bar | positives accepted | negatives falsely accepted |",
        "|---|---|---|",
    ]
    for r in rows:
        if r[0] == OFF or round(r[0] * 100) % 2 == 1 or r[0] == bar:
            mark = " **chosen**" if r[0] == bar else ""
            lines.append(f"| {_bar(r[0])} | {r[1]:.0%} | {r[2]:.0%}{mark} |")
    return "\n".join(lines) + "\n"


def _bar(bar: float) -> str:
    return "off" if bar == OFF else f"{bar:.2f}"


def report(
    probes: Sequence[Probe], dense_min: float, keyword_min: float, rows: Sequence[tuple[float, float, float, float]]
) -> str:
    pos = [p for p in probes if p.positive]
    neg = [p for p in probes if not p.positive]
    lines = [
        "# Reply relevance gate: calibration",
        "",
        "Produced by `python -m assistant.generators.relevance` (S2B_HOME with the demo data ingested). Positives:",
        f"{len(pos)} probes: demo-catalog queries of evals/search/queries.yaml, each asked plainly and as a consumer",
        "question,",
        f"(only those with a right hit in the top {K}); negatives: {len(neg)} off-catalog questions",
        "(evals/generate/relevance/offcatalog.yaml). A positive is accepted when a right hit passes the gate, a",
        "negative is falsely accepted when any hit passes.",
        "",
        f"Chosen: dense cosine >= {dense_min:.2f} or keyword coverage >= {keyword_min:.2f} (highest recall with",
        f"false accepts <= {MAX_FALSE_ACCEPT:.0%}). A hit whose product holds every catalog word of the question (two",
        "or more; `SearchHit.named`) passes at any threshold; it is counted in every row.",
        f"In use (relevance.py): dense cosine >= {DENSE_MIN:.2f} or keyword coverage >= {KEYWORD_MIN:.2f}.",
        "",
        "| dense min | keyword min | positives accepted | negatives falsely accepted |",
        "|---|---|---|---|",
    ]
    in_use = (round(DENSE_MIN, 2), round(KEYWORD_MIN, 2))
    shown = {(round(r[0], 2), round(r[1], 2)) for r in rows if r[1] in (0.2, 0.3, 0.4) or r[1] == keyword_min}
    for r in rows:
        pair = (round(r[0], 2), round(r[1], 2))
        if (pair in shown and (round(r[0] * 100) % 4 == 1 or r[0] == dense_min)) or pair == in_use:
            mark = " **chosen**" if (r[0], r[1]) == (dense_min, keyword_min) else ""
            mark += " **in use**" if pair == in_use else ""
            lines.append(f"| {r[0]:.2f} | {r[1]:.2f} | {r[2]:.0%} | {r[3]:.0%}{mark} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    from sqlalchemy import select

    from core.db import Store
    from core.settings import load_settings
    from core.tables import Product
    from recsys.search.service import SearchService

    settings = load_settings()
    store = Store.from_settings(settings)
    with store.session() as session:
        titles = [t for t in session.scalars(select(Product.title)) if t]
    search = SearchService.from_settings(settings, store)
    probes = collect(search, titles)
    dense_min, keyword_min, rows = calibrate(probes)
    text = report(probes, dense_min, keyword_min, rows)
    messages = message_probes(search)
    bar, clause_rows = calibrate_clauses(search, messages)
    text += clause_report(messages, bar, clause_rows)
    REPORT.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
