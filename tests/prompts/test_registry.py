from __future__ import annotations

from pathlib import Path

import pytest

from prompts.registry import PromptError, PromptRegistry, load_prompt

GOOD = """id: demo
version: 2
variables: [name]
en: {system: "Fixed.", user: "Hello $name"}
zh: {system: "固定。", user: "你好 $name"}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_prompts_load_with_both_languages() -> None:
    registry = PromptRegistry.load()
    assert {"restock", "copy", "reply", "chat"} <= set(registry.ids())
    for prompt_id in ("restock", "copy", "reply", "chat"):
        prompt = registry.get(prompt_id)
        assert set(prompt.templates) == {"zh", "en"} and prompt.version


def test_render_checks_values(tmp_path: Path) -> None:
    prompt = load_prompt(write(tmp_path, "demo.v2.yaml", GOOD))
    messages = prompt.render("zh", name="小王")
    assert [m.role for m in messages] == ["system", "user"] and messages[1].content == "你好 小王"
    with pytest.raises(PromptError, match=r"missing variables \['name'\]"):
        prompt.render("en")
    with pytest.raises(PromptError, match=r"unknown \['extra'\]"):
        prompt.render("en", name="x", extra=1)
    with pytest.raises(PromptError, match="no 'fr' variant"):
        prompt.render("fr", name="x")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (GOOD.replace("Hello $name", "Hello $name $who"), "undeclared variables"),
        (GOOD.replace("variables: [name]", "variables: [name, unused]"), "never uses declared"),
        (GOOD.replace("Fixed.", "Fixed $name"), "must be fixed text"),
        (GOOD.replace('zh: {system: "固定。", user: "你好 $name"}', ""), "needs `zh"),
        (GOOD.replace("version: 2", "version: 3"), "differ from name"),
        ("id: [", "not valid YAML"),
    ],
)
def test_bad_files_fail_loudly(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(PromptError, match=error):
        load_prompt(write(tmp_path, "demo.v2.yaml", text))


def test_versions_and_names(tmp_path: Path) -> None:
    write(tmp_path, "demo.v2.yaml", GOOD)
    write(tmp_path, "demo.v10.yaml", GOOD.replace("version: 2", "version: 10"))
    registry = PromptRegistry.load(tmp_path)
    assert registry.get("demo").version == "10" and registry.get("demo", "2").version == "2"
    with pytest.raises(PromptError, match="unknown prompt"):
        registry.get("nope")
    with pytest.raises(PromptError, match="named <id>"):
        load_prompt(write(tmp_path, "Demo.yaml", GOOD))
