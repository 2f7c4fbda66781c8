"""Language detection for the two supported languages (zh, en): share of CJK characters among letters."""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["zh", "en"]
CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs: unified, extension A, compatibility
CJK = re.compile(f"[{CJK_CHARS}]")
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_LATIN = re.compile(r"[A-Za-z]")
_UPPER_RUN = re.compile(r"\b[A-Z0-9][A-Z0-9 '&/.,-]{6,}\b")  # catalog titles (upper case) quoted in zh text


def cjk_share(text: str) -> float:
    """CJK characters / (CJK characters + Latin words). Catalog titles in capitals are ignored."""
    stripped = _UPPER_RUN.sub(" ", text)
    cjk = len(CJK.findall(stripped))
    latin_words = len(re.findall(r"[A-Za-z]+", stripped))
    total = cjk + latin_words
    return cjk / total if total else 0.0


def detect_language(text: str, default: Lang = "en") -> Lang:
    """zh when Chinese characters dominate, en when Latin words do; `default` when there are no letters."""
    if not CJK.search(text) and not _LATIN.search(text):
        return default
    return "zh" if cjk_share(text) >= 0.3 else "en"


def language_matches(text: str, lang: str) -> bool:
    """Whether generated prose is written in `lang` (product titles in capitals do not count against zh)."""
    share = cjk_share(text)
    if lang == "zh":
        return share >= 0.5
    return share <= 0.05
