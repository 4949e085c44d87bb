"""`avatar-creator codes create|list|revoke`: credit codes that signed-in users redeem."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from avatar_core.bootstrap import App
from avatar_core.cli.common import iso, print_json, when
from avatar_core.domain.errors import ValidationError
from avatar_core.services.actors import OPERATOR
from avatar_core.services.verify import table


def expiry(text: str | None, days: int | None, now: datetime) -> datetime | None:
    """--expires (a date: the end of that day, UTC; or a time, UTC unless it names a zone) or
    --days (from now); None for a code that does not expire."""
    if text and days is not None:
        raise ValidationError("Give --expires or --days, not both.")
    if days is not None:
        if not 1 <= days <= 36_500:
            raise ValidationError("--days must be from 1 to 36500.")
        return now + timedelta(days=days)
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC) + timedelta(days=1)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"--expires must look like 2027-01-31 or 2027-01-31T18:00, got {text!r}."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cmd_codes_create(app: App, args: argparse.Namespace) -> int:
    expires = expiry(args.expires, args.days, app.throttle.clock())
    info = app.codes.create(OPERATOR, args.credits, args.uses, expires, args.note)
    print(info.code)
    ends = f"until {when(info.expires_at)}" if info.expires_at else "no expiry"
    print(
        f"code #{info.id}: {info.credits} credits, {info.max_uses} redemption(s), {ends} "
        "(the code is shown only now)",
        file=sys.stderr,
    )
    return 0


def cmd_codes_list(app: App, args: argparse.Namespace) -> int:
    codes = app.codes.list(OPERATOR)
    if args.json:
        print_json([c.as_json(iso) for c in codes])
        return 0
    rows = [
        (
            c.id,
            f"{c.hint}…",
            c.credits,
            f"{c.uses}/{c.max_uses}",
            c.state,
            when(c.expires_at, "never"),
            when(c.created_at),
            c.note or "-",
            ", ".join(f"{u.username} ({when(u.at)})" for u in c.used_by) or "-",
        )
        for c in codes
    ]
    headers = ["id", "code", "credits", "used", "state", "expires", "created", "note", "redeemed by"]
    print(table(headers, rows))
    return 0


def cmd_codes_revoke(app: App, args: argparse.Namespace) -> int:
    info = app.codes.revoke(OPERATOR, args.id)
    print(f"code #{info.id} revoked ({info.uses} redemption(s) made stay)")
    return 0


def add_codes_parser(sub: Any) -> None:
    """`codes create|list|revoke`."""
    codes = sub.add_parser(
        "codes",
        help="create, list and revoke credit codes",
        description="Credit codes: signed-in users redeem them (Generate tab → Get credits, or "
        "POST /api/v1/credits/redeem) for credits, once per user.",
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    c = codes.add_parser(
        "create",
        help="create a credit code (printed once)",
        description="Create a code and print it (only a hash is kept). Each redemption is a ledger "
        "grant; a user redeems a code once.",
    )
    c.add_argument("--credits", type=int, required=True, help="credits each redemption gives (1 to 100000)")
    c.add_argument("--uses", type=int, default=1, help="how many users can redeem it (default 1)")
    c.add_argument(
        "--expires", help="when it stops working, UTC: 2027-01-31 (end of that day) or 2027-01-31T18:00"
    )
    c.add_argument("--days", type=int, help="or: it stops working this many days from now")
    c.add_argument("--note", default="", help="for admins: what the code is for (up to 120 characters)")
    c.set_defaults(run=cmd_codes_create)
    c = codes.add_parser(
        "list",
        help="list codes with their state and who redeemed them",
        description="List codes, newest first: credits, redemptions, state (unused, partly used, "
        "used up, expired or revoked), expiry, and who redeemed each and when.",
    )
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(run=cmd_codes_list)
    c = codes.add_parser("revoke", help="revoke a code", description="Stop a code working.")
    c.add_argument("id", type=int, help="code id (from `codes list`)")
    c.set_defaults(run=cmd_codes_revoke)
