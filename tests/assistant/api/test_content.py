"""The marketing content workflow: generate (one and batch), pull with filters and pagination, approve/reject."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.assistant.api.fakes import Harness, auth


def _generate(client: TestClient, key: str, **body: object) -> list[dict]:  # type: ignore[type-arg]
    response = client.post("/v1/content", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()["items"]


def test_generated_items_carry_grounding_prompt_version_and_model(client: TestClient, harness: Harness) -> None:
    key = harness.key("marketing")
    [item] = _generate(client, key, merchant_id="12583", skus=["22423"], channel="xiaohongshu", lang="en", variants=2)
    assert item["merchant_id"] == "12583" and item["channel"] == "xiaohongshu" and item["status"] == "draft"
    assert item["grounding"] == {"passed": True, "problems": []}
    assert (item["prompt_id"], item["prompt_version"], item["model"]) == ("copy", "1", "fake-model")
    assert len(item["payload"]["variants"]) == 2 and "Regency Cakestand" in item["text"]


def test_batch_generation_and_merchant_scoping(client: TestClient, harness: Harness) -> None:
    marketing = harness.key("marketing")
    items = _generate(client, marketing, items=[{"merchant_id": m, "lang": "zh"} for m in ("12583", "17850", "13047")])
    assert [i["merchant_id"] for i in items] == ["12583", "17850", "13047"]
    merchant = harness.key("merchant", "17850")
    own = client.get("/v1/content", headers=auth(merchant)).json()["items"]
    assert [i["merchant_id"] for i in own] == ["17850"]
    batch_for_other = {"items": [{"merchant_id": "17850"}, {"merchant_id": "12583"}]}
    calls_before = len(harness.generators.calls)
    assert client.post("/v1/content", json=batch_for_other, headers=auth(merchant)).status_code == 403
    assert len(harness.generators.calls) == calls_before  # nothing generated before the refusal
    assert client.post("/v1/content", json={}, headers=auth(marketing)).status_code == 422  # must name a merchant
    assert client.post("/v1/content", json={"merchant_id": "99999"}, headers=auth(marketing)).status_code == 404


def test_a_theme_reaches_the_generator_for_each_item_of_a_batch(client: TestClient, harness: Harness) -> None:
    marketing = harness.key("marketing")
    items = [{"merchant_id": "12583", "theme": "Mother's Day"}, {"merchant_id": "17850", "theme": "母亲节"}]
    _generate(client, marketing, items=items)
    assert [r["theme"] for r in harness.generators.copy_requests] == ["Mother's Day", "母亲节"]
    too_long = {"merchant_id": "12583", "theme": "x" * 81}
    assert client.post("/v1/content", json=too_long, headers=auth(marketing)).status_code == 422


def test_filters_and_cursor_pagination(client: TestClient, harness: Harness) -> None:
    key = harness.key("marketing")
    for merchant, channel in [("12583", "email"), ("12583", "wechat_moments"), ("17850", "email")] * 3:
        _generate(client, key, merchant_id=merchant, channel=channel)
    pages, cursor = [], None
    while True:
        params = {"merchant": "12583", "channel": "email", "limit": 2} | ({"cursor": cursor} if cursor else {})
        body = client.get("/v1/content", params=params, headers=auth(key)).json()
        pages.append([i["id"] for i in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    ids = [i for page in pages for i in page]
    assert [len(p) for p in pages] == [2, 1] and ids == sorted(ids, reverse=True)
    assert len(client.get("/v1/content?status=draft", headers=auth(key)).json()["items"]) == 9
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert client.get("/v1/content", params={"since": future}, headers=auth(key)).json()["items"] == []


def test_approve_reject_and_conflicts(client: TestClient, harness: Harness) -> None:
    marketing = harness.key("marketing")
    first, second = (_generate(client, marketing, merchant_id="12583")[0] for _ in range(2))
    approved = client.post(f"/v1/content/{first['id']}/approve", json={"note": "ok"}, headers=auth(marketing))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["reviewed_by"].startswith("marketing:") and approved.json()["reviewed_at"]
    again = client.post(f"/v1/content/{first['id']}/reject", headers=auth(marketing))
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    other_merchant = harness.key("merchant", "17850")
    assert client.post(f"/v1/content/{second['id']}/reject", headers=auth(other_merchant)).status_code == 403
    assert client.get(f"/v1/content/{second['id']}", headers=auth(other_merchant)).status_code == 403
    rejected = client.post(f"/v1/content/{second['id']}/reject", headers=auth(harness.key("merchant", "12583")))
    assert rejected.json()["status"] == "rejected"
    assert client.post("/v1/content/999999/approve", headers=auth(marketing)).status_code == 404
    statuses = {i["status"] for i in client.get("/v1/content", headers=auth(marketing)).json()["items"]}
    assert statuses == {"approved", "rejected"}


def test_grounding_failures_are_flagged_counted_and_cannot_be_approved(client: TestClient, harness: Harness) -> None:
    key = harness.key("marketing")
    harness.generators.fail_grounding = True
    [item] = _generate(client, key, merchant_id="13047")
    assert item["status"] == "flagged" and item["grounding"]["passed"] is False
    assert harness.services.metrics.grounding_failures.get("copy") == 1
    response = client.post(f"/v1/content/{item['id']}/approve", headers=auth(key))
    assert response.status_code == 409 and "grounding" in response.json()["error"]["message"]
    assert client.post(f"/v1/content/{item['id']}/reject", headers=auth(key)).json()["status"] == "rejected"


def test_restock_generate_saves_a_draft(client: TestClient, harness: Harness) -> None:
    key = harness.key("merchant", "12583")
    response = client.post("/v1/merchants/12583/restock/generate", json={"lang": "en", "k": 5}, headers=auth(key))
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "restock" and body["grounding"]["passed"] and len(body["items"]) == 2
    listed = client.get("/v1/content?kind=restock", headers=auth(key)).json()["items"]
    assert [i["id"] for i in listed] == [body["content_id"]]


def test_unknown_skus_and_channels_are_422_before_anything_is_generated(client: TestClient, harness: Harness) -> None:
    key = harness.key("marketing")
    bad_sku = client.post("/v1/content", json={"merchant_id": "12583", "skus": ["22423", "nope1"]}, headers=auth(key))
    assert bad_sku.status_code == 422
    assert bad_sku.json()["error"] == {
        "status": 422,
        "code": "cannot_generate",
        "message": "SKU(s) not in S's catalog: NOPE1; see GET /v1/catalog/search",
    }
    batch = {"items": [{"merchant_id": "12583", "skus": ["22423"]}, {"merchant_id": "17850", "channel": "instagram"}]}
    bad_channel = client.post("/v1/content", json=batch, headers=auth(key))
    assert bad_channel.status_code == 422 and "unknown channel 'instagram'" in bad_channel.json()["error"]["message"]
    assert harness.generators.calls == []  # the good first item was not generated either
    assert client.get("/v1/content", headers=auth(key)).json()["items"] == []


def test_a_generator_refusal_is_422_and_a_model_outage_503(client: TestClient, harness: Harness) -> None:
    key = harness.key("marketing")
    # the request passes the route's checks but the generator cannot serve it (the real one: no priced, active product)
    harness.generators.refuse = "no priced, active product to promote for merchant '12583'"
    refused = client.post("/v1/content", json={"merchant_id": "12583", "skus": ["22423"]}, headers=auth(key))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "cannot_generate"
    assert refused.json()["error"]["message"] == harness.generators.refuse
    harness.generators.refuse = None
    harness.generators.llm_down = True
    down = client.post("/v1/content", json={"merchant_id": "12583", "skus": ["22423"]}, headers=auth(key))
    assert down.status_code == 503 and down.headers["Retry-After"] == "5"
    assert down.json()["error"]["code"] == "llm_unavailable"
    merchant = harness.key("merchant", "12583")
    restock = client.post("/v1/merchants/12583/restock/generate", json={"lang": "en"}, headers=auth(merchant))
    assert restock.status_code == 503 and restock.json()["error"]["code"] == "llm_unavailable"


def test_a_body_that_is_neither_one_request_nor_a_batch_generates_nothing(client: TestClient, harness: Harness) -> None:
    merchant = harness.key("merchant", "17850")
    for body in ({"items": []}, {"items": [{"skus": ["22423"], "lang": "fr"}]}, {"sku": "22423"}):
        response = client.post("/v1/content", json=body, headers=auth(merchant))
        assert response.status_code == 422, body
    assert harness.generators.calls == [] and client.get("/v1/content", headers=auth(merchant)).json()["items"] == []


def test_out_of_range_ids_times_and_unknown_filters_are_422(client: TestClient, harness: Harness) -> None:
    key = harness.key("marketing")
    huge = "99999999999999999999"
    for method, path in (
        ("get", f"/v1/content/{huge}"),
        ("post", f"/v1/content/{huge}/approve"),
        ("get", f"/v1/content?cursor={huge}"),
        ("get", "/v1/content?since=9999-12-31T23:59:59-05:00"),
        ("get", "/v1/content?since=0001-01-01T00:00:00%2B05:00"),
        ("get", "/v1/content?channel=fax"),
        ("get", "/v1/content?kind=bogus"),
    ):
        response = client.request(method, path, headers=auth(key))
        assert response.status_code == 422 and response.json()["error"]["status"] == 422, path


def test_since_without_an_offset_is_utc_like_created_at(
    client: TestClient, harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = harness.key("marketing")
    [item] = _generate(client, key, merchant_id="12583", variants=1)
    created = datetime.fromisoformat(item["created_at"]).replace(tzinfo=None)
    monkeypatch.setenv("TZ", "Asia/Shanghai")  # a server whose local time is not UTC
    time.tzset()
    try:
        for moment, expected in ((created - timedelta(seconds=1), 1), (created + timedelta(seconds=1), 0)):
            params = {"since": moment.isoformat()}
            assert len(client.get("/v1/content", params=params, headers=auth(key)).json()["items"]) == expected
    finally:
        monkeypatch.undo()
        time.tzset()
