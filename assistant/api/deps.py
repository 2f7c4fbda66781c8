"""Request dependencies (FastAPI `Annotated` style): the services, the caller's principal (key checked, rate limit
applied) and the tenancy rules every route goes through.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.errors import ApiError, forbidden
from assistant.api.services import Services
from assistant.keys import Principal
from assistant.pricing import merchant_exists

bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer s2b_...`")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="or `X-API-Key: s2b_...`")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_principal(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    header_key: Annotated[str | None, Security(api_key_header)],
) -> Principal:
    key = credentials.credentials if credentials is not None else header_key
    if not key:
        raise ApiError(401, "missing API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`")
    principal = services.principals.get(services.store, key.strip())
    if principal is None:
        raise ApiError(401, "invalid or revoked API key")
    wait = services.limiter.acquire(principal.key_id, principal.rate_limit_per_minute)
    if wait is not None:
        services.metrics.rate_limited.inc()
        raise ApiError(429, f"rate limit exceeded; retry in {wait} s", headers={"Retry-After": str(wait)})
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> object:
    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise forbidden(f"this endpoint needs a {' or '.join(roles)} key; this key's role is {principal.role}")
        return principal

    return Depends(check)


def merchant_scope(principal: Principal, merchant_id: str | None) -> str | None:
    """The merchant a request may touch: a merchant key only its own (asking for another is 403, whatever the
    route); marketing/admin whichever merchant they name (None = all)."""
    if principal.role == "merchant":
        if merchant_id is not None and merchant_id != principal.merchant_id:
            raise forbidden()
        return principal.merchant_id
    return merchant_id


def require_existing(services: Services, merchant_id: str) -> str:
    """A merchant a marketing or admin key named must be in the store (404 otherwise); returns it."""
    if not merchant_exists(services.store, merchant_id):
        raise ApiError(404, f"merchant {merchant_id!r} not found")
    return merchant_id


def require_merchant(principal: Principal, merchant_id: str | None) -> str:
    """Like merchant_scope, but a merchant must be known (admin/marketing have to name one)."""
    scoped = merchant_scope(principal, merchant_id)
    if not scoped:
        raise ApiError(422, "name the merchant (merchant_id) this request is for", "invalid_request")
    return scoped
