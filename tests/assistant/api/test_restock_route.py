"""GET /v1/merchants/{id}/restock with `as_of`: stored lists by date, on-demand lists, who may compute which."""

from __future__ import annotations

from datetime import date, datetime

from fastapi.testclient import TestClient

from core.tables import RestockList
from tests.assistant.api.fakes import Harness

LATEST = date(2011, 12, 9)  # FakeRestock's newest orders


def auth(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def _store_list(harness: Harness, as_of: date, sku: str, version: str) -> None:
    with harness.store.session() as session:
        item = {"sku": sku, "quantity": 4, "unit_price": "10.95", "score": 0.9}
        session.add(
            RestockList(
                merchant_id="12583", as_of=as_of, model_version=version, items=[item], created_at=datetime(2011, 12, 1)
            )
        )


def test_as_of_picks_the_stored_list_of_that_date(client: TestClient, harness: Harness) -> None:
    _store_list(harness, date(2011, 11, 1), "22423", "batch-old")
    _store_list(harness, LATEST, "22423", "batch-new")
    key = harness.key("merchant", "12583")
    newest = client.get("/v1/merchants/12583/restock", headers=auth(key)).json()
    older = client.get("/v1/merchants/12583/restock?as_of=2011-11-01", headers=auth(key)).json()
    assert (newest["as_of"], newest["model_version"], newest["source"]) == (str(LATEST), "batch-new", "batch")
    assert (older["as_of"], older["model_version"], older["source"]) == ("2011-11-01", "batch-old", "batch")


def test_a_batch_list_older_than_the_newest_orders_is_not_the_default(client: TestClient, harness: Harness) -> None:
    _store_list(harness, date(2011, 6, 1), "22423", "batch-june")  # `s2b batch restock --as-of 2011-06-01`
    key = harness.key("merchant", "12583")
    default = client.get("/v1/merchants/12583/restock", headers=auth(key)).json()
    assert (default["as_of"], default["source"]) == (str(LATEST), "on_demand")
    batch = client.get("/v1/merchants/12583/restock?source=batch", headers=auth(key)).json()
    assert (batch["as_of"], batch["model_version"], batch["source"]) == ("2011-06-01", "batch-june", "batch")


def test_a_date_in_the_future_is_a_validation_error(client: TestClient, harness: Harness) -> None:
    admin = harness.key("admin")
    for day in ("9999-12-31", "2099-01-01"):
        response = client.get(f"/v1/merchants/12583/restock?as_of={day}", headers=auth(admin))
        assert response.status_code == 422 and "in the future" in response.json()["error"]["message"]


def test_a_merchant_computes_on_demand_only_as_of_the_newest_orders(client: TestClient, harness: Harness) -> None:
    _store_list(harness, date(2011, 11, 1), "22423", "batch-old")
    key = harness.key("merchant", "12583")
    latest = client.get(f"/v1/merchants/12583/restock?as_of={LATEST}", headers=auth(key)).json()
    assert (latest["as_of"], latest["source"]) == (str(LATEST), "on_demand")
    harness.restock.calls.clear()
    missing = client.get("/v1/merchants/12583/restock?as_of=2011-10-01", headers=auth(key))
    assert missing.status_code == 404 and harness.restock.calls == []  # nothing trained for it
    message = missing.json()["error"]["message"]
    assert "2011-10-01" in message and "stored: 2011-11-01" in message and str(LATEST) in message


def test_an_admin_gets_a_list_computed_as_of_any_date(client: TestClient, harness: Harness) -> None:
    admin = harness.key("admin")
    body = client.get("/v1/merchants/12583/restock?as_of=2011-10-01", headers=auth(admin)).json()
    assert (body["as_of"], body["source"]) == ("2011-10-01", "on_demand")
    batch_only = client.get("/v1/merchants/12583/restock?as_of=2011-10-01&source=batch", headers=auth(admin))
    assert batch_only.status_code == 404 and "as of 2011-10-01" in batch_only.json()["error"]["message"]


def test_a_malformed_date_is_a_validation_error(client: TestClient, harness: Harness) -> None:
    key = harness.key("merchant", "12583")
    response = client.get("/v1/merchants/12583/restock?as_of=yesterday", headers=auth(key))
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
