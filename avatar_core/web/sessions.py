"""Signed, httponly session cookies that survive restarts (the key lives in settings/data dir)."""

from __future__ import annotations

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "avatar_session"
MAX_AGE = 30 * 24 * 3600


class SessionCodec:
    """Signs and reads the session cookie; the payload is just the user id."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="avatar-session")

    def dumps(self, user_id: int) -> str:
        """A signed cookie value for `user_id`."""
        return self._serializer.dumps({"uid": user_id})

    def loads(self, value: str | None) -> int | None:
        """The user id in a valid, unexpired cookie value, else None."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=MAX_AGE)
        except BadSignature:
            return None
        uid = data.get("uid") if isinstance(data, dict) else None
        return uid if isinstance(uid, int) else None

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
