"""Accounts: sign-up, login and its throttle, tiers, roles and session epochs.

The name and password rules and the argon2 hasher live in `passwords` (re-exported here).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from passlib.context import CryptContext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avatar_core.domain.errors import AuthError, ConfigError, NotFound, ValidationError
from avatar_core.domain.selection import TIERS, Tier, tier_rank
from avatar_core.infra.db import Database
from avatar_core.infra.models import ApiToken, User, utcnow
from avatar_core.services import credits
from avatar_core.services.passwords import (
    MAX_PASSWORD,
    USERNAME_RE,
    check_password,
    make_hasher,
    normalise_username,
)
from avatar_core.services.throttle import Throttle

__all__ = [
    "EPOCH_TTL",
    "MAX_PASSWORD",
    "USERNAME_RE",
    "Accounts",
    "UserInfo",
    "check_password",
    "info",
    "make_hasher",
    "normalise_username",
]


@dataclass(frozen=True)
class UserInfo:
    """A user as the UI and CLI see it (never the password hash)."""

    id: int
    username: str
    tier: Tier
    is_admin: bool
    balance: int


def info(user: User) -> UserInfo:
    """The public view of a user row."""
    return UserInfo(user.id, user.username, Tier(user.tier), user.is_admin, user.balance)


USERS = User.__table__
EPOCH_TTL = 2.0  # seconds a session epoch read from the database is trusted (see session_epoch)


class Accounts:
    """Sign-up, login and tier changes; owns its transactions."""

    def __init__(
        self,
        db: Database,
        hasher: CryptContext,
        signup_credits: int,
        throttle: Throttle | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.hasher, self.signup_credits = db, hasher, signup_credits
        self._clock = clock
        self.throttle = throttle or Throttle(db)
        self._dummy: str | None = None
        self._epochs: dict[int, tuple[int | None, float]] = {}  # user id -> (epoch, read at)

    def _dummy_hash(self) -> str:
        """The hash checked when there is no user; built on first login, not at start-up."""
        if self._dummy is None:
            self._dummy = self.hasher.hash("not-a-real-password")
        return self._dummy

    def register(
        self,
        username: str,
        password: str,
        *,
        tier: str = Tier.FREE,
        is_admin: bool = False,
        hf_username: str | None = None,
        admit: Callable[[Session, User], None] | None = None,
    ) -> UserInfo:
        """Create an account with the welcome grant written to the ledger.

        `admit(session, user)` runs inside the same transaction (sign-up limits, invite codes):
        when it raises, nothing is created.
        """
        name = normalise_username(username)
        tier_rank(tier)
        password_hash = None
        if hf_username is None:
            check_password(password, name)
            password_hash = self.hasher.hash(password)
        try:
            with self.db.transaction() as session:
                if session.scalar(select(func.count()).where(User.username == name)):
                    raise ValidationError(f"The username {name!r} is taken.")
                user = User(
                    username=name,
                    password_hash=password_hash,
                    tier=tier,
                    is_admin=is_admin,
                    balance=0,
                    hf_username=hf_username,
                )
                session.add(user)
                session.flush()
                if admit is not None:
                    admit(session, user)
                if self.signup_credits > 0:
                    credits.grant(
                        session, user.id, self.signup_credits, key="welcome", reason="welcome grant"
                    )
                return info(user)
        except IntegrityError:
            raise ValidationError(f"The username {name!r} is taken.") from None

    def authenticate(self, username: str, password: str, client: str = "") -> UserInfo:
        """The user for these credentials; AuthError (same wording, same cost) otherwise."""
        name = (username or "").strip().lower()
        attempt = self.throttle.begin_login(name, client)
        dummy = self._dummy_hash()
        user = None
        if USERNAME_RE.match(name):  # a name that cannot exist is not looked up (NUL breaks PostgreSQL)
            with self.db.read() as session:
                user = session.scalars(select(User).where(User.username == name)).one_or_none()
        valid = isinstance(password, str) and len(password) <= MAX_PASSWORD
        candidate = password[:MAX_PASSWORD] if isinstance(password, str) else ""
        stored = user.password_hash if user is not None and user.password_hash else None
        ok = self.hasher.verify(candidate, stored or dummy) and valid
        self.throttle.end_login(attempt, ok and user is not None and stored is not None)
        if user is None or stored is None or not ok:
            raise AuthError("Wrong username or password.")
        return info(user)

    def get(self, user_id: int) -> UserInfo:
        """A user by id, fresh from the database."""
        columns = USERS.c.id, USERS.c.username, USERS.c.tier, USERS.c.is_admin, USERS.c.balance
        with self.db.read() as session:  # a Core row: every UI event reads its caller
            row = session.execute(select(*columns).where(USERS.c.id == user_id)).one_or_none()
        if row is None:
            raise NotFound("No such user.")
        return UserInfo(*row)

    def by_name(self, username: str) -> UserInfo:
        """A user by username."""
        with self.db.read() as session:
            user = session.scalars(
                select(User).where(User.username == username.strip().lower())
            ).one_or_none()
            if user is None:
                raise NotFound(f"No user called {username!r}.")
            return info(user)

    def session_epoch(self, user_id: int) -> int | None:
        """The user's current session epoch (None for an unknown user), trusted for EPOCH_TTL s.

        Every HTTP request of a session checks it, on Gradio's event loop: a database read each
        time took ~12% of the server's Python time with 32 users generating (bench_concurrency).
        A logout here takes effect at once; one on another replica within EPOCH_TTL seconds.
        """
        now = self._clock()
        known = self._epochs.get(user_id)
        if known is not None and now - known[1] < EPOCH_TTL:
            return known[0]
        with self.db.read() as session:
            epoch = session.scalar(select(USERS.c.session_epoch).where(USERS.c.id == user_id))
        if len(self._epochs) > 10_000:
            self._epochs.clear()
        self._epochs[user_id] = (epoch, now)
        return epoch

    def end_sessions(self, user_id: int) -> None:
        """Log the user out everywhere: cookies issued before now and API tokens stop working."""
        with self.db.transaction() as session:
            user = session.get(User, user_id)
            if user is not None:
                end_everything(session, user)
        self._epochs.pop(user_id, None)

    def set_tier(self, username: str, tier: str) -> UserInfo:
        """Move a user to another tier."""
        if tier not in TIERS:
            raise ValidationError(f"Unknown tier {tier!r}; use one of {', '.join(TIERS)}.")
        with self.db.transaction() as session:
            user = session.scalars(
                select(User).where(User.username == username.strip().lower())
            ).one_or_none()
            if user is None:
                raise NotFound(f"No user called {username!r}.")
            user.tier = tier
            return info(user)

    def ensure_admin(
        self, username: str, password: str, promote_existing: bool = False, source: str = "AVATAR_ADMIN"
    ) -> UserInfo:
        """Create the admin account, or rotate an existing admin's password (ending its sessions).

        An existing non-admin account is promoted only with `promote_existing`: someone may have
        signed up under the admin's name first. Errors name the settings (`source`_USERNAME/_PASSWORD).
        """
        try:
            name = normalise_username(username)
        except ValidationError as err:
            raise ConfigError(f"{source}_USERNAME: {err}") from None
        try:
            check_password(password, name)
        except ValidationError as err:
            raise ConfigError(f"{source}_PASSWORD: {err}") from None
        with self.db.transaction() as session:
            user = session.scalars(select(User).where(User.username == name)).one_or_none()
            if user is not None:
                if not user.is_admin and not promote_existing:
                    raise ConfigError(
                        f"{source}_USERNAME: an ordinary account called {name!r} already exists; "
                        "it was not made an admin. If it is yours, run `avatar-creator init "
                        "--promote-existing`; otherwise choose another admin name."
                    )
                changed = not user.is_admin
                user.is_admin = True
                if not user.password_hash or not self.hasher.verify(password, user.password_hash):
                    user.password_hash = self.hasher.hash(password)
                    changed = True
                if changed:  # promoted or password rotated: every earlier session and token ends
                    end_everything(session, user)
                self._epochs.pop(user.id, None)
                return info(user)
        return self.register(name, password, tier=Tier.ENTERPRISE, is_admin=True)

    def _change(self, username: str, apply: Callable[[User], None]) -> UserInfo:
        """Change one user and end all of its sessions and tokens (password and role changes)."""
        with self.db.transaction() as session:
            user = session.scalars(
                select(User).where(User.username == (username or "").strip().lower())
            ).one_or_none()
            if user is None:
                raise NotFound(f"No user called {username!r}.")
            apply(user)
            end_everything(session, user)
            self._epochs.pop(user.id, None)
            return info(user)

    def set_password(self, username: str, password: str) -> UserInfo:
        """A new password; every session of the user ends."""
        name = (username or "").strip().lower()
        check_password(password, name)
        hashed = self.hasher.hash(password)
        return self._change(name, lambda user: setattr(user, "password_hash", hashed))

    def set_admin(self, username: str, is_admin: bool) -> UserInfo:
        """Grant or take away the admin role; every session of the user ends."""
        return self._change(username, lambda user: setattr(user, "is_admin", is_admin))

    def revoke(self, username: str) -> UserInfo:
        """End every session of the user (e.g. a stolen cookie)."""
        return self._change(username, lambda user: None)

    def hf_user(self, hf_username: str, create: bool = True) -> UserInfo:
        """The local account for a Hugging Face login, created on first use (free tier)."""
        with self.db.read() as session:
            user = session.scalars(select(User).where(User.hf_username == hf_username)).one_or_none()
            if user is not None:
                return info(user)
        if not create:
            raise NotFound("Sign-up is not open on this server.")
        base = re.sub(r"[^a-z0-9_.-]", "-", hf_username.lower())[:28].strip("-._") or "hf-user"
        name = base if len(base) >= 3 else f"hf-{base}"
        for suffix in ["", *[f"-{i}" for i in range(2, 50)]]:
            try:
                return self.register(f"{name}{suffix}", "", hf_username=hf_username)
            except ValidationError:
                with self.db.read() as session:  # lost a race with this same HF user's login?
                    user = session.scalars(select(User).where(User.hf_username == hf_username)).one_or_none()
                if user is not None:
                    return info(user)
        raise ValidationError("Could not create a local account for this Hugging Face user.")


def end_everything(session: Session, user: User) -> None:
    """Log `user` out everywhere: every cookie issued so far and every API token stop working."""
    user.session_epoch += 1
    live = (ApiToken.user_id == user.id) & ApiToken.revoked_at.is_(None)
    session.execute(update(ApiToken).where(live).values(revoked_at=utcnow()))
