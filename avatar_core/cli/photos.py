"""`avatar-creator photos ...`: users' source photos (personal data) for likeness avatars."""

from __future__ import annotations

import argparse
from typing import Any

from avatar_core.bootstrap import App


def cmd_purge(app: App, args: argparse.Namespace) -> int:
    removed = app.photos.purge()
    hours = app.settings.photo_retention_hours
    print(f"Deleted {removed} photo(s) older than {hours:g} h (AVATAR_PHOTO_RETENTION_HOURS)")
    return 0


def add_photos_parser(sub: Any) -> None:
    """Register `photos purge`."""
    ph = sub.add_parser(
        "photos",
        help="purge users' source photos past their retention",
        description="Users' photos for 'From my photo' avatars (see docs/likeness.md).",
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    c = ph.add_parser(
        "purge",
        help="delete photos past AVATAR_PHOTO_RETENTION_HOURS",
        description="Delete every photo older than AVATAR_PHOTO_RETENTION_HOURS "
        "(default 24). The app's sweeper does the same every few minutes.",
    )
    c.set_defaults(run=cmd_purge)
