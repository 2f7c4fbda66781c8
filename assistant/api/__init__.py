"""The HTTP service: FastAPI app factory, auth, rate limits, routes, metrics and SSE chat."""

from assistant.api.app import create_app

__all__ = ["create_app"]
