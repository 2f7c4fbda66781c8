"""The generator port the agent and the HTTP layer call, and its one real implementation over assistant.generators.

Drafts are duck-typed (the generators' pydantic models): text, variants, items, grounding (passed, problems), flagged,
prompt_id, prompt_version, model, latency_s and, for replies, needs_human. `draft_dict` turns any of them into JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from core.db import Store
from core.domain import CatalogSearch, RestockSource
from core.settings import Settings


class Generators(Protocol):
    def restock(self, merchant_id: str, *, lang: str | None = None, k: int = 10) -> Any: ...

    def copy(
        self,
        merchant_id: str,
        *,
        skus: Sequence[str] | None = None,
        channel: str = "wechat_moments",
        lang: str = "zh",
        tone: str = "friendly",
        max_chars: int | None = None,
        variants: int = 3,
        theme: str | None = None,
    ) -> Any: ...

    def reply(self, merchant_id: str, message: str, *, order_id: str | None = None, lang: str | None = None) -> Any: ...

    def save(self, merchant_id: str, kind: str, draft: Any, channel: str | None = None) -> int: ...


def draft_dict(draft: Any) -> dict[str, Any]:
    """A JSON-ready dict of a generator draft (pydantic model or dataclass-like object)."""
    if hasattr(draft, "model_dump"):
        data: dict[str, Any] = draft.model_dump(mode="json")
        return data
    return {k: v for k, v in vars(draft).items() if not k.startswith("_")}


def grounding_of(draft: Any) -> dict[str, Any]:
    grounding = getattr(draft, "grounding", None)
    if grounding is None:
        return {"passed": True, "problems": []}
    if hasattr(grounding, "model_dump"):
        data: dict[str, Any] = grounding.model_dump(mode="json")
        return data
    if isinstance(grounding, dict):
        return grounding
    return {"passed": bool(getattr(grounding, "passed", True)), "problems": list(getattr(grounding, "problems", []))}


class GeneratorSuite:
    """Generators over the real assistant.generators package (restock summary, copy, customer reply, persistence)."""

    def __init__(
        self, settings: Settings, store: Store, llm: Any, restock: RestockSource, search: CatalogSearch
    ) -> None:
        from assistant.generators.deps import GeneratorDeps
        from prompts.registry import PromptRegistry

        self.store = store
        self.deps = GeneratorDeps(
            store=store, llm=llm, restock=restock, search=search, prompts=PromptRegistry.load(), settings=settings
        )

    def restock(self, merchant_id: str, *, lang: str | None = None, k: int = 10) -> Any:
        from assistant.generators.restock import generate_restock

        return generate_restock(self.deps, merchant_id, lang=lang, k=k)

    def copy(
        self,
        merchant_id: str,
        *,
        skus: Sequence[str] | None = None,
        channel: str = "wechat_moments",
        lang: str = "zh",
        tone: str = "friendly",
        max_chars: int | None = None,
        variants: int = 3,
        theme: str | None = None,
    ) -> Any:
        from assistant.generators.copy import generate_copy

        return generate_copy(
            self.deps,
            merchant_id,
            skus=list(skus) if skus else None,
            channel=channel,
            lang=lang,
            tone=tone,
            max_chars=max_chars,
            variants=variants,
            theme=theme,
        )

    def reply(self, merchant_id: str, message: str, *, order_id: str | None = None, lang: str | None = None) -> Any:
        from assistant.generators.reply import generate_reply

        return generate_reply(self.deps, merchant_id, message, order_id=order_id, lang=lang)

    def save(self, merchant_id: str, kind: str, draft: Any, channel: str | None = None) -> int:
        from assistant.generators.persist import save_draft

        return save_draft(self.store, merchant_id, kind, draft, channel=channel)
