"""`avatar-creator`: a thin command line over the services. Errors are one line and exit 1.

That holds for argument errors too: `Parser` prints `avatar-creator: error: ...` with a hint to
the command's --help on one line (argparse's default is the usage and the error, exit 2).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from avatar_core.bootstrap import App, bootstrap, database_unready, init
from avatar_core.cli.security import add_invite_commands
from avatar_core.cli.users import add_credits_parser, add_users_parser
from avatar_core.config import load_settings
from avatar_core.domain.errors import AvatarError

Handler = Callable[[App, argparse.Namespace], int]
PROG = "avatar-creator"


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit 1 (its subparsers are Parsers too)."""

    def error(self, message: str) -> NoReturn:
        """`avatar-creator: error: MESSAGE (see `avatar-creator COMMAND --help`)`, exit 1."""
        self.exit(1, f"{PROG}: error: {message} (see `{self.prog} --help`)\n")


def cmd_init(app: App, args: argparse.Namespace) -> int:
    # init logs a warning for unsafe settings (the example admin password): one line on stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="warning: %(message)s")
    changed, admin = init(app, reset_catalog=args.reset_catalog, promote_existing=args.promote_existing)
    models = app.catalog.models()
    print(f"Database ready at {app.db.engine.url.render_as_string(hide_password=True)}")
    print(f"Catalog: {len(models)} models, {len(app.catalog.presets())} presets ({changed} rows changed)")
    if admin:
        print(f"Admin account: {admin.username}")
    return 0


def cmd_verify(app: App, args: argparse.Namespace) -> int:
    from avatar_core.services.verify import run_checks

    report, healthy = run_checks(app.db, app.catalog, app.engine, app.settings)
    print(report)
    return 0 if healthy else 1


def cmd_generate(app: App, args: argparse.Namespace) -> int:
    # The console script is an entry point like app.py: it alone configures logging (the
    # generation's log lines go to stderr, the outcome to stdout).
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    from avatar_core.cli.generate import run_generate

    return run_generate(app, args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    p = Parser(
        prog=PROG,
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
        "matrix. Exits 1 when unhealthy; [note] and [warn] lines (no HF token: offline "
        "previews; the example admin password) say what to know without failing it.",
    )
    c.set_defaults(run=cmd_verify)

    add_users_parser(sub)
    add_credits_parser(sub)
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
    from avatar_core.cli.codes import add_codes_parser

    add_codes_parser(sub)
    from avatar_core.cli.worker import add_worker_parser

    add_worker_parser(sub)
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
        if database_unready(err):
            print(
                "error: the database is unreachable or not initialised; run `avatar-creator init` first.",
                file=sys.stderr,
            )
            return 1
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    finally:
        app.close()
