"""Versioned prompt files (`prompts/<id>.v<N>.yaml`), loaded and validated once at start.

Each file holds `id`, `version`, `variables` and one `system` + `user` template per language (zh, en).
Templates use `$name` placeholders. Validation fails loudly on: a missing language, a placeholder that is not
declared, a declared variable a template never uses, or a placeholder in a system part (system parts stay
fixed so llama.cpp can reuse their KV cache across requests). Rendering fails on missing or unknown values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import yaml

from assistant.llm.base import ChatMessage

PROMPTS_DIR = Path(__file__).resolve().parent
LANGUAGES = ("zh", "en")
_FILE = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)\.v(?P<version>\d+)\.yaml$")


class PromptError(ValueError):
    """A prompt file is malformed or a render call does not match the prompt's declared variables."""


def _placeholders(template: str) -> set[str]:
    names = set()
    for match in Template.pattern.finditer(template):
        if match.group("invalid") is not None:
            raise PromptError(f"invalid $ placeholder near {template[match.start() : match.start() + 20]!r}")
        name = match.group("named") or match.group("braced")
        if name:
            names.add(name)
    return names


@dataclass(frozen=True)
class Prompt:
    id: str
    version: str
    variables: frozenset[str]
    templates: dict[str, dict[str, str]]  # lang -> {"system": ..., "user": ...}
    path: Path

    def system(self, lang: str) -> str:
        return self._lang(lang)["system"]

    def _lang(self, lang: str) -> dict[str, str]:
        if lang not in self.templates:
            raise PromptError(
                f"prompt {self.id} v{self.version} has no {lang!r} variant (has {sorted(self.templates)})"
            )
        return self.templates[lang]

    def render(self, lang: str, **values: Any) -> list[ChatMessage]:
        given = set(values)
        missing, unknown = self.variables - given, given - self.variables
        if missing or unknown:
            raise PromptError(
                f"prompt {self.id} v{self.version}: missing variables {sorted(missing)}, unknown {sorted(unknown)}"
            )
        parts = self._lang(lang)
        user = Template(parts["user"]).substitute({k: str(v) for k, v in values.items()})
        return [ChatMessage("system", parts["system"].strip()), ChatMessage("user", user.strip())]


def load_prompt(path: Path) -> Prompt:
    match = _FILE.match(path.name)
    if not match:
        raise PromptError(f"{path.name}: prompt files are named <id>.v<N>.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path.name}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise PromptError(f"{path.name}: expected a mapping")
    if data.get("id") != match["id"] or str(data.get("version")) != match["version"]:
        raise PromptError(f"{path.name}: id/version inside ({data.get('id')}, {data.get('version')}) differ from name")
    declared = data.get("variables")
    if not isinstance(declared, list) or not all(isinstance(v, str) for v in declared):
        raise PromptError(f"{path.name}: `variables` must be a list of names")
    templates: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        part = data.get(lang)
        if (
            not isinstance(part, dict)
            or not isinstance(part.get("system"), str)
            or not isinstance(part.get("user"), str)
        ):
            raise PromptError(f"{path.name}: needs `{lang}: {{system: ..., user: ...}}`")
        if names := _placeholders(part["system"]):
            raise PromptError(f"{path.name}: {lang}.system must be fixed text, found placeholders {sorted(names)}")
        used = _placeholders(part["user"])
        if unknown := used - set(declared):
            raise PromptError(f"{path.name}: {lang}.user uses undeclared variables {sorted(unknown)}")
        if unused := set(declared) - used:
            raise PromptError(f"{path.name}: {lang}.user never uses declared variables {sorted(unused)}")
        templates[lang] = {"system": part["system"], "user": part["user"]}
    return Prompt(match["id"], match["version"], frozenset(declared), templates, path)


class PromptRegistry:
    """All prompt versions in a directory; `get(id)` gives the newest unless a version is named."""

    def __init__(self, prompts: list[Prompt]) -> None:
        self._by_id: dict[str, dict[str, Prompt]] = {}
        for prompt in prompts:
            self._by_id.setdefault(prompt.id, {})[prompt.version] = prompt

    @classmethod
    def load(cls, directory: Path | None = None) -> PromptRegistry:
        directory = directory or PROMPTS_DIR
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise PromptError(f"no prompt files in {directory}")
        return cls([load_prompt(path) for path in files])

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def get(self, prompt_id: str, version: str | None = None) -> Prompt:
        versions = self._by_id.get(prompt_id)
        if not versions:
            raise PromptError(f"unknown prompt {prompt_id!r}; known: {self.ids()}")
        if version is None:
            return versions[max(versions, key=int)]
        if version not in versions:
            raise PromptError(f"prompt {prompt_id!r} has no version {version!r}; has {sorted(versions)}")
        return versions[version]
