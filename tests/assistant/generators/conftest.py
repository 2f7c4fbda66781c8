from __future__ import annotations

import pytest

from assistant.generators.common import _catalog_cache
from assistant.generators.deps import GeneratorDeps
from assistant.llm.base import FakeChatModel
from core.db import Store
from core.settings import Settings
from prompts.registry import PromptRegistry
from tests.assistant.generators.fakes import FakeRestock, FakeSearch, seed


@pytest.fixture
def deps(sqlite_store: Store, settings: Settings) -> GeneratorDeps:
    _catalog_cache.clear()
    seed(sqlite_store)
    return GeneratorDeps(
        store=sqlite_store, llm=FakeChatModel(), restock=FakeRestock(), search=FakeSearch(),
        prompts=PromptRegistry.load(), settings=settings,
    )  # fmt: skip


def script(deps: GeneratorDeps, *replies: str) -> FakeChatModel:
    llm = deps.llm
    assert isinstance(llm, FakeChatModel)
    llm.replies.extend(replies)
    return llm
