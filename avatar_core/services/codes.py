"""Credit codes: made by admins, worth N credits each time they are redeemed by a signed-in user.

A code has a number of redemptions (1 for a single-use code), an optional expiry and can be
revoked. Each redemption is a ledger grant keyed `code:<id>`: unique per user, so one user gets a
code's credits once however often (or however concurrently) they redeem it. A wrong, used-up,
expired or revoked code is refused with a plain sentence and changes nothing. Codes are 16 random
characters of an alphabet without look-alikes (80 bits), shown once; only their SHA-256 is kept
and looked up, so a guess compares hashes (no code is ever compared character by character).
Every attempt is counted against guessing first (services/redeem_throttle.py).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.infra.code_table import CreditCode
from avatar_core.infra.db import Database
from avatar_core.infra.models import LedgerEntry, utcnow
from avatar_core.services import credits
from avatar_core.services.actors import actor_id, require_admin
from avatar_core.services.auth import UserInfo
from avatar_core.services.invites import MAX_USES, InviteUse, ledger_uses, whole_number
from avatar_core.services.redeem_throttle import RedeemThrottle

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
LENGTH, MAX_INPUT, MAX_CODE_CREDITS, MAX_NOTE = 16, 64, 100_000, 120
_SEPARATORS = re.compile(r"[\s\-_.]+")


class CodeRefused(ValidationError):
    """A code that gives nothing: `reason` is unknown, revoked, expired or used_up."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class CodeInfo:
    """A code as admins see it; `code` only right after creation (only a hash is kept)."""

    id: int
    hint: str
    credits: int
    max_uses: int
    uses: int
    note: str
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    state: str  # unused, partly used, used up, expired or revoked (when it was read)
    code: str | None = None
    used_by: tuple[InviteUse, ...] = ()  # oldest first

    def as_json(self, stamp: Callable[[datetime], str | None]) -> dict[str, object]:
        """As admins see it (the CLI's `--json`, the REST API), times written by `stamp`;
        `code` only in the answer that created it."""
        return {
            "id": self.id,
            **({"code": self.code} if self.code else {}),
            "starts_with": self.hint,
            "credits": self.credits,
            "uses": self.uses,
            "max_uses": self.max_uses,
            "state": self.state,
            "note": self.note,
            "expires_at": self.expires_at and stamp(self.expires_at),
            "revoked_at": self.revoked_at and stamp(self.revoked_at),
            "created_at": stamp(self.created_at),
            "redeemed_by": [{"username": u.username, "at": stamp(u.at)} for u in self.used_by],
        }


@dataclass(frozen=True)
class Redemption:
    """What redeeming gave: the code's credits and the new balance; `already` when the user had
    redeemed it before (then nothing changed, and `at` says when)."""

    code_id: int
    credits: int
    balance: int
    already: bool = False
    at: datetime | None = None


def normalise(code: str) -> str:
    """What a user typed, as compared: upper case, without spaces, dashes, dots or underscores."""
    return _SEPARATORS.sub("", str(code or "")).upper()


