"""Database-backed throttles: failed logins, sign-ups and REST API calls, shared by replicas and
kept on restart.

Logins: failures count per (account, address); after `PAIR_FREE` of them inside the window each
further try waits twice as long as the one before. An address with `ADDRESS_CEILING` failures in
the window (credential stuffing) is refused for accounts that have never signed in from it; an
account's own earlier sign-in from that address ("known") still goes through, so failures on
other accounts or from other addresses never refuse a correct password. Each attempt is counted
before its password is checked, so parallel guesses cannot outrun the count. Sign-ups count per
address and globally per hour. API calls count per token over the last minute (a sliding
window), so N app processes behind a proxy still give a token its rate once, not N times. Rows
expire (`TTL`); IPv6 addresses count per /64.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from avatar_core.domain.errors import RateLimited
from avatar_core.infra.db import Database
from avatar_core.infra.models import ThrottleEvent, utcnow

FAIL, ADDRESS, KNOWN, SIGNUP, API = "fail", "addr", "known", "signup", "api"
WINDOW = 900.0  # seconds: the login window (15 min)
PAIR_FREE = 5  # failures per (account, address) before any delay
PAIR_BASE = 15.0  # seconds of delay after the 5th failure, doubling with each further one
ADDRESS_CEILING = 50  # failures per address per window before unknown accounts are refused
HOUR = 3600.0
MINUTE = 60.0  # the API rate's window
TTL = {FAIL: WINDOW, ADDRESS: WINDOW, KNOWN: 90 * 86400.0, SIGNUP: HOUR, API: MINUTE}
SIGNUP_LOCK = 0x61766174617222  # pg_advisory_xact_lock key: sign-ups are counted one at a time
_SAFE = re.compile(r"^[A-Za-z0-9_.:\-/]{1,64}$")


class SignupLimited(RateLimited):
    """Too many sign-ups from one address, or everywhere, in the last hour."""

    def __init__(self, retry_after: int, everywhere: bool) -> None:
        super().__init__(retry_after)
        where = "right now" if everywhere else "from your network"
        self.message = (
            f"Too many new accounts {where}. Try again in {max(1, math.ceil(retry_after / 60))} min."
        )
        self.args = (self.message,)


class ApiRateLimited(RateLimited):
    """Too many REST API calls by one user (all its tokens), or without a valid token from one
    address, in the last minute."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.message = f"Too many API calls; retry in {retry_after} s."
        self.args = (self.message,)


def address_group(address: str) -> str:
    """The unit an address is counted in: the IPv4 address, or the IPv6 /64."""
    raw = (address or "").strip()
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return _key_part(raw)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _key_part(value: str) -> str:
    """A value safe to store as (part of) a key: itself if plain, else a short digest."""
    if _SAFE.match(value or "x"):
        return value or "-"
    return "h:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Attempt:
    """A login attempt already counted as a failure: its pair key, address group and row ids."""

    pair: str
    address: str
    ids: tuple[int, ...]


