"""Liveness, readiness (store, index, LLM) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

from assistant.api.deps import ServicesDep, require_roles

router = APIRouter(tags=["ops"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz", summary="Readiness: store, vector index and LLM answer", responses={503: {"description": "not ready"}}
)
async def readyz(services: ServicesDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    for name, check in services.readiness.items():
        try:
            checks[name] = {"ok": True, "detail": await run_in_threadpool(check)}
        except Exception as exc:
            checks[name] = {"ok": False, "detail": str(exc) or type(exc).__name__}
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics (admin key)",
    response_class=PlainTextResponse,
    dependencies=[require_roles("admin")],  # type: ignore[list-item]
)
async def metrics(services: ServicesDep) -> PlainTextResponse:
    return PlainTextResponse(services.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
