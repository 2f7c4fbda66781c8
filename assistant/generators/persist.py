"""Store a generated draft in `generated_content` (status draft) for review and sending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assistant.generators.drafts import CopyDraft, ReplyDraft, RestockDraft
from core.db import Store
from core.tables import GeneratedContent

Draft = RestockDraft | CopyDraft | ReplyDraft
KINDS = {RestockDraft: "restock", CopyDraft: "copy", ReplyDraft: "reply"}


def draft_text(draft: Draft) -> str:
    if isinstance(draft, CopyDraft):
        return "\n\n---\n\n".join(v.text for v in draft.variants)
    return draft.text


def save_draft(store: Store, merchant_id: str, kind: str, draft: Draft, channel: str | None = None) -> int:
    """Insert the draft (flagged drafts get status 'flagged') and return its id."""
    if kind not in KINDS.values():
        raise ValueError(f"unknown content kind {kind!r}; use one of {sorted(KINDS.values())}")
    if draft.merchant_id != merchant_id:
        raise ValueError(f"draft belongs to merchant {draft.merchant_id!r}, not {merchant_id!r}")
    payload: dict[str, Any] = draft.model_dump(mode="json", exclude={"grounding"})
    if channel is None and isinstance(draft, CopyDraft):
        channel = draft.channel
    row = GeneratedContent(
        merchant_id=merchant_id,
        kind=kind,
        channel=channel,
        language=draft.language,
        status="flagged" if draft.flagged else "draft",
        text=draft_text(draft),
        payload=payload,
        grounding=draft.grounding.model_dump(mode="json"),
        prompt_id=draft.prompt_id,
        prompt_version=draft.prompt_version,
        model=draft.model,
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    with store.session() as session:
        session.add(row)
        session.flush()
        return int(row.id)
