"""The gallery's keyset cursor: an opaque, URL-safe (created_at, id) of the last row of a page."""

from __future__ import annotations

import base64
from datetime import datetime

from avatar_core.domain.errors import ValidationError


def encode_cursor(created_at: datetime, avatar_id: int) -> str:
    """An opaque cursor for keyset paging."""
    raw = f"{created_at.isoformat()}|{avatar_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(created_at, id) from a cursor; ValidationError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, last = raw.partition("|")
        moment, last_id = datetime.fromisoformat(at), int(last)
        if not 0 < last_id < 2**31:  # a bigger id overflows the database's integer (was a 500)
            raise ValueError(last)
        return moment, last_id
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("That cursor is not valid.") from None
