"""Shared generator plumbing: schema-constrained LLM calls with timing, the regenerate-once loop, catalog facts."""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select

from assistant.generators.deps import GeneratorDeps
from assistant.generators.schema import schema_errors
from assistant.grounding import Grounding, attempted_amounts, prose_problems
from assistant.llm.base import ChatMessage, LLMError
from core.db import Store
from core.domain import plain_price
from core.tables import Merchant, Product
from prompts.registry import Prompt

T = TypeVar("T")
CATALOG_TTL_S = 60.0
WHITESPACE_RUN = 24  # a run this long outside the JSON layout means the decoder is looping on whitespace


class GenerationError(LLMError):
    """The request cannot be served from the data (unknown merchant, no products...); the message says why."""


@dataclass
class CallLog:
    """Timings of the LLM calls behind one draft."""

    started: float = field(default_factory=time.perf_counter)
    seconds: list[float] = field(default_factory=list)
    first_token_s: float | None = None
    invalid_json: int = 0  # model replies that were not a JSON object and were asked for again
    notes: list[str] = field(default_factory=list)  # repairs made to the model's JSON itself (`close_json`)

    def elapsed(self) -> float:
        return round(time.perf_counter() - self.started, 3)


def call_json(
    deps: GeneratorDeps,
    prompt: Prompt,
    lang: str,
    values: dict[str, Any],
    schema: dict[str, Any],
    log: CallLog,
    *,
    problems: list[str] | None = None,
    max_tokens: int = 400,
    temperature: float = 0.3,
) -> dict[str, Any]:
    """Render the prompt, stream schema-constrained JSON, parse it. Previous problems are listed for a retry."""
    messages = prompt.render(lang, **values)
    if problems:
        fix = (
            "你上一次的回答有这些问题，请重写并避免它们：\n"
            if lang == "zh"
            else "Your previous answer had these problems; write it again without them:\n"
        )
        messages[-1] = ChatMessage("user", messages[-1].content + "\n\n" + fix + "\n".join(f"- {p}" for p in problems))
    text = ""
    closed: tuple[dict[str, Any], str] | None = None
    # A reply cut off by the token limit or by a whitespace loop gets one more try, larger and less greedy.
    for budget, temp in ((max_tokens, temperature), (max_tokens * 2, max(0.7, temperature))):
        try:
            text = _stream_text(deps, messages, schema, log, budget, temp)
        except LLMError as exc:  # e.g. llama.cpp's output parser rejecting a reply: try once more
            text = f"<error: {exc}>"
            log.invalid_json += 1
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            log.invalid_json += 1
            closed = _closed_reply(text, schema) or closed
            continue
        if not (errors := schema_errors(data, schema, strings=False)):
            return dict(data)
        text = f"{text[:150]} <schema: {'; '.join(errors[:3])}>"
        log.invalid_json += 1
    if closed:  # both tries stopped mid-JSON: use what the model wrote up to where it stopped
        log.notes.append(f"closed the model's JSON where it stopped (a loop or the token limit): ...{closed[1]!r}")
        return closed[0]
    raise LLMError(
        f"{deps.llm.model_name} returned invalid JSON (or JSON off the schema) for prompt {prompt.id}: {text[:240]!r}"
    )


def close_json(text: str) -> str:
    """JSON cut off inside a value, closed where it stopped: the open string, then the open arrays and objects.

    The caller parses and schema-checks the result; a cut after a key or a comma-separated start may still fail.
    """
    closers: list[str] = []
    in_string = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char in "{[":
            closers.append("}" if char == "{" else "]")
        elif char in "}]" and closers:
            closers.pop()
    body = text[:-1] if escaped else text.rstrip()  # a lone backslash would escape the closing quote
    body = body + '"' if in_string else body.rstrip(",")
    return body + "".join(reversed(closers))


