"""Everything a generator needs, passed in one object (the CLI, the API and the batch jobs build it)."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.llm.base import ChatModel
from core.db import Store
from core.domain import CatalogSearch, RestockSource
from core.settings import Settings
from prompts.registry import PromptRegistry


@dataclass
class GeneratorDeps:
    store: Store
    llm: ChatModel
    restock: RestockSource
    search: CatalogSearch
    prompts: PromptRegistry
    settings: Settings
