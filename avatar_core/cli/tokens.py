"""`avatar-creator tokens ...`: personal access tokens for the REST API (/api/v1)."""

from __future__ import annotations

import argparse
from typing import Any

from avatar_core.bootstrap import App
from avatar_core.cli.common import print_json, when
from avatar_core.services.verify import table


def cmd_create(app: App, args: argparse.Namespace) -> int:
    user = app.accounts.by_name(args.user)
    view, secret = app.tokens.create(user.id, args.name or "")
    print(f"Token #{view.id} for {user.username}; it is shown only once:")
    print(secret)
    return 0


def cmd_list(app: App, args: argparse.Namespace) -> int:
    tokens = app.tokens.of_user(app.accounts.by_name(args.user).id)
    if args.json:
        print_json([vars(t) for t in tokens])
        return 0
    rows = [
        (
            t.id,
            t.name or "-",
            t.prefix + "…",
            when(t.created_at),
            when(t.last_used_at, "never"),
            "revoked" if t.revoked else "active",
        )
        for t in tokens
    ]
    print(table(["id", "name", "starts with", "created", "last used", "state"], rows))
    return 0


def cmd_revoke(app: App, args: argparse.Namespace) -> int:
    view = app.tokens.revoke(args.id)
    print(f"Token #{view.id} revoked")
    return 0


def add_tokens_parser(sub: Any) -> None:
    """Register `tokens create|list|revoke`."""
    tk = sub.add_parser(
        "tokens",
        help="create, list and revoke REST API tokens",
        description="Personal access tokens for /api/v1 (Authorization: Bearer "
        "<token>). A token is shown once and stored hashed.",
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    c = tk.add_parser(
        "create",
        help="create a token (printed alone on the last line)",
        description="Create a token for USER; the last stdout line is the token.",
    )
    c.add_argument("user", help="username")
    c.add_argument("--name", help="a name to recognise it by")
    c.set_defaults(run=cmd_create)
    c = tk.add_parser("list", help="list a user's tokens", description="List USER's tokens.")
    c.add_argument("user", help="username")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(run=cmd_list)
    c = tk.add_parser("revoke", help="revoke a token", description="Revoke token ID at once.")
    c.add_argument("id", type=int, help="token id (from tokens list)")
    c.set_defaults(run=cmd_revoke)
