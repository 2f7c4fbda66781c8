from __future__ import annotations

import pytest

from assistant.agent.revisions import Revision, revised_action, revision_of, shorter_limit


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("now in Chinese", Revision(lang="zh", pure=True)),
        ("in Chinese please", Revision(lang="zh", pure=True)),
        ("中文的呢？", Revision(lang="zh", pure=True)),
        ("用英文回复", Revision(lang="en", pure=True)),
        ("翻译成英文", Revision(lang="en", pure=True)),
        ("make it shorter", Revision(length="shorter", pure=True)),
        ("太长了，短一点", Revision(length="shorter", pure=True)),
        ("再写一版", Revision(again=True, pure=True)),
        ("write it again but shorter", Revision(length="shorter", again=True, pure=True)),
        # something else asked too: routed as usual (in the language asked for, if any)
        ("write another post for the rabbit night light", Revision(again=True, pure=False)),
        ("find lanterns, in Chinese please", Revision(lang="zh", pure=False)),
    ],
)
def test_revisions_are_read_from_the_owners_words(message: str, expected: Revision) -> None:
    assert revision_of(message) == expected


@pytest.mark.parametrize(
    "message", ["find chinese lanterns", "有没有英文说明书？", "hello", "what should I reorder this week?", "谢谢！"]
)
def test_messages_that_ask_for_no_revision(message: str) -> None:
    assert revision_of(message) is None


COPY_TURN = {
    "action": {"action": "draft_copy", "skus": ["rabbit night light"], "channel": "xiaohongshu"},
    "lang": "en",
    "events": [
        {
            "event": "copy_variants",
            "data": {
                "variants": [
                    {"text": "A" * 100 + "\nRabbit Night Light £3.74", "prose": "A" * 100},
                    {"text": "B" * 150 + "\nRabbit Night Light £3.74", "prose": "B" * 150},
                ]
            },
        }
    ],
}


def test_a_pure_revision_redoes_the_last_action_with_its_arguments() -> None:
    chinese = revised_action(Revision(lang="zh", pure=True), COPY_TURN)
    assert chinese is not None and (chinese.action, chinese.skus, chinese.channel) == (
        "draft_copy", ["rabbit night light"], "xiaohongshu"
    )  # fmt: skip
    assert chinese.max_chars is None
    shorter = revised_action(Revision(length="shorter", pure=True), COPY_TURN)
    # the offer line ("\nRabbit Night Light £3.74", 25 chars) plus 60% of the longest prose (150)
    assert shorter is not None and shorter.max_chars == 25 + 90 == shorter_limit(COPY_TURN["events"])


def test_a_length_set_for_one_language_stays_within_the_channels_limit_in_the_other() -> None:
    sms = {**COPY_TURN, "action": {"action": "draft_copy", "skus": ["rabbit night light"], "channel": "sms",
                                   "max_chars": 89}}  # fmt: skip
    # the previous turn was English: 89 of an English SMS's 160 is 39 of a Chinese SMS's 70 (round(89 * 70 / 160)),
    # above the offer line ("\nRabbit Night Light £3.74", 25) and 12 characters of copy
    chinese = revised_action(Revision(lang="zh", pure=True), sms)
    assert chinese is not None and chinese.max_chars == 39
    english = revised_action(Revision(lang="en", pure=True), sms)
    assert english is not None and english.max_chars == 89  # the same language: kept
    tight = revised_action(Revision(lang="zh", pure=True), {**sms, "action": {**sms["action"], "max_chars": 40}})
    assert tight is not None and tight.max_chars == 25 + 12  # 18 scaled leaves no room: the offer line + 12
    back = revised_action(
        Revision(lang="en", pure=True), {**sms, "lang": "zh", "action": {**sms["action"], "max_chars": 45}}
    )
    assert back is not None and back.max_chars == 103  # round(45 * 160 / 70)


def test_what_is_not_redone() -> None:
    assert revised_action(Revision(again=True, pure=False), COPY_TURN) is None  # routed instead
    assert revised_action(Revision(lang="zh", pure=True), None) is None  # nothing before
    assert revised_action(Revision(lang="zh", pure=True), {"action": {"action": "answer"}}) is None
    restock = {"action": {"action": "restock_list"}}
    assert revised_action(Revision(again=True, pure=True), restock) is None  # a list is not redone "again"
    redone = revised_action(Revision(lang="zh", pure=True), restock)
    assert redone is not None and redone.action == "restock_list"
