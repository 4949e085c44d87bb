"""Who is acting: the signed-in admin, or the operator at the machine's shell (the CLI)."""

from __future__ import annotations

from avatar_core.domain.errors import PermissionDenied
from avatar_core.domain.selection import Tier
from avatar_core.services.auth import UserInfo

# The acting user of a command-line session: the operator at the machine's shell (no account).
OPERATOR = UserInfo(id=0, username="(operator)", tier=Tier.ENTERPRISE, is_admin=True, balance=0)


def require_admin(actor: UserInfo | None) -> UserInfo:
    """The actor if it is an admin; PermissionDenied otherwise."""
    if actor is None or not actor.is_admin:
        raise PermissionDenied("Only admins can do that.")
    return actor


def actor_id(actor: UserInfo) -> int | None:
    """The id recorded for an act: the admin's account, or none for the operator."""
    return None if actor is OPERATOR or actor.id == OPERATOR.id else actor.id
