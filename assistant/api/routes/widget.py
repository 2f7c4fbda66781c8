"""The demo page at `/` (embeds the widget with the demo merchant key) and the widget's static files."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from assistant.api.deps import ServicesDep

WIDGET_DIR = Path(__file__).resolve().parents[2] / "widget"
STATIC_DIR = WIDGET_DIR / "static"
router = APIRouter(include_in_schema=False)

NO_KEY = (
    '<p class="nokey">No demo key: this service was started without one. Create a merchant key with '
    "<code>s2b keys create --merchant ID</code> and embed the widget with it.</p>"
)


@router.get("/", response_class=HTMLResponse)
def demo_page(request: Request, services: ServicesDep) -> HTMLResponse:
    page = (WIDGET_DIR / "demo.html").read_text(encoding="utf-8")
    demo = services.demo
    if demo is None:
        embed = NO_KEY
        merchant = "—"
    else:
        src = html.escape(str(request.url_for("widget", path="widget.js")))
        embed = f'<script src="{src}" data-key="{html.escape(demo.key)}" defer></script>'
        merchant = html.escape(demo.merchant_id)
    return HTMLResponse(page.replace("{{WIDGET}}", embed).replace("{{MERCHANT}}", merchant))
