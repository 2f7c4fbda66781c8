"""What customers are shown in the model's own words, over `s2b eval generate --out` results files.

    python -m evals.generate.shown_replies RESULTS.json [RESULTS.json ...]

For each reply draft it reads the first line of the text (the model's words; the lines after it are written by
code) and counts, next to the eval's flagged / needs_human / trap columns:
- prompt echo: a run of at least 6 words (8 CJK characters) copied from any version of the reply prompt's
  system text, its quoted examples excepted. Lower than the repair rule's 7 / 10
  (the same check, `assistant.generators.common.echoed_instructions`), so it also counts near misses of that rule;
- input talk: words about the model's input rather than to the customer ("the list you provided", 系统);
- promises: delivery / refund promises the data cannot back ("as soon as possible", 尽快, 预计), in unflagged drafts;
- only thanks: the first line is a plain thank-you.
Used for the reply prompt v3 probe of 2026-11-23 (`evals/generate/last_run.md`).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from assistant.generators.common import echoed_instructions
from prompts.registry import PROMPTS_DIR, load_prompt

ECHO_WORDS, ECHO_CJK = 6, 8
_INPUT_TALK = re.compile(
    r"you provided|provided information|products? list|list of products|the list|not specified|the system"
    r"|these rules|商品列表|列表|系统|规则",
    re.IGNORECASE,
)
_PROMISE = re.compile(
    r"as soon as|asap|we'll (?:send|get|process|deliver|ship)|will be (?:sent|shipped|processed)"
    r"|help you with a (?:refund|return)|尽快|预计|本周|马上|立即|会在收到",
    re.IGNORECASE,
)
_THANKS = re.compile(r"^(?:thanks?(?: you)? for your message[.!]|感谢您的咨询[。！])$", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _prompt_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {"en": [], "zh": []}
    for path in sorted(PROMPTS_DIR.glob("reply.v*.yaml")):
        prompt = load_prompt(path)
        for lang, found in texts.items():
            found.append(prompt.system(lang))
    return texts


def _echoes(prose: str, lang: str, texts: dict[str, list[str]]) -> bool:
    return any(echoed_instructions(prose, t, n_words=ECHO_WORDS, n_cjk=ECHO_CJK) for t in texts[lang])


def tally(results: list[dict[str, object]], texts: dict[str, list[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for case in results:
        if case["kind"] != "reply":
            continue
        prose = str(case["text"]).split("\n")[0].strip()
        lang = "zh" if _CJK.search(prose) else "en"
        counts["drafts"] += 1
        counts["flagged"] += bool(case["flagged"])
        counts["prompt echo"] += _echoes(prose, lang, texts)
        counts["input talk"] += bool(_INPUT_TALK.search(prose))
        counts["promises (unflagged)"] += bool(_PROMISE.search(prose)) and not case["flagged"]
        counts["only thanks"] += bool(_THANKS.match(prose))
        counts["needs_human wrong"] += case["needs_human_ok"] is False
        counts["trap failed"] += case["trap_ok"] is False
    return counts


def main(paths: list[str]) -> None:
    texts = _prompt_texts()
    total: Counter[str] = Counter()
    for path in paths:
        counts = tally(json.loads(Path(path).read_text(encoding="utf-8")), texts)
        total.update(counts)
        print(path, dict(counts))
    print("all", dict(total))


if __name__ == "__main__":
    main(sys.argv[1:])