def _closed_reply(text: str, schema: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """(the reply closed by `close_json`, its last words) if that is a JSON object on the schema, else None."""
    try:
        data = json.loads(close_json(text))
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or schema_errors(data, schema, strings=False):
        return None
    return data, text.rstrip()[-60:]


def _stream_text(
    deps: GeneratorDeps,
    messages: list[ChatMessage],
    schema: dict[str, Any],
    log: CallLog,
    max_tokens: int,
    temperature: float,
) -> str:
    started = time.perf_counter()
    chunks: list[str] = []
    first: float | None = None
    run = 0
    stream = deps.llm.stream(messages, max_tokens=max_tokens, temperature=temperature, json_schema=schema)
    for piece in stream:
        if first is None:
            first = time.perf_counter() - started
        chunks.append(piece)
        run = run + len(piece) if not piece.strip() else len(piece) - len(piece.rstrip())
        if run > WHITESPACE_RUN:
            close = getattr(stream, "close", None)
            if callable(close):
                close()  # ends the HTTP stream, which cancels the request on the server
            break
    log.seconds.append(round(time.perf_counter() - started, 3))
    if log.first_token_s is None and first is not None:
        log.first_token_s = round(first, 3)
    return "".join(chunks)


def grounded_attempts(attempt: Callable[[list[str]], tuple[T, Grounding]]) -> tuple[T, Grounding, int, bool]:
    """Run `attempt`; when its grounding fails, run it once more with the problems listed.

    Returns (result, grounding, attempts, flagged). A result that still fails is returned flagged, never hidden.
    """
    result, grounding = attempt([])
    if grounding.passed:
        return result, grounding, 1, False
    result, grounding = attempt(grounding.problems)
    return result, grounding, 2, not grounding.passed


def merchant_language(store: Store, merchant_id: str) -> str:
    """The merchant's language (zh|en); GenerationError for an unknown merchant."""
    with store.session() as session:
        merchant = session.get(Merchant, merchant_id)
        if merchant is None:
            raise GenerationError(f"unknown merchant {merchant_id!r}")
        return "zh" if merchant.language == "zh" else "en"


_catalog_lock = threading.Lock()
_catalog_cache: dict[str, tuple[float, frozenset[str], frozenset[str]]] = {}


def catalog_index(store: Store) -> tuple[frozenset[str], frozenset[str]]:
    """(all catalog SKUs, all catalog titles), cached for a minute per store."""
    with _catalog_lock:
        hit = _catalog_cache.get(store.url)
        if hit and time.monotonic() - hit[0] < CATALOG_TTL_S:
            return hit[1], hit[2]
    with store.session() as session:
        rows = session.execute(select(Product.sku, Product.title)).all()
    skus = frozenset(r.sku for r in rows)
    titles = frozenset(r.title.strip() for r in rows if r.title and r.title.strip())
    with _catalog_lock:
        _catalog_cache[store.url] = (time.monotonic(), skus, titles)
    return skus, titles


_SENTENCE_END = re.compile(r"[。！？!?.…~～)）\U0001F300-\U0001FAFF\u2600-\u27BF]")


# Chinese clauses end at these marks and usually stand alone; an English comma often ends a half ("providing a")
_CLAUSE_END = re.compile(r"[，、；：]")
_CJK_CHARS = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"  # CJK punctuation, ideographs, full-width forms
_CJK_END = re.compile(f"[{_CJK_CHARS}]")


def trim_to_sentence(text: str, limit: int, cap: int | None = None) -> tuple[str, str]:
    """Text the model wrote, cut back to whole words of sense if it ran past `limit` or into the schema's cap.

    The schema's pattern caps each string at `cap` characters (default: `limit`), and the decoder closes the
    string when the next token no longer fits, so a model that runs long stops mid-phrase within a token of the
    cap: "...regularly to", "...adds a touch of", "适合家庭成员的". Such text, and text longer than `limit` (a
    cap with room beyond the limit), goes back to its last sentence end within the limit, else (Chinese) to its
    last clause, not shorter than a third of it; with neither, nothing of it is whole. Returns (kept text, the
    part cut off: "" when nothing was).
    """
    text = text.strip()
    cap = limit if cap is None else cap
    margin = 3 if _CJK_END.fullmatch(text[-1:]) else 12  # about one token: a CJK character or an English word
    at_cap = len(text) >= cap - margin and not _SENTENCE_END.fullmatch(text[-1:])
    if len(text) <= limit and not at_cap:
        return text, ""
    for pattern in (_SENTENCE_END, _CLAUSE_END):
        ends = [m.end() for m in pattern.finditer(text) if len(text) // 3 <= m.end() <= limit]
        if ends:
            kept = text[: ends[-1]]
            if pattern is _CLAUSE_END:
                kept = kept[:-1]
            return kept.strip(), text[ends[-1] :].strip()
    return "", text


def cut_notes(cut: str) -> list[str]:
    """The repair note for what `trim_to_sentence` cut off (none when it cut nothing)."""
    return [f"cut off the model's words {cut!r}, unfinished at the length limit"] if cut else []


_SENTENCE = re.compile(r"[^。！？!?.…\n]*(?:[。！？!?.…\n]+|$)")


_COURTESY_FREE = re.compile(r"\bfeel free\b", re.IGNORECASE)
# what is left of a sentence around a hole: "…priced at  pounds   .  ." kept a lone " ." after the broken sentence
# went, and the draft was flagged for a gap (s2b eval generate, trap-misquote-en-heart)
_STRAY_MARKS = re.compile(r"[\s.,:;!?。，：；！？、…\-]*")


def clean_prose(prose: str) -> tuple[str, list[str]]:
    """Drop the model's sentences that name a currency or leave a hole, a placeholder or a price in words where it
    tried to write a number, sentences it already wrote (a real Chinese copy: "新年快乐！" 22 times), and "feel
    free to ask" courtesy lines.

    The decoder cannot write digits, so a sentence like "It costs  pounds." is broken, not false; the true
    price is in the facts lines. "Feel free to…" offers nothing, but consumer text must not contain the word
    "free" (the check for free-goods claims cannot tell the idiom apart), so the line goes rather than the
    whole draft being regenerated for it. Returns (kept prose, dropped sentences); the caller records what it
    dropped. Grounding still checks the kept prose, so nothing is hidden by this.
    """
    seen: set[str] = set()

    def bad(sentence: str) -> bool:
        key = re.sub(r"\W+", "", sentence).casefold()
        repeat = key in seen
        seen.add(key)
        broken = prose_problems(sentence.strip()) or attempted_amounts(sentence)
        return bool(repeat or broken or _COURTESY_FREE.search(sentence) or _STRAY_MARKS.fullmatch(sentence))

    return drop_sentences(prose, bad)


def drop_sentences(prose: str, bad: Callable[[str], bool]) -> tuple[str, list[str]]:
    """(the prose without its sentences for which `bad` is true, those sentences). Runs of spaces left between the
    kept sentences become one ("Thanks for your message!  It is available." in a fresh-clone probe)."""
    kept: list[str] = []
    dropped: list[str] = []
    for match in _SENTENCE.finditer(prose):
        sentence = match.group(0)
        if sentence.strip():
            (dropped if bad(sentence) else kept).append(sentence)
    return re.sub(r"[ \t]{2,}", " ", "".join(kept)).strip(), [d.strip() for d in dropped]


# A run of the prompt's own wording this long in the model's text was copied from the prompt, not written for the
# reader: 7 English words (reply v2's "say politely that the shop does not have it": six of them make a fair answer),
# 10 CJK characters ("店里没有这款商品", 8).
ECHO_WORDS = 7
ECHO_CJK = 10
_QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”|「[^」\n]*」')  # the prompt's examples of what to write
_LATIN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")


def _runs_of(segments: list[str], n_words: int) -> tuple[list[tuple[str, ...]], list[str]]:
    """Each segment's runs of `n_words` words (lower-cased, in order) and its runs of CJK characters; no run
    crosses from one segment to the next."""
    word_runs: list[tuple[str, ...]] = []
    cjk_runs: list[str] = []
    for segment in segments:
        words = _LATIN.findall(segment.lower())
        word_runs += [tuple(words[i : i + n_words]) for i in range(len(words) - n_words + 1)]
        cjk_runs += _CJK_RUN.findall(segment)
    return word_runs, cjk_runs


def _first_shared(
    text: tuple[list[tuple[str, ...]], list[str]], runs: frozenset[tuple[str, ...]], cjk: str, n_cjk: int
) -> str | None:
    word_runs, cjk_runs = text
    for words in word_runs:
        if words in runs:
            return " ".join(words)
    for run in cjk_runs:
        for i in range(len(run) - n_cjk + 1):
            if run[i : i + n_cjk] in cjk:
                return run[i : i + n_cjk]
    return None


@functools.lru_cache(maxsize=32)
def _instruction_runs(instructions: str, n_words: int) -> tuple[frozenset[tuple[str, ...]], str]:
    word_runs, cjk_runs = _runs_of([_QUOTED.sub(" ", instructions)], n_words)
    return frozenset(word_runs), "\n".join(cjk_runs)


def echoed_instructions(
    text: str, instructions: str, *, n_words: int = ECHO_WORDS, n_cjk: int = ECHO_CJK
) -> str | None:
    """The first run of the prompt's own wording that `text` copies (`n_words` words, `n_cjk` CJK characters;
    the prompt's quoted examples excepted), or None.

    A small model sometimes repeats its rules to the reader: with reply prompt v2, "…never say when something
    arrives or whether it can be returned", or "The shop owner will check and reply" under a price question.
    """
    runs, cjk = _instruction_runs(instructions, n_words)
    return _first_shared(_runs_of([text], n_words), runs, cjk, n_cjk)


def shared_run(
    text: str, other: str, *, skip: re.Pattern[str] | None = None, n_words: int = ECHO_WORDS, n_cjk: int = ECHO_CJK
) -> str | None:
    """The first run of `n_words` words (or `n_cjk` CJK characters) of `text` that `other` has too, or None.

    What `skip` matches (product names: two variants may both name the product) is left out and breaks runs, so
    "Set of 3 Cake Tins Pantry Design" alone is no shared run.
    """

    def segments(value: str) -> list[str]:
        return skip.split(value) if skip is not None else [value]

    word_runs, cjk_runs = _runs_of(segments(other), n_words)
    return _first_shared(_runs_of(segments(text), n_words), frozenset(word_runs), "\n".join(cjk_runs), n_cjk)


def dropped_notes(dropped: list[str]) -> list[str]:
    """The repair notes recorded for the sentences `clean_prose` dropped."""
    why = "a number gap or placeholder, a currency word or price in words, a repeat, or 'feel free'"
    return [f"dropped the model's sentence {d!r} ({why})" for d in dropped]


_DIGIT_WORD = re.compile(r"[^\s]*\d[^\s]*")


_WORD_START = re.compile(r"(?<![\w'’])([^\W\d_])")


def display_title(title: str) -> str:
    """A catalog title (often upper case) as customers read it: each word capitalised, but not a letter after an
    apostrophe or a digit ("MOTHER'S KITCHEN 50'S" -> "Mother's Kitchen 50's", where str.title() wrote "Mother'S")."""
    return _WORD_START.sub(lambda match: match.group(1).upper(), title.lower())


def speakable(title: str) -> str:
    """A product name as the model may repeat it: without the words that hold digits ("SET OF 3", "S/12").

    The decoder cannot write digits, so a model copying "Regency Cakestand 3 Tier" left a hole ("Cakestand
    tier"), which grounding rightly rejects; given "Regency Cakestand Tier" it copies words it can write. The
    exact names, with their numbers, are rendered from data in the facts and offer lines.
    """
    return display_title(" ".join(_DIGIT_WORD.sub(" ", title).split())) or display_title(title)


def money_text(value: Any, currency: str = "GBP") -> str:
    symbol = {"GBP": "£", "CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€"}.get(currency.upper(), currency.upper() + " ")
    price = plain_price(Decimal(str(value)).quantize(Decimal("0.0001")))  # 2.5 -> 2.50; 0.0021 is not 0.00
    return f"{symbol}{price}"
