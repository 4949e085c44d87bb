"""Signed, httponly session cookies that survive restarts (the key lives in settings/data dir)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "avatar_session"
MAX_AGE = 30 * 24 * 3600


class SessionCodec:
    """Signs and reads the session cookie: the user id and the user's session epoch.

    Logging out bumps the epoch in the database, which revokes every cookie issued before.
    """

    def __init__(
        self,
        secret: str,
        epoch_of: Callable[[int], int | None],
        *,
        cross_site: bool = False,
        trust_proxy: bool = False,
    ) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="avatar-session")
        self._epoch_of = epoch_of
        self.cross_site = cross_site  # on Spaces: the app lives in huggingface.co's iframe
        self.trust_proxy = trust_proxy  # X-Forwarded-Proto is believed only then

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


def is_https(request: Request, trust_proxy: bool = False) -> bool:
    """True when the client reached us over HTTPS: directly, or through a proxy we trust."""
    proto = request.url.scheme
    if trust_proxy:
        proto = request.headers.get("x-forwarded-proto", proto)
    return proto.split(",")[0].strip() == "https"


def _flags(request: Request, codec: SessionCodec) -> tuple[bool, Literal["lax", "none"]]:
    """(secure, samesite): None; Secure only on Spaces (its iframe), Lax everywhere else."""
    if codec.cross_site:
        return True, "none"
    return is_https(request, codec.trust_proxy), "lax"


def set_session(response: Response, request: Request, codec: SessionCodec, user_id: int) -> None:
    """Set the signed, httponly session cookie."""
    secure, samesite = _flags(request, codec)
    response.set_cookie(
        COOKIE,
        codec.dumps(user_id),
        max_age=MAX_AGE,
        httponly=True,
        secure=secure,
        samesite=samesite,
        path="/",
    )


def clear_session(response: Response, request: Request, codec: SessionCodec) -> None:
    """Remove the cookie."""
    secure, samesite = _flags(request, codec)
    response.delete_cookie(COOKIE, path="/", httponly=True, secure=secure, samesite=samesite)
