"""Text the store cannot hold: a NUL character anywhere in a request is a 422, on every backend (PostgreSQL stores
it in no text column, so a chat message with one ended in a 500 there)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.assistant.api.fakes import Harness, auth


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/v1/chat", {"message": "restock?\u0000", "merchant_id": "12583"}),
        ("post", "/v1/chat", {"message": "restock?", "conversation_id": "c\u0000", "merchant_id": "12583"}),
        ("post", "/v1/chat", {"message": "restock?", "merchant_id": "12583\u0000"}),
        ("post", "/v1/content", {"merchant_id": "12583", "theme": "tea\u0000party"}),
        ("post", "/v1/content", {"merchant_id": "12583", "skus": ["22423\u0000"]}),
        ("post", "/v1/content", {"merchant_id": "12583\u0000"}),
        ("get", "/v1/content?merchant=12583%00", None),
        ("get", "/v1/merchants/12583%00/restock", None),
        ("get", "/v1/catalog/search?q=cake%00stand", None),
        ("get", "/v1/conversations?merchant_id=1%00", None),
    ],
)
def test_a_nul_character_is_an_invalid_request(
    client: TestClient, harness: Harness, method: str, path: str, body: dict[str, object] | None
) -> None:
    response = client.request(method.upper(), path, json=body, headers=auth(harness.key("admin")))
    assert response.status_code == 422, response.text
    assert "NUL" in response.text


def test_a_review_note_with_a_nul_is_refused_and_the_draft_stays_pending(client: TestClient, harness: Harness) -> None:
    key = harness.key("marketing")
    created = client.post("/v1/content", json={"merchant_id": "12583", "skus": ["22423"]}, headers=auth(key))
    content_id = created.json()["items"][0]["id"]
    refused = client.post(f"/v1/content/{content_id}/approve", json={"note": "ok\u0000"}, headers=auth(key))
    assert refused.status_code == 422 and "NUL" in refused.text
    assert client.get(f"/v1/content/{content_id}", headers=auth(key)).json()["status"] == "draft"
