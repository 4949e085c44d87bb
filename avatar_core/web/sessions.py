"""Signed, httponly session cookies that survive restarts (the key lives in settings/data dir)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "avatar_session"
MAX_AGE = 30 * 24 * 3600


class SessionCodec:
    """Signs and reads the session cookie: the user id and the user's session epoch.

    Logging out bumps the epoch in the database, which revokes every cookie issued before.
    """

    def __init__(self, secret: str, epoch_of: Callable[[int], int | None]) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="avatar-session")
        self._epoch_of = epoch_of

    def dumps(self, user_id: int) -> str:
        """A signed cookie value for `user_id` at its current epoch."""
        return self._serializer.dumps({"uid": user_id, "ep": self._epoch_of(user_id) or 0})

    def loads(self, value: str | None) -> int | None:
        """The user id in a valid, unexpired, unrevoked cookie value, else None."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        uid, epoch = data.get("uid"), data.get("ep", 0)
        if not isinstance(uid, int) or self._epoch_of(uid) != epoch:
            return None
        return uid

    def user_id(self, request: Request) -> int | None:
        """The logged-in user id of a request, or None."""
        return self.loads(request.cookies.get(COOKIE))


def is_https(request: Request) -> bool:
    """True when the client reached us over HTTPS (directly or through a proxy like Spaces)."""
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto.split(",")[0].strip() == "https"


def set_session(response: Response, request: Request, codec: SessionCodec, user_id: int) -> None:
    """Set the cookie: SameSite=None; Secure over HTTPS (Spaces iframe), Lax on plain HTTP."""
    secure = is_https(request)
    response.set_cookie(
        COOKIE, codec.dumps(user_id), max_age=MAX_AGE, httponly=True, secure=secure,
        samesite="none" if secure else "lax", path="/",
    )  # fmt: skip


def clear_session(response: Response, request: Request) -> None:
    """Remove the cookie."""
    secure = is_https(request)
    response.delete_cookie(COOKIE, path="/", httponly=True, secure=secure,
                           samesite="none" if secure else "lax")  # fmt: skip