def _hash(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def new_code() -> str:
    """16 random characters of ALPHABET in groups of four: `K7QM-2XWD-...`."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def _when(moment: datetime) -> str:
    return _aware(moment).strftime("%Y-%m-%d %H:%M UTC")


def _state(row: CreditCode, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        return "expired"
    if row.uses >= row.max_uses:
        return "used up"
    return "partly used" if row.uses else "unused"


def _note(note: str) -> str:
    text = " ".join(str(note or "").split())
    if len(text) > MAX_NOTE:
        raise ValidationError(f"The note is at most {MAX_NOTE} characters.")
    return text


class CreditCodes:
    """Create, list and revoke codes (admins), redeem them (users); owns its transactions."""

    def __init__(self, db: Database, guard: RedeemThrottle, clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.guard, self.clock = db, guard, clock

    def _info(self, row: CreditCode, code: str | None = None, used_by: Sequence[InviteUse] = ()) -> CodeInfo:
        return CodeInfo(
            row.id,
            row.hint,
            row.credits,
            row.max_uses,
            row.uses,
            row.note,
            row.expires_at and _aware(row.expires_at),
            row.revoked_at and _aware(row.revoked_at),
            _aware(row.created_at),
            _state(row, self.clock()),
            code,
            tuple(used_by),
        )

    def create(
        self,
        actor: UserInfo | None,
        credit_amount: int,
        uses: int = 1,
        expires_at: datetime | None = None,
        note: str = "",
    ) -> CodeInfo:
        """A new code worth `credit_amount` per redemption, `uses` redemptions; shown once."""
        admin = require_admin(actor)
        credit_amount = whole_number(credit_amount, "Credits", 1, MAX_CODE_CREDITS)
        uses = whole_number(uses, "Uses", 1, MAX_USES)
        if expires_at is not None:
            try:
                expires_at = _aware(expires_at)  # 9999-12-31T23:59-05:00 overflows in UTC
            except (OverflowError, ValueError):
                raise ValidationError("That expiry is out of range.") from None
            if expires_at <= self.clock():
                raise ValidationError("The expiry must be in the future.")
        code = new_code()
        with self.db.transaction() as session:
            row = CreditCode(
                code_hash=_hash(normalise(code)),
                hint=code[:4],
                credits=credit_amount,
                max_uses=uses,
                uses=0,
                note=_note(note),
                expires_at=expires_at and _aware(expires_at),
                created_by=actor_id(admin),
            )
            session.add(row)
            session.flush()
            return self._info(row, code)

    def list(self, actor: UserInfo | None, limit: int = 200) -> list[CodeInfo]:
        """The newest codes first, with who redeemed each and when."""
        require_admin(actor)
        with self.db.read() as session:
            rows = list(session.scalars(select(CreditCode).order_by(CreditCode.id.desc()).limit(limit)))
            uses = ledger_uses(session, [f"code:{r.id}" for r in rows if r.uses])
            return [self._info(r, used_by=uses.get(f"code:{r.id}", ())) for r in rows]

    def revoke(self, actor: UserInfo | None, code_id: int) -> CodeInfo:
        """Stop a code from being redeemed again (what was redeemed stays)."""
        require_admin(actor)
        with self.db.transaction() as session:
            row = session.get(CreditCode, code_id) if 0 < code_id < 2**31 else None
            if row is None:
                raise NotFound(f"No code #{code_id}.")
            if row.revoked_at is None:
                row.revoked_at = self.clock()
            return self._info(row)

    def redeem(self, user_id: int, code: str, address: str = "") -> Redemption:
        """Redeem `code` for `user_id`: its credits once per user, while it has uses left, has not
        expired and is not revoked; CodeRefused (nothing changed) otherwise."""
        typed = normalise(code)
        if not typed:
            raise ValidationError("Type the code you were given.")
        self.guard.attempt(user_id, address)  # counted before the code is looked at
        if len(typed) > MAX_INPUT:
            raise CodeRefused("unknown", "That code is not valid. Check it and try again.")
        with self.db.transaction() as session:
            row = self._locked(session, _hash(typed))
            done = session.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.user_id == user_id, LedgerEntry.idempotency_key == f"code:{row.id}"
                )
            ).one_or_none()
            if done is not None:
                balance = credits.balance(session, user_id)
                return Redemption(row.id, done.amount, balance, already=True, at=_aware(done.created_at))
            self._check_usable(row)
            row.uses += 1
            entry = credits.grant(
                session, user_id, row.credits, key=f"code:{row.id}", reason=f"code #{row.id}"
            )
            return Redemption(row.id, row.credits, entry.balance_after)

    @staticmethod
    def _locked(session: Session, digest: str) -> CreditCode:
        """The code's row, locked (FOR UPDATE; SQLite's writers take turns anyway)."""
        stmt = select(CreditCode).where(CreditCode.code_hash == digest)
        if session.get_bind().dialect.name != "sqlite":
            stmt = stmt.with_for_update()
        row = session.scalars(stmt).one_or_none()
        if row is None:
            raise CodeRefused("unknown", "That code is not valid. Check it and try again.")
        return row

    def _check_usable(self, row: CreditCode) -> None:
        state = _state(row, self.clock())
        if state == "revoked":
            raise CodeRefused(
                "revoked", "That code was withdrawn and gives no credits any more. Nothing changed."
            )
        if state == "expired" and row.expires_at is not None:
            raise CodeRefused("expired", f"That code expired on {_when(row.expires_at)}. Nothing changed.")
        if state == "used up":
            raise CodeRefused("used_up", "That code has been used up. Nothing changed.")
