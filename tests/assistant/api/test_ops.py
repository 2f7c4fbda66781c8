from __future__ import annotations

from fastapi.testclient import TestClient

from tests.assistant.api.fakes import Harness, auth


def test_health_and_readiness(client: TestClient, harness: Harness) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and set(ready["checks"]) == {"store", "index", "llm"}

    def broken() -> str:
        raise RuntimeError("llama server not running")

    harness.services.readiness["llm"] = broken
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["llm"]["detail"] == "llama server not running"


def test_metrics_are_prometheus_text_and_admin_only(client: TestClient, harness: Harness) -> None:
    merchant = harness.key("merchant", "12583")
    for _ in range(3):
        client.get("/v1/merchants/12583/restock", headers=auth(merchant))
    assert client.get("/metrics", headers=auth(merchant)).status_code == 403
    response = client.get("/metrics", headers=auth(harness.key("admin")))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 's2b_http_requests_total{method="GET",route="/v1/merchants/{merchant_id}/restock",status="200"} 3' in text
    assert 's2b_http_request_seconds_count{route="/v1/merchants/{merchant_id}/restock"} 3' in text
    for name in ("s2b_llm_tokens_total", "s2b_llm_seconds", "s2b_grounding_failures_total"):
        assert f"# TYPE {name}" in text


def test_openapi_documents_the_v1_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/merchants/{merchant_id}/restock",
        "/v1/merchants/{merchant_id}/restock/generate",
        "/v1/catalog/search",
        "/v1/chat",
        "/v1/conversations",
        "/v1/conversations/{conversation_id}",
        "/v1/content",
        "/v1/content/{content_id}/approve",
        "/v1/content/{content_id}/reject",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert path in paths, path
    assert "403" in paths["/v1/merchants/{merchant_id}/restock"]["get"]["responses"]


def test_demo_page_embeds_the_widget_with_the_demo_key(client: TestClient, harness: Harness) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert harness.services.demo is not None and f'data-key="{harness.services.demo.key}"' in page.text
    assert 'src="http://testserver/widget/widget.js"' in page.text
    widget = client.get("/widget/widget.js")
    assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
    assert "text/event-stream" in widget.text or "/v1/chat" in widget.text
    assert client.get("/widget/widget.css").status_code == 200
