"""Who calls the API: a Bearer personal access token (never the cookie), rate-limited per user over
all its tokens, and per address for calls without a valid token (counted in the database, so every
app process shares one count; services/throttle.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from avatar_core.bootstrap import App
from avatar_core.services.auth import UserInfo
from avatar_core.services.throttle import address_group
from avatar_core.web.api.errors import ApiError
from avatar_core.web.pages import client_address

log = logging.getLogger("avatar_core.api")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the token's user and the token id (logged with every call)."""

    user: UserInfo
    token_id: int


BEARER = HTTPBearer(auto_error=False)


def caller(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
) -> Caller:
    """The token's user; 401 without a valid token, 429 past the token's rate."""
    app: App = request.app.state.app
    found = app.tokens.authenticate(creds.credentials) if creds is not None else None
    if found is None:  # guesses count per address: ApiRateLimited → 429 with Retry-After (errors.py)
        app.throttle.api_call(f"addr:{address_group(client_address(request, app.settings.trust_proxy))}")
        if creds is None:
            raise ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.")
        raise ApiError(401, "invalid_token", "The token is unknown or revoked.")
    app.throttle.api_call(f"user:{found[0].id}")  # one rate for all of a user's tokens
    log.info("api.call token=%s user=%s %s %s", found[1], found[0].username, request.method, request.url.path)
    return Caller(*found)


Who = Annotated[Caller, Depends(caller)]
