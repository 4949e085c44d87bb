"""Sign-up from the web: the mode (open, invite, closed), hourly limits and invite codes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from avatar_core.domain.errors import PermissionDenied, ValidationError
from avatar_core.infra.models import User
from avatar_core.services.auth import Accounts, UserInfo
from avatar_core.services.invites import Invites
from avatar_core.services.throttle import Throttle


class Signups:
    """Web sign-up; the CLI's `users add` and `init` do not go through here (no limits)."""

    def __init__(self, accounts: Accounts, throttle: Throttle, invites: Invites, mode: str) -> None:
        self.accounts, self.throttle, self.invites, self.mode = accounts, throttle, invites, mode

    def register(self, username: str, password: str, address: str, invite: str = "") -> UserInfo:
        """A new free-tier account, if the mode, the hourly limits and the invite code allow it."""
        code = (invite or "").strip()
        if self.mode == "closed":
            raise PermissionDenied("Sign-up is closed on this server.")
        if self.mode == "invite" and not code:
            raise ValidationError("Sign-up needs an invite code on this server.")
        self.throttle.check_signup(address)  # before the password hash: cheap refusals

        def admit(session: Session, user: User) -> None:
            self.throttle.admit_signup(session, address)
            # the address the account was made from is one it "has used": a password spray from
            # it later never locks its owner out
            self.throttle.mark_known(session, user.username, address)
            if code:
                self.invites.redeem(session, code, user)

        return self.accounts.register(username, password, admit=admit)