class Throttle:
    """The login and sign-up throttles over the `throttle_events` table."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = utcnow,
        *,
        signup_per_hour: int = 5,
        signup_global_per_hour: int = 200,
        api_per_minute: int = 60,
    ) -> None:
        self.db, self.clock = db, clock
        self.signup_per_hour, self.signup_global_per_hour = signup_per_hour, signup_global_per_hour
        self.api_per_minute = api_per_minute

    # ----- logins -----
    def begin_login(self, username: str, address: str) -> Attempt:
        """Count this attempt as a failure before the password is checked (a burst of parallel
        guesses cannot outrun the count); RateLimited, uncounted, when it has to wait.

        Attempts of one (account, address) take turns while they are counted: PostgreSQL with an
        advisory lock on the pair, SQLite because its writers do anyway.
        """
        pair, group, now = self._pair(username, address), address_group(address), self.clock()
        with self.db.transaction() as session:
            self._take_turns(session, pair)
            rows = [ThrottleEvent(kind=FAIL, key=pair, created_at=now)]
            if address:
                rows.append(ThrottleEvent(kind=ADDRESS, key=group, created_at=now))
            session.add_all(rows)
            session.flush()
            attempt = Attempt(pair, group if address else "", tuple(r.id for r in rows))
            self._refuse(session, attempt, now)  # raising rolls this attempt's rows back
            self._expire(session, now)
        return attempt

    def end_login(self, attempt: Attempt, ok: bool) -> None:
        """A wrong password stays counted; a right one clears the pair and marks it known."""
        if not ok:
            return
        with self.db.transaction() as session:
            session.execute(
                delete(ThrottleEvent).where(
                    ThrottleEvent.kind.in_((FAIL, KNOWN)), ThrottleEvent.key == attempt.pair
                )
            )
            session.execute(delete(ThrottleEvent).where(ThrottleEvent.id.in_(attempt.ids)))
            if attempt.address:
                session.add(ThrottleEvent(kind=KNOWN, key=attempt.pair, created_at=self.clock()))

    def mark_known(self, session: Session, username: str, address: str) -> None:
        """Inside a transaction: `username` signed in (or up) from `address`."""
        if address:
            session.add(ThrottleEvent(kind=KNOWN, key=self._pair(username, address), created_at=self.clock()))

    def _refuse(self, session: Session, attempt: Attempt, now: datetime) -> None:
        """RateLimited when the failures before this attempt make it wait."""
        since = now - timedelta(seconds=WINDOW)
        count, last = session.execute(
            select(func.count(), func.max(ThrottleEvent.created_at)).where(
                ThrottleEvent.kind == FAIL,
                ThrottleEvent.key == attempt.pair,
                ThrottleEvent.created_at > since,
                ThrottleEvent.id < attempt.ids[0],
            )
        ).one()
        if count >= PAIR_FREE and last is not None:
            wait = min(WINDOW, PAIR_BASE * 2 ** (count - PAIR_FREE))
            left = (_aware(last) + timedelta(seconds=wait) - now).total_seconds()
            if left > 0:
                raise RateLimited(max(1, math.ceil(left)))
        if not attempt.address:
            return
        failures = self._recent(
            session, ADDRESS, attempt.address, since, ADDRESS_CEILING, before=attempt.ids[1]
        )
        if len(failures) >= ADDRESS_CEILING and not self._known(session, attempt.pair, now):
            left = (_aware(failures[-1]) + timedelta(seconds=WINDOW) - now).total_seconds()
            raise RateLimited(max(1, math.ceil(left)))

    # ----- REST API calls -----
    def api_call(self, caller: str) -> None:
        """Count one API call of `caller` (`user:<id>` for every token of a user, `addr:<group>`
        for calls without a valid token); ApiRateLimited, uncounted, past `api_per_minute` calls in
        the last minute (from every process: the count is in the database).

        The call is counted before it is checked, and calls of one caller take turns while counted
        (PostgreSQL: an advisory lock on it; SQLite: its writers do anyway), so a burst across
        replicas is admitted exactly `api_per_minute` times.
        """
        key, now = _key_part(caller), self.clock()
        with self.db.transaction() as session:
            self._take_turns(session, f"{API}|{key}")
            row = ThrottleEvent(kind=API, key=key, created_at=now)
            session.add(row)
            session.flush()
            limit = self.api_per_minute
            recent = self._recent(session, API, key, now - timedelta(seconds=MINUTE), limit, before=row.id)
            if len(recent) >= limit:  # raising rolls this call's row back
                left = (_aware(recent[-1]) + timedelta(seconds=MINUTE) - now).total_seconds()
                raise ApiRateLimited(max(1, math.ceil(left)))
            session.execute(
                delete(ThrottleEvent).where(
                    ThrottleEvent.kind == API,
                    ThrottleEvent.key == key,
                    ThrottleEvent.created_at < now - timedelta(seconds=MINUTE),
                )
            )

    # ----- sign-ups -----
    def check_signup(self, address: str) -> None:
        """SignupLimited when a sign-up from `address` would be over an hourly limit."""
        with self.db.read() as session:
            self._signup_refusal(session, address, self.clock())

    def admit_signup(self, session: Session, address: str) -> None:
        """Inside the sign-up's transaction: refuse over the hourly limits, else count this one."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"SELECT pg_advisory_xact_lock({SIGNUP_LOCK})"))
        now = self.clock()
        group = self._signup_refusal(session, address, now)
        session.add(ThrottleEvent(kind=SIGNUP, key=group, created_at=now))
        session.add(ThrottleEvent(kind=SIGNUP, key="*", created_at=now))
        self._expire(session, now)

    def _signup_refusal(self, session: Session, address: str, now: datetime) -> str:
        """The address group; raises SignupLimited when it or everyone is over the limit."""
        since = now - timedelta(seconds=HOUR)
        group = address_group(address) if address else "-"
        for key, limit in ((group, self.signup_per_hour), ("*", self.signup_global_per_hour)):
            recent = self._recent(session, SIGNUP, key, since, limit)
            if len(recent) >= limit:
                oldest = _aware(recent[-1]) if recent else now
                left = (oldest + timedelta(seconds=HOUR) - now).total_seconds()
                raise SignupLimited(max(1, math.ceil(left)), everywhere=key == "*")
        return group

    # ----- helpers -----
    @staticmethod
    def _take_turns(session: Session, name: str) -> None:
        """PostgreSQL: hold a transaction-scoped advisory lock on `name` (SQLite: nothing to do)."""
        if session.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    @staticmethod
    def _pair(username: str, address: str) -> str:
        name = _key_part((username or "").strip().lower()[:64])
        return f"{name}|{address_group(address) if address else '-'}"

    @staticmethod
    def _recent(
        session: Session, kind: str, key: str, since: datetime, limit: int, before: int | None = None
    ) -> list[datetime]:
        """Up to `limit` event times of (kind, key) after `since` (ids below `before`), newest first."""
        if limit <= 0:
            return []
        stmt = select(ThrottleEvent.created_at).where(
            ThrottleEvent.kind == kind, ThrottleEvent.key == key, ThrottleEvent.created_at > since
        )
        if before is not None:
            stmt = stmt.where(ThrottleEvent.id < before)
        return list(session.scalars(stmt.order_by(ThrottleEvent.created_at.desc()).limit(limit)))

    @staticmethod
    def _known(session: Session, pair: str, now: datetime) -> bool:
        since = now - timedelta(seconds=TTL[KNOWN])
        return bool(
            session.scalar(
                select(func.count()).where(
                    ThrottleEvent.kind == KNOWN, ThrottleEvent.key == pair, ThrottleEvent.created_at > since
                )
            )
        )

    @staticmethod
    def _expire(session: Session, now: datetime) -> None:
        """Delete events past their kind's lifetime, so the table stays small."""
        for kind, ttl in TTL.items():
            session.execute(
                delete(ThrottleEvent).where(
                    ThrottleEvent.kind == kind, ThrottleEvent.created_at < now - timedelta(seconds=ttl)
                )
            )
