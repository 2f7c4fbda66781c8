from __future__ import annotations

from assistant.agent.tools import drafts_of


def test_the_drafts_note_counts_and_articles_in_english() -> None:
    assert drafts_of(3, "WeChat Moments post") == "3 variants of a WeChat Moments post"
    assert drafts_of(1, "SMS text message") == "1 variant of an SMS text message"  # was "of a SMS"
    assert drafts_of(2, "one poster line") == "2 variants of a one poster line"
    assert drafts_of(2, "email body") == "2 variants of an email body"
