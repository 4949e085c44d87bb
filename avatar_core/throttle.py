"""Database-backed throttles: failed logins and sign-ups, shared by replicas and kept on restart.

Logins: failures count per (account, address); after `PAIR_FREE` of them inside the window each
further try waits twice as long as the one before. An address with `ADDRESS_CEILING` failures in
the window (credential stuffing) is refused for accounts that have never signed in from it; an
account's own earlier sign-in from that address ("known") still goes through, so failures on
other accounts or from other addresses never refuse a correct password. Sign-ups count per
address and globally per hour. Rows expire (`TTL`); IPv6 addresses count per /64.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from .db import Database
from .errors import RateLimited
from .models import ThrottleEvent, utcnow

FAIL, ADDRESS, KNOWN, SIGNUP = "fail", "addr", "known", "signup"
WINDOW = 900.0  # seconds: the login window (15 min)
PAIR_FREE = 5  # failures per (account, address) before any delay
PAIR_BASE = 15.0  # seconds of delay after the 5th failure, doubling with each further one
ADDRESS_CEILING = 50  # failures per address per window before unknown accounts are refused
HOUR = 3600.0
TTL = {FAIL: WINDOW, ADDRESS: WINDOW, KNOWN: 90 * 86400.0, SIGNUP: HOUR}
SIGNUP_LOCK = 0x61766174617222  # pg_advisory_xact_lock key: sign-ups are counted one at a time
_SAFE = re.compile(r"^[A-Za-z0-9_.:\-/]{1,64}$")


class SignupLimited(RateLimited):
    """Too many sign-ups from one address, or everywhere, in the last hour."""

    def __init__(self, retry_after: int, everywhere: bool) -> None:
        super().__init__(retry_after)
        where = "right now" if everywhere else "from your network"
        self.message = (f"Too many new accounts {where}. Try again in "
                        f"{max(1, math.ceil(retry_after / 60))} min.")  # fmt: skip
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


class Throttle:
    """The login and sign-up throttles over the `throttle_events` table."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow, *,
                 signup_per_hour: int = 5, signup_global_per_hour: int = 200) -> None:  # fmt: skip
        self.db, self.clock = db, clock
        self.signup_per_hour, self.signup_global_per_hour = signup_per_hour, signup_global_per_hour

    # ----- logins -----
    def check_login(self, username: str, address: str) -> None:
        """RateLimited when this (account, address) must wait, or the address is at its ceiling."""
        pair, group, now = self._pair(username, address), address_group(address), self.clock()
        since = now - timedelta(seconds=WINDOW)
        with self.db.read() as session:
            count, last = session.execute(
                select(func.count(), func.max(ThrottleEvent.created_at))
                .where(ThrottleEvent.kind == FAIL, ThrottleEvent.key == pair,
                       ThrottleEvent.created_at > since)
            ).one()  # fmt: skip
            if count >= PAIR_FREE and last is not None:
                wait = min(WINDOW, PAIR_BASE * 2 ** (count - PAIR_FREE))
                left = (_aware(last) + timedelta(seconds=wait) - now).total_seconds()
                if left > 0:
                    raise RateLimited(max(1, math.ceil(left)))
            if not address:
                return
            failures = self._recent(session, ADDRESS, group, since, ADDRESS_CEILING)
            if len(failures) >= ADDRESS_CEILING and not self._known(session, pair, now):
                left = (_aware(failures[-1]) + timedelta(seconds=WINDOW) - now).total_seconds()
                raise RateLimited(max(1, math.ceil(left)))

    def login_failed(self, username: str, address: str) -> None:
        """Count one failure for the (account, address) and for the address."""
        now = self.clock()
        with self.db.transaction() as session:
            session.add(ThrottleEvent(kind=FAIL, key=self._pair(username, address), created_at=now))
            if address:
                session.add(ThrottleEvent(kind=ADDRESS, key=address_group(address), created_at=now))
            self._expire(session, now)

    def login_succeeded(self, username: str, address: str) -> None:
        """Forget this pair's failures and remember that the account signs in from here."""
        pair, now = self._pair(username, address), self.clock()
        with self.db.transaction() as session:
            session.execute(delete(ThrottleEvent).where(
                ThrottleEvent.kind.in_((FAIL, KNOWN)), ThrottleEvent.key == pair))  # fmt: skip
            if address:
                session.add(ThrottleEvent(kind=KNOWN, key=pair, created_at=now))

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
    def _pair(username: str, address: str) -> str:
        name = _key_part((username or "").strip().lower()[:64])
        return f"{name}|{address_group(address) if address else '-'}"

    @staticmethod
    def _recent(session: Session, kind: str, key: str, since: datetime, limit: int) -> list[datetime]:
        """Up to `limit` event times of (kind, key) after `since`, newest first."""
        if limit <= 0:
            return []
        return list(session.scalars(
            select(ThrottleEvent.created_at)
            .where(ThrottleEvent.kind == kind, ThrottleEvent.key == key,
                   ThrottleEvent.created_at > since)
            .order_by(ThrottleEvent.created_at.desc()).limit(limit)
        ))  # fmt: skip

    @staticmethod
    def _known(session: Session, pair: str, now: datetime) -> bool:
        since = now - timedelta(seconds=TTL[KNOWN])
        return bool(session.scalar(select(func.count()).where(
            ThrottleEvent.kind == KNOWN, ThrottleEvent.key == pair,
            ThrottleEvent.created_at > since)))  # fmt: skip

    @staticmethod
    def _expire(session: Session, now: datetime) -> None:
        """Delete events past their kind's lifetime, so the table stays small."""
        for kind, ttl in TTL.items():
            session.execute(delete(ThrottleEvent).where(
                ThrottleEvent.kind == kind,
                ThrottleEvent.created_at < now - timedelta(seconds=ttl)))  # fmt: skip
