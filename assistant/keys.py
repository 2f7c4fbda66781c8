"""API keys: created once in clear, stored as sha256 hashes, verified by hash lookup.

Roles: `merchant` (bound to exactly one merchant), `marketing` (content of all merchants), `admin` (everything).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select, update

from core.db import Store
from core.tables import INTEGER_MAX, ApiKey, Merchant, Order, text_problem

Role = Literal["merchant", "marketing", "admin"]
ROLES: tuple[Role, ...] = ("merchant", "marketing", "admin")
KEY_PREFIX = "s2b_"


class KeyCreationError(ValueError):
    """A key cannot be created as asked (unknown role, missing or unknown merchant, a label or rate limit the store
    cannot hold)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved from a verified key. merchant_id is set exactly when role == 'merchant'."""

    key_id: int
    role: Role
    merchant_id: str | None
    rate_limit_per_minute: int | None = None
    label: str = ""


@dataclass(frozen=True)
class CreatedKey:
    key: str
    principal: Principal
    prefix: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_limits(merchant_id: str | None, label: str, rate_limit_per_minute: int | None) -> None:
    """Refuse what the key's columns cannot hold (PostgreSQL would fail the insert; SQLite would store it)."""
    problem = text_problem("label", label, ApiKey.label) or text_problem("merchant id", merchant_id or "", Merchant.id)
    if problem:
        raise KeyCreationError(problem)
    if rate_limit_per_minute is not None and not 1 <= rate_limit_per_minute <= INTEGER_MAX:
        raise KeyCreationError(f"rate limit must be between 1 and {INTEGER_MAX} requests per minute")


def create_key(
    store: Store,
    *,
    role: str,
    merchant_id: str | None = None,
    label: str = "",
    rate_limit_per_minute: int | None = None,
) -> CreatedKey:
    """Create a key and return it in clear (the only time it exists in clear)."""
    if role not in ROLES:
        raise KeyCreationError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if role == "merchant" and not merchant_id:
        raise KeyCreationError("a merchant key needs --merchant ID")
    if role != "merchant" and merchant_id:
        raise KeyCreationError(f"a {role} key is not bound to a merchant; drop --merchant or use --role merchant")
    _check_limits(merchant_id, label, rate_limit_per_minute)
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    with store.session() as session:
        if merchant_id and session.get(Merchant, merchant_id) is None:
            raise KeyCreationError(f"merchant {merchant_id!r} is not in the store; ingest its orders first")
        row = ApiKey(
            key_hash=hash_key(key),
            prefix=key[:12],
            role=role,
            merchant_id=merchant_id,
            label=label,
            rate_limit_per_minute=rate_limit_per_minute,
            created_at=_now(),
        )
        session.add(row)
        session.flush()
        principal = Principal(row.id, role, merchant_id, rate_limit_per_minute, label)
    return CreatedKey(key=key, principal=principal, prefix=key[:12])


def verify_key(store: Store, key: str) -> Principal | None:
    """The principal of a valid, unrevoked key, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    with store.session() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
        if row is None or row.revoked_at is not None or row.role not in ROLES:
            return None
        return Principal(row.id, row.role, row.merchant_id, row.rate_limit_per_minute, row.label)


def revoke_key(store: Store, key_id: int) -> bool:
    with store.session() as session:
        result = session.execute(
            update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=_now())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class KeyInfo:
    """A stored key as an operator sees it: its first characters (`prefix`), never the key or its hash."""

    id: int
    prefix: str
    role: str
    merchant_id: str | None
    label: str
    rate_limit_per_minute: int | None
    created_at: datetime
    revoked_at: datetime | None


def list_keys(store: Store, *, include_revoked: bool = False) -> list[KeyInfo]:
    """The keys in the order they were created (the active ones unless `include_revoked`): the id that
    `revoke_key` needs was printed once at creation, and nothing else showed it."""
    query = select(
        ApiKey.id, ApiKey.prefix, ApiKey.role, ApiKey.merchant_id, ApiKey.label, ApiKey.rate_limit_per_minute,
        ApiKey.created_at, ApiKey.revoked_at,
    ).order_by(ApiKey.id)  # fmt: skip
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    with store.session() as session:
        return [KeyInfo(*row) for row in session.execute(query)]


def busiest_merchant(store: Store) -> str | None:
    """The merchant with the most purchase invoices: a good default for the demo page."""
    with store.session() as session:
        return session.scalar(
            select(Order.merchant_id)
            .where(Order.merchant_id.is_not(None), Order.kind == "purchase")
            .group_by(Order.merchant_id)
            .order_by(func.count().desc(), Order.merchant_id)
            .limit(1)
        )


@dataclass(frozen=True)
class DemoKey:
    key: str
    merchant_id: str


def ensure_demo_key(store: Store, path: Path, merchant_id: str | None = None) -> DemoKey | None:
    """Reuse the demo merchant key kept (in clear, mode 600) under S2B_HOME, or create one for the busiest merchant."""
    if path.exists():
        try:
            saved = json.loads(path.read_text())
            principal = verify_key(store, saved["key"])
            if principal is not None and principal.merchant_id == saved["merchant_id"]:
                return DemoKey(saved["key"], saved["merchant_id"])
        except (ValueError, KeyError, TypeError):
            pass
    merchant = merchant_id or busiest_merchant(store)
    if merchant is None:
        return None
    created = create_key(store, role="merchant", merchant_id=merchant, label="demo page")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"key": created.key, "merchant_id": merchant}))
    path.chmod(0o600)
    return DemoKey(created.key, merchant)
