"""The agent's prompts: `prompts/agent/agent_router.v<N>.yaml` and `agent_answer.v<N>.yaml`, in the shared
prompt-file format (prompts/registry.py), loaded once."""

from __future__ import annotations

from functools import lru_cache

from prompts.registry import PROMPTS_DIR, Prompt, PromptRegistry

AGENT_PROMPTS_DIR = PROMPTS_DIR / "agent"


@lru_cache(maxsize=1)
def agent_prompts() -> PromptRegistry:
    return PromptRegistry.load(AGENT_PROMPTS_DIR)


def load_prompt(name: str) -> Prompt:
    return agent_prompts().get(f"agent_{name}")
