"""Conversations and messages, always read and written under one merchant id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from core.db import Store
from core.tables import Conversation, Message


class ConversationNotFound(LookupError):
    pass


class ConversationForbidden(PermissionError):
    """The conversation exists but belongs to another merchant."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def open_conversation(store: Store, merchant_id: str, conversation_id: str | None, title: str = "") -> str:
    """The id of the caller's conversation (checked to be theirs), or of a new one."""
    with store.session() as session:
        if conversation_id:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                raise ConversationNotFound(conversation_id)
            if conv.merchant_id != merchant_id:
                raise ConversationForbidden(conversation_id)
            return conv.id
        conv = Conversation(id=uuid.uuid4().hex, merchant_id=merchant_id, title=title[:200], created_at=_now())
        session.add(conv)
        return conv.id


def add_message(
    store: Store, conversation_id: str, role: str, content: str, payload: dict[str, Any] | None = None
) -> int:
    with store.session() as session:
        msg = Message(
            conversation_id=conversation_id, role=role, content=content, payload=payload or {}, created_at=_now()
        )
        session.add(msg)
        session.flush()
        return msg.id


def last_answer(store: Store, conversation_id: str) -> dict[str, Any] | None:
    """The payload of the conversation's last assistant message (its action, events, language), if any."""
    with store.session() as session:
        payload = session.scalar(
            select(Message.payload)
            .where(Message.conversation_id == conversation_id, Message.role == "assistant")
            .order_by(Message.id.desc())
            .limit(1)
        )
    return dict(payload) if payload else None


def history(store: Store, conversation_id: str, limit: int = 6) -> list[tuple[str, str]]:
    """The last `limit` (role, content) pairs, oldest first."""
    with store.session() as session:
        rows = session.execute(
            select(Message.role, Message.content)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.id.desc())
            .limit(limit)
        ).all()
    return [(role, content) for role, content in reversed(rows)]


def list_conversations(store: Store, merchant_id: str, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    with store.session() as session:
        counts = (
            select(Message.conversation_id, func.count().label("n"), func.max(Message.created_at).label("last"))
            .group_by(Message.conversation_id)
            .subquery()
        )
        rows = session.execute(
            select(Conversation, counts.c.n, counts.c.last)
            .join(counts, counts.c.conversation_id == Conversation.id, isouter=True)
            .where(Conversation.merchant_id == merchant_id)
            .order_by(Conversation.created_at.desc(), Conversation.id)
            .limit(limit)
            .offset(offset)
        ).all()
    return [
        {
            "id": conv.id,
            "merchant_id": conv.merchant_id,
            "title": conv.title,
            "created_at": conv.created_at.isoformat(),
            "messages": int(n or 0),
            "last_message_at": last.isoformat() if last else None,
        }
        for conv, n, last in rows
    ]


def get_conversation(store: Store, conversation_id: str) -> dict[str, Any]:
    """The conversation with its messages; the caller checks `merchant_id` against the key."""
    with store.session() as session:
        conv = session.get(Conversation, conversation_id)
        if conv is None:
            raise ConversationNotFound(conversation_id)
        messages = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        ).all()
        return {
            "id": conv.id,
            "merchant_id": conv.merchant_id,
            "title": conv.title,
            "created_at": conv.created_at.isoformat(),
            "messages": [
                {
                    "id": m.id,
                    "role": m.role,
                    "content": m.content,
                    "payload": m.payload,
                    "created_at": m.created_at.isoformat(),
                }
                for m in messages
            ],
        }
