"""The FastAPI app factory. Clients are created in the lifespan from settings (or handed in by tests as
`services`) and reach the routes through `Annotated[..., Depends(...)]` dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from assistant.api.errors import install_error_handlers
from assistant.api.metrics import RequestMetricsMiddleware
from assistant.api.routes import catalog, chat, content, ops, restock, widget
from assistant.api.services import Services, build_services
from assistant.api.text import NulGuard
from assistant.keys import ensure_demo_key
from core.settings import Settings, get_settings

DESCRIPTION = """Merchant assistant for S2B2C platforms.

Authenticate with `Authorization: Bearer <key>` (or `X-API-Key`). Keys: `s2b keys create --merchant ID`
(a merchant's own data only) or `s2b keys create --role marketing|admin`. Errors are always
`{"error": {"status", "code", "message"}}`; 429 responses carry `Retry-After`."""


def create_app(settings: Settings | None = None, *, services: Services | None = None, demo: bool = False) -> FastAPI:
    """The app. `services=None` builds the real clients in the lifespan; `demo=True` makes sure a demo merchant key
    exists (kept in S2B_HOME/demo_key.json) so the demo page at `/` works."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = services if services is not None else await run_in_threadpool(build_services, settings)
        if demo and svc.demo is None:
            svc.demo = await run_in_threadpool(ensure_demo_key, svc.store, settings.home / "demo_key.json")
        app.state.services = svc
        try:
            yield
        finally:
            if services is None:
                svc.close()

    app = FastAPI(title="s2b merchant assistant", version="1", description=DESCRIPTION, lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(NulGuard)
    app.add_middleware(RequestMetricsMiddleware)
    app.add_middleware(
        CORSMiddleware,  # the widget may be embedded on a merchant's own site; keys, not cookies, authorise
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        expose_headers=["Retry-After"],
    )
    for module in (restock, catalog, chat, content, ops, widget):
        app.include_router(module.router)
    app.mount("/widget", StaticFiles(directory=widget.STATIC_DIR), name="widget")
    return app
