"""Guessing credit codes: redemption attempts counted in the database (shared by replicas).

Every attempt, right or wrong, is counted before its code is checked (so parallel guesses cannot
outrun the count): at most `per_user` an hour per account and `per_address` an hour per address
group (an IPv4 address, an IPv6 /64), over the `throttle_events` table and the throttle's own
helpers (services/throttle.py). The code space itself is 32^16 (80 bits), so guessing is hopeless
anyway; the limit keeps it that way and keeps the database quiet.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import delete

from avatar_core.domain.errors import RateLimited
from avatar_core.infra.models import ThrottleEvent
from avatar_core.services.throttle import HOUR, Throttle, _aware, _key_part, address_group

REDEEM = "redeem"
PER_USER, PER_ADDRESS = 10, 30  # attempts an hour


class CodeGuessing(RateLimited):
    """Too many code attempts by one account, or from one address, in the last hour."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        minutes = max(1, math.ceil(retry_after / 60))
        self.message = f"Too many code attempts. Try again in {minutes} min."
        self.args = (self.message,)


class RedeemThrottle:
    """Counts redemption attempts per account and per address; CodeGuessing past the limits."""

    def __init__(self, throttle: Throttle, per_user: int = PER_USER, per_address: int = PER_ADDRESS) -> None:
        self.throttle, self.per_user, self.per_address = throttle, per_user, per_address

    def attempt(self, user_id: int, address: str = "") -> None:
        """Count one attempt of `user_id` from `address` ("" when unknown); CodeGuessing, and the
        attempt not counted, when the account or the address is over its hourly limit."""
        now, since = self.throttle.clock(), self.throttle.clock() - timedelta(seconds=HOUR)
        limits = [(f"user:{int(user_id)}", self.per_user)]
        if address:
            limits.append((_key_part(f"addr:{address_group(address)}"), self.per_address))
        with self.throttle.db.transaction() as session:
            for key, _limit in limits:  # always in this order: the locks cannot deadlock
                Throttle._take_turns(session, f"{REDEEM}|{key}")
            rows = [ThrottleEvent(kind=REDEEM, key=key, created_at=now) for key, _limit in limits]
            session.add_all(rows)
            session.flush()
            for (key, limit), row in zip(limits, rows, strict=True):
                recent = Throttle._recent(session, REDEEM, key, since, limit, before=row.id)
                if len(recent) >= limit:  # raising rolls this attempt's rows back
                    left = (_aware(recent[-1]) + timedelta(seconds=HOUR) - now).total_seconds()
                    raise CodeGuessing(max(1, math.ceil(left)))
            session.execute(
                delete(ThrottleEvent).where(ThrottleEvent.kind == REDEEM, ThrottleEvent.created_at < since)
            )
