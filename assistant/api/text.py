"""Request text the store can hold. PostgreSQL keeps a NUL character in no text column (SQLite does), so a chat
message, a theme or a merchant id holding one ended in a 500 there: it is a 422 on every backend instead.

Body fields that reach the store or a query are `StoredText`; `NulGuard` refuses a NUL in the path or the query
string before any route runs.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.api.errors import error_response
from core.tables import NUL

NUL_MESSAGE = "contains a NUL character (\\u0000), which cannot be stored"


def _storable(value: str) -> str:
    if NUL in value:
        raise ValueError(NUL_MESSAGE)
    return value


StoredText = Annotated[str, AfterValidator(_storable)]


class NulGuard:
    """422 for a request whose path or query string holds a NUL (%00), before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (NUL in scope["path"] or b"%00" in scope.get("query_string", b"")):
            response = error_response(422, "invalid_request", f"the path or query string {NUL_MESSAGE}")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
