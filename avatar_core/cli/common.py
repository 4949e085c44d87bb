"""What every command prints the same way: times, and the tier choices."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from avatar_core.domain.selection import TIERS

# Plain strings, so an argument error reads "choose from 'free', 'basic', ..." (not the enum's repr).
TIER_CHOICES = [tier.value for tier in TIERS]


def _moment(value: datetime | str) -> datetime | None:
    """`value` as an aware UTC datetime (a naive one, or an ISO string without a zone, is UTC)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def when(value: datetime | str | None, missing: str = "-") -> str:
    """A time as every list prints it, to the second: `2026-12-07 23:21:05 UTC`."""
    if value is None or value == "":
        return missing
    moment = _moment(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else str(value)


def iso(value: datetime | str | None) -> str | None:
    """A time as --json prints it, to the second: `2026-12-07T23:21:05Z`."""
    moment = None if value is None or value == "" else _moment(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else (None if value is None else str(value))


def print_json(value: Any) -> None:
    """One JSON document; times in the `iso` form."""
    print(json.dumps(value, default=lambda v: iso(v) if isinstance(v, datetime) else str(v)))
