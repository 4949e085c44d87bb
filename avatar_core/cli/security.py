"""`avatar-creator users set-password|set-admin|revoke` and `invites create|list|revoke`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from avatar_core.bootstrap import App
from avatar_core.cli.common import when
from avatar_core.domain.errors import ValidationError
from avatar_core.services.actors import OPERATOR
from avatar_core.services.invites import InviteInfo
from avatar_core.services.verify import table


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise ValidationError("The two passwords differ.")
    return first


def cmd_set_password(app: App, args: argparse.Namespace) -> int:
    user = app.admin.set_password(OPERATOR, args.name, _read_password(args))
    print(f"New password set for {user.username}; all of its sessions were ended")
    return 0


def cmd_set_admin(app: App, args: argparse.Namespace) -> int:
    user = app.admin.set_admin(OPERATOR, args.name, args.state == "on")
    print(
        f"{user.username} is {'now' if user.is_admin else 'no longer'} an admin; "
        "all of its sessions were ended"
    )
    return 0


def cmd_revoke(app: App, args: argparse.Namespace) -> int:
    user = app.admin.end_sessions(OPERATOR, args.name)
    print(f"All sessions of {user.username} were ended")
    return 0


def cmd_invites_create(app: App, args: argparse.Namespace) -> int:
    invite = app.admin.create_invite(OPERATOR, args.uses, args.credits)
    print(invite.code)
    print(
        f"invite #{invite.id}: {invite.max_uses} use(s), {invite.credits} extra credits "
        "(the code is shown only now)",
        file=sys.stderr,
    )
    return 0


def _used_by(invite: InviteInfo) -> str:
    """Who signed up with it and when; only the count is recorded for an invite without credits."""
    if invite.used_by:
        return ", ".join(f"{u.username} ({when(u.at)})" for u in invite.used_by)
    return "not recorded (no credits)" if invite.uses else "-"


def cmd_invites_list(app: App, args: argparse.Namespace) -> int:
    rows = [
        (i.id, f"{i.hint}…", f"{i.uses}/{i.max_uses}", i.credits, i.state, when(i.created_at), _used_by(i))
        for i in app.admin.invites_list(OPERATOR)
    ]
    print(table(["id", "code", "used", "credits", "state", "created", "used by"], rows))
    return 0


def cmd_invites_revoke(app: App, args: argparse.Namespace) -> int:
    invite = app.admin.revoke_invite(OPERATOR, args.id)
    print(f"invite #{invite.id} revoked")
    return 0


def add_user_commands(users: Any) -> None:
    """The password, role and session commands under `users`."""
    c = users.add_parser(
        "set-password",
        help="set a user's password (ends its sessions)",
        description="Set a new password (asks twice, or reads one line from "
        "stdin with --password-stdin). Every session of the user ends.",
    )
    c.add_argument("name", help="username")
    c.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    c.set_defaults(run=cmd_set_password)
    c = users.add_parser(
        "set-admin",
        help="make a user an admin or not (ends its sessions)",
        description="Grant (on) or take away (off) the admin role. Every session of the user ends.",
    )
    c.add_argument("name", help="username")
    c.add_argument("state", choices=("on", "off"), help="on or off")
    c.set_defaults(run=cmd_set_admin)
    c = users.add_parser(
        "revoke",
        help="end every session of a user",
        description="Log a user out everywhere (e.g. after a stolen cookie).",
    )
    c.add_argument("name", help="username")
    c.set_defaults(run=cmd_revoke)


def add_invite_commands(sub: Any) -> None:
    """`invites create|list|revoke`."""
    inv = sub.add_parser(
        "invites",
        help="create, list and revoke sign-up invite codes",
        description="Invite codes for AVATAR_SIGNUP=invite (they also work, "
        "with their credits, when sign-up is open).",
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    c = inv.add_parser(
        "create",
        help="create an invite code (printed once)",
        description="Create an invite code and print it (only a hash is kept).",
    )
    c.add_argument("--uses", type=int, default=1, help="how many sign-ups it allows (default 1)")
    c.add_argument(
        "--credits", type=int, default=0, help="extra credits for each account made with it (default 0)"
    )
    c.set_defaults(run=cmd_invites_create)
    c = inv.add_parser(
        "list",
        help="list invites with their state and who used them",
        description="List invites, newest first: uses, credits, state (unused, partly used, used "
        "up or revoked; invites do not expire), when it was made and who signed up with it (with "
        "the time; recorded for invites with credits, through their ledger grant).",
    )
    c.set_defaults(run=cmd_invites_list)
    c = inv.add_parser("revoke", help="revoke an invite", description="Stop an invite working.")
    c.add_argument("id", type=int, help="invite id (from `invites list`)")
    c.set_defaults(run=cmd_invites_revoke)
