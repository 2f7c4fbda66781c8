from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.api.ratelimit import RateLimiter
from tests.assistant.api.fakes import Harness, auth


def test_bucket_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.acquire(1, 3) is None for _ in range(3))
    assert limiter.acquire(1, 3) == 20  # 3/min: one token every 20 s
    assert limiter.acquire(2, 3) is None  # other keys have their own bucket
    now[0] = 20.0
    assert limiter.acquire(1, 3) is None
    default = RateLimiter(2, clock=lambda: now[0])  # keys without their own limit get the default
    assert [default.acquire(7) for _ in range(3)] == [None, None, 30]


def test_over_the_limit_gets_429_with_retry_after(client: TestClient, harness: Harness) -> None:
    key = harness.key("merchant", "12583", rate_limit=5)
    other = harness.key("merchant", "12583", rate_limit=5)
    statuses = [client.get("/v1/catalog/search?q=heart", headers=auth(key)).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    limited = client.get("/v1/catalog/search?q=heart", headers=auth(key))
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert client.get("/v1/catalog/search?q=heart", headers=auth(other)).status_code == 200
    assert harness.services.metrics.rate_limited.get() == 3
