"""Who calls the API: a Bearer personal access token (never the cookie), rate-limited per token."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from avatar_core.bootstrap import App
from avatar_core.services.auth import UserInfo
from avatar_core.web.api.errors import ApiError

log = logging.getLogger("avatar_core.api")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the token's user and the token id (logged with every call)."""

    user: UserInfo
    token_id: int


class RateLimit:
    """At most `per_minute` calls per token per minute in this process (a sliding window)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._calls: dict[int, list[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, token_id: int) -> int:
        """0 when the call may go ahead (and count it), else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._calls.get(token_id, []) if t > now - 60]
            if len(recent) >= self.per_minute:
                self._calls[token_id] = recent
                return int(recent[0] + 60 - now) + 1
            self._calls[token_id] = [*recent, now]
            return 0


BEARER = HTTPBearer(auto_error=False)


def caller(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
) -> Caller:
    """The token's user; 401 without a valid token, 429 past the token's rate."""
    app: App = request.app.state.app
    if creds is None:
        raise ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.")
    found = app.tokens.authenticate(creds.credentials)
    if found is None:
        raise ApiError(401, "invalid_token", "The token is unknown or revoked.")
    wait = request.app.state.limit.retry_after(found[1])
    if wait:
        raise ApiError(429, "rate_limited", f"Too many calls with this token; retry in {wait} s.")
    log.info("api.call token=%s user=%s %s %s", found[1], found[0].username, request.method, request.url.path)
    return Caller(*found)


Who = Annotated[Caller, Depends(caller)]
