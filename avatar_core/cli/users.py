"""`avatar-creator users add|list|set-tier` and `credits grant|show|check`: thin over AdminService.

Every act goes through the same `AdminService` method as the admin tab, as the `OPERATOR`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from avatar_core.bootstrap import App
from avatar_core.cli.common import TIER_CHOICES, print_json, when
from avatar_core.cli.security import add_user_commands
from avatar_core.domain.errors import ValidationError
from avatar_core.services.actors import OPERATOR
from avatar_core.services.verify import table


def cmd_users_add(app: App, args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if password is None:
        import getpass

        password = getpass.getpass("Password: ")
    user = app.admin.create_user(OPERATOR, args.name, password, tier=args.tier, is_admin=args.admin)
    print(
        f"Created {user.username} ({user.tier}{', admin' if user.is_admin else ''}), balance {user.balance}"
    )
    return 0


def cmd_users_list(app: App, args: argparse.Namespace) -> int:
    users = app.admin.users_overview(OPERATOR)
    if args.json:
        print_json([u.__dict__ for u in users])
        return 0
    rows = [
        (u.username, u.tier, "yes" if u.is_admin else "", u.balance, u.spent, u.generations) for u in users
    ]
    print(table(["username", "tier", "admin", "balance", "spent", "generations"], rows))
    return 0


def cmd_users_set_tier(app: App, args: argparse.Namespace) -> int:
    user = app.admin.set_tier(OPERATOR, args.name, args.tier)
    print(f"{user.username} is now on the {user.tier} tier")
    return 0


def cmd_credits_grant(app: App, args: argparse.Namespace) -> int:
    if args.amount <= 0:
        raise ValidationError("Credits to grant must be a positive whole number.")
    balance = app.admin.adjust_credits(OPERATOR, args.name, args.amount, args.reason)
    print(f"Granted {args.amount} credits to {args.name.strip().lower()}; balance {balance}")
    return 0


def cmd_credits_show(app: App, args: argparse.Namespace) -> int:
    user = app.admin.user(OPERATOR, args.name)
    moves = app.admin.ledger(OPERATOR, args.name, limit=args.limit)
    bal = app.admin.user(OPERATOR, args.name).balance
    if args.json:
        print_json({"username": user.username, "balance": bal, "movements": [m.__dict__ for m in moves]})
        return 0
    print(f"{user.username}: {bal} credits")
    rows = [
        (when(m.created_at), m.type, f"{m.amount:+d}", m.balance_after, m.generation_id or "", m.reason)
        for m in moves
    ]
    print(table(["time", "type", "amount", "balance", "generation", "reason"], rows))
    return 0


def cmd_credits_check(app: App, args: argparse.Namespace) -> int:
    problems = app.admin.check_ledger(OPERATOR)
    for line in problems:
        print(f"VIOLATION {line}")
    print("ledger OK" if not problems else f"{len(problems)} violation(s)")
    return 1 if problems else 0


def add_users_parser(sub: Any) -> None:
    """The `users ...` commands."""
    users = sub.add_parser(
        "users", help="add, list and change users", description="Manage accounts."
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    c = users.add_parser(
        "add",
        help="create a user",
        description="Create a user (asks for the "
        "password, or reads one line from stdin with --password-stdin).",
    )
    c.add_argument("name", help="username (3-32 letters, digits, . _ -)")
    c.add_argument("--tier", choices=TIER_CHOICES, default="free", help="tier (default free)")
    c.add_argument("--admin", action="store_true", help="make the user an admin")
    c.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    c.set_defaults(run=cmd_users_add)
    c = users.add_parser(
        "list",
        help="list users with balance and spend",
        description="List every user with tier, balance, credits spent and generation count.",
    )
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(run=cmd_users_list)
    c = users.add_parser("set-tier", help="change a user's tier", description="Change a user's tier.")
    c.add_argument("name", help="username")
    c.add_argument("tier", choices=TIER_CHOICES, help="new tier")
    c.set_defaults(run=cmd_users_set_tier)
    add_user_commands(users)


def add_credits_parser(sub: Any) -> None:
    """The `credits ...` commands."""
    cr = sub.add_parser(
        "credits", help="grant, show and check credits", description="The credit ledger."
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    c = cr.add_parser("grant", help="grant credits", description="Grant credits to a user.")
    c.add_argument("name", help="username")
    c.add_argument("amount", type=int, help="credits to add (positive)")
    c.add_argument("--reason", required=True, help="why (kept in the ledger)")
    c.set_defaults(run=cmd_credits_grant)
    c = cr.add_parser(
        "show",
        help="show a balance and recent movements",
        description="Show a user's balance and recent ledger movements.",
    )
    c.add_argument("name", help="username")
    c.add_argument("--limit", type=int, default=20, help="movements to show (default 20)")
    c.add_argument("--json", action="store_true", help="print JSON (balance, movements)")
    c.set_defaults(run=cmd_credits_show)
    c = cr.add_parser(
        "check",
        help="verify the ledger invariants",
        description="Check that every balance equals its ledger sum and that each "
        "reserve is settled at most once. Exits 1 on a violation.",
    )
    c.set_defaults(run=cmd_credits_check)
