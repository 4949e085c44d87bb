"""`avatar-creator`: a thin command line over the services. Errors are one line and exit 1."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from avatar_core.bootstrap import App, bootstrap, init
from avatar_core.cli.security import add_invite_commands, add_user_commands
from avatar_core.config import load_settings
from avatar_core.domain.errors import AvatarError
from avatar_core.domain.selection import TIERS
from avatar_core.services import credits
from avatar_core.services.verify import table

Handler = Callable[[App, argparse.Namespace], int]


def _json(value: Any) -> None:
    print(json.dumps(value, default=str))


def cmd_init(app: App, args: argparse.Namespace) -> int:
    changed, admin = init(app, reset_catalog=args.reset_catalog, promote_existing=args.promote_existing)
    models = app.catalog.models()
    print(f"Database ready at {app.db.engine.url.render_as_string(hide_password=True)}")
    print(f"Catalog: {len(models)} models, {len(app.catalog.presets())} presets ({changed} rows changed)")
    if admin:
        print(f"Admin account: {admin.username}")
    return 0


def cmd_verify(app: App, args: argparse.Namespace) -> int:
    from avatar_core.services.verify import run_checks

    report, healthy = run_checks(app)
    print(report)
    return 0 if healthy else 1


def cmd_users_add(app: App, args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if password is None:
        import getpass

        password = getpass.getpass("Password: ")
    user = app.accounts.register(args.name, password, tier=args.tier, is_admin=args.admin)
    print(
        f"Created {user.username} ({user.tier}{', admin' if user.is_admin else ''}), balance {user.balance}"
    )
    return 0


def cmd_users_list(app: App, args: argparse.Namespace) -> int:
    from avatar_core.services.admin import AdminService

    users = AdminService(app).users_overview("")
    if args.json:
        _json([u.__dict__ for u in users])
        return 0
    rows = [
        (u.username, u.tier, "yes" if u.is_admin else "", u.balance, u.spent, u.generations) for u in users
    ]
    print(table(["username", "tier", "admin", "balance", "spent", "generations"], rows))
    return 0


def cmd_users_set_tier(app: App, args: argparse.Namespace) -> int:
    user = app.accounts.set_tier(args.name, args.tier)
    print(f"{user.username} is now on the {user.tier} tier")
    return 0


def cmd_credits_grant(app: App, args: argparse.Namespace) -> int:
    user = app.accounts.by_name(args.name)
    with app.db.transaction() as session:
        entry = credits.grant(session, user.id, args.amount, key=f"cli:{uuid.uuid4()}", reason=args.reason)
        print(f"Granted {args.amount} credits to {user.username}; balance {entry.balance_after}")
    return 0


def cmd_credits_show(app: App, args: argparse.Namespace) -> int:
    user = app.accounts.by_name(args.name)
    with app.db.read() as session:
        moves = credits.history(session, user.id, limit=args.limit)
        bal = credits.balance(session, user.id)
    if args.json:
        _json({"username": user.username, "balance": bal, "movements": [m.__dict__ for m in moves]})
        return 0
    print(f"{user.username}: {bal} credits")
    rows = [
        (m.created_at, m.type, f"{m.amount:+d}", m.balance_after, m.generation_id or "", m.reason)
        for m in moves
    ]
    print(table(["time", "type", "amount", "balance", "generation", "reason"], rows))
    return 0


def cmd_credits_check(app: App, args: argparse.Namespace) -> int:
    with app.db.read() as session:
        problems = credits.check(session)
    for line in problems:
        print(f"VIOLATION {line}")
    print("ledger OK" if not problems else f"{len(problems)} violation(s)")
    return 1 if problems else 0


def cmd_generate(app: App, args: argparse.Namespace) -> int:
    from avatar_core.cli.generate import run_generate

    return run_generate(app, args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    p = argparse.ArgumentParser(
        prog="avatar-creator",
        description="Avatar Creator: set up, check and operate a deployment. Settings come from "
        "the environment and .env (see .env.example).",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser(
        "init",
        help="migrate the database, seed models and presets, create the admin",
        description="Upgrade the database to the newest schema, seed the five models "
        "and 19 presets (idempotent; keeps admin changes to price/enabled), and create "
        "the admin from AVATAR_ADMIN_USERNAME/AVATAR_ADMIN_PASSWORD if set.",
    )
    c.add_argument(
        "--reset-catalog", action="store_true", help="also reset prices and enabled flags to the seed values"
    )
    c.add_argument(
        "--promote-existing",
        action="store_true",
        help="make an existing ordinary account of AVATAR_ADMIN_USERNAME the admin "
        "(resets its password, ends its sessions)",
    )
    c.set_defaults(run=cmd_init)

    c = sub.add_parser(
        "verify",
        help="check database, models, environment and the tier matrix",
        description="Check that the database is reachable and migrated, each model's "
        "configuration, the environment (token, engine) and print the tier access "
        "matrix. Exits 1 when unhealthy.",
    )
    c.set_defaults(run=cmd_verify)

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
    c.add_argument("--tier", choices=TIERS, default="free", help="tier (default free)")
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
    c.add_argument("tier", choices=TIERS, help="new tier")
    c.set_defaults(run=cmd_users_set_tier)
    add_user_commands(users)

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

    from avatar_core.cli.models import add_models_parser
    from avatar_core.cli.ops import add_ops_parsers
    from avatar_core.cli.photos import add_photos_parser
    from avatar_core.cli.tokens import add_tokens_parser

    add_ops_parsers(sub, add_models_parser(sub))
    add_photos_parser(sub)
    add_tokens_parser(sub)

    from avatar_core.cli.generate import add_generate_parser

    add_generate_parser(sub, cmd_generate)
    add_invite_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        app = bootstrap(load_settings())
    except AvatarError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    try:
        return int(args.run(app, args))
    except AvatarError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # one clear line, never a traceback
        from sqlalchemy.exc import OperationalError, ProgrammingError

        if isinstance(err, (OperationalError, ProgrammingError)):
            print(
                "error: the database is unreachable or not initialised; run `avatar-creator init` first.",
                file=sys.stderr,
            )
            return 1
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    finally:
        app.close()
