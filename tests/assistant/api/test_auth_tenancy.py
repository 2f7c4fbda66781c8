"""Every endpoint checks the key; a merchant key never reaches another merchant's data, whatever the request says."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.assistant.api.fakes import Harness, auth


def _error(response) -> dict:  # type: ignore[no-untyped-def, type-arg]
    body = response.json()
    assert set(body) == {"error"} and {"status", "code", "message"} <= set(body["error"])
    assert body["error"]["status"] == response.status_code
    return body["error"]


PROTECTED = [
    ("GET", "/v1/merchants/12583/restock"),
    ("POST", "/v1/merchants/12583/restock/generate"),
    ("GET", "/v1/catalog/search?q=heart"),
    ("POST", "/v1/chat"),
    ("GET", "/v1/conversations"),
    ("GET", "/v1/content"),
    ("POST", "/v1/content"),
    ("POST", "/v1/content/1/approve"),
    ("GET", "/metrics"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_endpoints_refuse_missing_and_wrong_keys(client: TestClient, method: str, path: str) -> None:
    assert _error(client.request(method, path))["code"] == "unauthorized"
    bad = client.request(method, path, headers=auth("s2b_not-a-real-key"))
    assert bad.status_code == 401 and _error(bad)["code"] == "unauthorized"


def test_x_api_key_header_works_too(client: TestClient, harness: Harness) -> None:
    key = harness.key("merchant", "12583")
    assert client.get("/v1/merchants/12583/restock", headers={"X-API-Key": key}).status_code == 200


def test_merchant_sees_only_its_own_restock_list(client: TestClient, harness: Harness) -> None:
    key = harness.key("merchant", "12583")
    own = client.get("/v1/merchants/12583/restock", headers=auth(key))
    assert own.status_code == 200 and own.json()["source"] == "on_demand"
    assert {i["sku"] for i in own.json()["items"]} == {"22423", "84879"}
    for other in ("17850", "99999", "12583%20", "..%2F17850"):
        response = client.get(f"/v1/merchants/{other}/restock", headers=auth(key))
        assert response.status_code in (403, 404), other
        if response.status_code == 403:
            assert _error(response)["code"] == "forbidden"
    forbidden = client.post("/v1/merchants/17850/restock/generate", headers=auth(key))
    assert forbidden.status_code == 403
    assert harness.restock.calls == ["12583"]
    assert all(mid == "12583" for _, mid in harness.generators.calls)


def test_query_parameters_cannot_widen_a_merchant_key(client: TestClient, harness: Harness) -> None:
    key = harness.key("merchant", "12583")
    assert client.get("/v1/catalog/search?q=heart&merchant_id=17850", headers=auth(key)).status_code == 403
    assert client.get("/v1/content?merchant=17850", headers=auth(key)).status_code == 403
    assert client.get("/v1/conversations?merchant_id=17850", headers=auth(key)).status_code == 403
    ok = client.get("/v1/catalog/search?q=heart", headers=auth(key))
    assert ok.status_code == 200 and harness.search.calls[-1] == ("heart", "12583")


def test_admin_reaches_any_merchant_and_gets_404_for_unknown(client: TestClient, harness: Harness) -> None:
    key = harness.key("admin")
    assert client.get("/v1/merchants/17850/restock", headers=auth(key)).json()["merchant_id"] == "17850"
    assert _error(client.get("/v1/merchants/99999/restock", headers=auth(key)))["code"] == "not_found"


def test_marketing_key_cannot_read_restock_lists_or_chat(client: TestClient, harness: Harness) -> None:
    key = harness.key("marketing")
    assert client.get("/v1/merchants/12583/restock", headers=auth(key)).status_code == 403
    chat = client.post("/v1/chat", json={"message": "hi", "merchant_id": "12583"}, headers=auth(key))
    assert chat.status_code == 403 and _error(chat)["code"] == "forbidden"


def test_stored_batch_list_is_served_before_computing(client: TestClient, harness: Harness) -> None:
    from datetime import date, datetime

    from core.tables import RestockList

    with harness.store.session() as session:
        item = {"sku": "22423", "quantity": 4, "unit_price": "10.95", "score": 0.9}  # titles come from the catalog
        session.add(
            RestockList(
                merchant_id="12583",
                as_of=date(2011, 12, 9),  # the fake's newest orders: an older list is not the default
                model_version="batch-7",
                items=[item],
                created_at=datetime(2011, 12, 1),
            )
        )
    key = harness.key("merchant", "12583")
    body = client.get("/v1/merchants/12583/restock", headers=auth(key)).json()
    assert (body["source"], body["model_version"], body["as_of"]) == ("batch", "batch-7", "2011-12-09")
    assert (body["items"][0]["quantity"], body["items"][0]["title"]) == (4, "REGENCY CAKESTAND 3 TIER")
    live = client.get("/v1/merchants/13047/restock", headers=auth(harness.key("admin"))).json()
    assert (live["source"], live["model_version"]) == ("on_demand", "fake-1") and len(live["items"]) == 1
    assert client.get("/v1/merchants/17850/restock?source=batch", headers=auth(harness.key("admin"))).status_code == 404


def test_validation_errors_use_the_error_body(client: TestClient, harness: Harness) -> None:
    key = harness.key("merchant", "12583")
    response = client.get("/v1/catalog/search?k=0&q=x", headers=auth(key))
    assert response.status_code == 422 and _error(response)["code"] == "invalid_request"
    assert _error(client.get("/v1/nothing-here"))["code"] == "not_found"


def test_revoked_keys_stop_working_once_the_cache_entry_expires(client: TestClient, harness: Harness) -> None:
    from assistant.keys import revoke_key, verify_key

    key = harness.key("merchant", "12583")
    assert client.get("/v1/merchants/12583/restock", headers=auth(key)).status_code == 200
    principal = verify_key(harness.store, key)
    assert principal is not None and revoke_key(harness.store, principal.key_id)
    harness.services.principals.ttl_s = 0.0
    assert client.get("/v1/merchants/12583/restock", headers=auth(key)).status_code == 401
