"""The agent's prompt files (markdown with a small front matter: id, version). Kept beside the agent until the
shared prompts/ loader lands; the text is loaded once and formatted with str.format-style fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"


@dataclass(frozen=True)
class AgentPrompt:
    id: str
    version: str
    text: str

    def render(self, **fields: object) -> str:
        out = self.text
        for name, value in fields.items():
            out = out.replace("{" + name + "}", str(value))
        return out


@lru_cache(maxsize=8)
def load_prompt(name: str) -> AgentPrompt:
    raw = (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8")
    _, front, body = raw.split("---\n", 2)
    meta = yaml.safe_load(front)
    return AgentPrompt(id=str(meta["id"]), version=str(meta["version"]), text=body.strip())
