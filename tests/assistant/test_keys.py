from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from assistant.keys import KeyCreationError, create_key, ensure_demo_key, hash_key, revoke_key, verify_key
from core.db import Store
from core.tables import ApiKey
from tests.assistant.api.fakes import seed_store


def test_keys_are_stored_hashed_and_verify_to_their_principal(store: Store) -> None:
    seed_store(store)
    created = create_key(store, role="merchant", merchant_id="12583", label="shop")
    with store.session() as session:
        row = session.scalars(select(ApiKey)).one()
    assert row.key_hash == hash_key(created.key) and created.key not in (row.key_hash, row.prefix)
    principal = verify_key(store, created.key)
    assert principal is not None and (principal.role, principal.merchant_id) == ("merchant", "12583")
    assert verify_key(store, created.key + "x") is None
    assert verify_key(store, "") is None


def test_revoked_keys_stop_working(store: Store) -> None:
    created = create_key(store, role="admin")
    assert revoke_key(store, created.principal.key_id)
    assert verify_key(store, created.key) is None
    assert not revoke_key(store, created.principal.key_id)


@pytest.mark.parametrize(
    ("role", "merchant", "message"),
    [
        ("merchant", None, "needs --merchant"),
        ("marketing", "12583", "not bound to a merchant"),
        ("owner", None, "unknown role"),
        ("merchant", "99999", "not in the store"),
    ],
)
def test_bad_key_requests_are_refused(store: Store, role: str, merchant: str | None, message: str) -> None:
    seed_store(store)
    with pytest.raises(KeyCreationError, match=message):
        create_key(store, role=role, merchant_id=merchant)


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"label": "l" * 201}, "label longer than 200 characters"),
        ({"label": "team\x00b"}, "label contains a NUL character"),
        ({"rate_limit_per_minute": 3_000_000_000}, "rate limit must be between 1 and 2147483647"),
        ({"rate_limit_per_minute": 0}, "rate limit must be between 1 and 2147483647"),
    ],
)
def test_what_the_keys_columns_cannot_hold_is_refused_alike_on_both_backends(
    store: Store, asked: dict[str, Any], message: str
) -> None:
    with pytest.raises(KeyCreationError, match=message):  # PostgreSQL: DataError; SQLite stored it
        create_key(store, role="marketing", **asked)
    created = create_key(store, role="marketing", label="l" * 200, rate_limit_per_minute=2_147_483_647)
    assert verify_key(store, created.key) == created.principal


def test_a_merchant_id_with_a_nul_character_is_refused_not_looked_up(store: Store) -> None:
    seed_store(store)
    with pytest.raises(KeyCreationError, match="merchant id contains a NUL character"):  # PostgreSQL: DataError
        create_key(store, role="merchant", merchant_id="12583\x00")


def test_demo_key_is_reused_across_restarts(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed_store(store)
    path = tmp_path / "demo_key.json"
    first = ensure_demo_key(store, path)
    assert first is not None and first.merchant_id in ("12583", "17850", "13047")
    assert ensure_demo_key(store, path) == first
    revoke_key(store, verify_key(store, first.key).key_id)  # type: ignore[union-attr]
    second = ensure_demo_key(store, path)
    assert second is not None and second.key != first.key
