"""Build GeneratorDeps from settings with the real services (recommender, search, configured LLM)."""

from __future__ import annotations

from assistant.generators.deps import GeneratorDeps
from assistant.llm.base import ChatModel
from assistant.llm.factory import make_chat_model
from core.db import Store
from core.settings import Settings
from prompts.registry import PromptRegistry


def make_deps(settings: Settings, store: Store, llm: ChatModel | None = None) -> GeneratorDeps:
    """Recommender (recsys.service.RestockService), search (recsys.search.service.SearchService), prompts, LLM."""
    from recsys.search.service import SearchService
    from recsys.service import RestockService

    return GeneratorDeps(
        store=store,
        llm=llm if llm is not None else make_chat_model(settings),
        restock=RestockService.from_settings(settings, store),
        search=SearchService.from_settings(settings, store),
        prompts=PromptRegistry.load(),
        settings=settings,
    )
