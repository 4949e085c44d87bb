"""The "Get credits" settings (split from config.py, which reads them through `credit_settings`).

- `AVATAR_SHOP_URL`: the operator's shop, linked where a user runs short; empty: no link. An
  http(s) URL without spaces, quotes, brackets or backticks (it is put into Markdown as is).
- `AVATAR_MONTHLY_TOPUP`: the monthly free top-up (services/topup.py has the rule): `N` credits
  for every tier, or per tier like `free=20,basic=10` (tiers not named: none); 0 or empty: off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from avatar_core.domain.errors import ConfigError
from avatar_core.domain.selection import TIERS

MAX_TOPUP = 100_000  # credits a month, per tier
_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\s<>\"'()\[\]`\\]*)?")


@dataclass(frozen=True)
class CreditSettings:
    """Where users get credits: the shop link and the monthly top-up per tier."""

    shop_url: str = ""
    monthly_topup: Mapping[str, int] = field(default_factory=dict)  # tier → credits a month


def shop_url(raw: str) -> str:
    """`AVATAR_SHOP_URL`: empty, or an http(s) URL; ConfigError otherwise."""
    url = raw.strip()
    if url and not _URL.fullmatch(url):
        raise ConfigError(
            f"AVATAR_SHOP_URL must be an http(s) URL like https://shop.example.com/credits, got {url!r}."
        )
    return url


def monthly_topup(raw: str) -> dict[str, int]:
    """`AVATAR_MONTHLY_TOPUP`: `N` (every tier) or `free=20,basic=10`; {} when off."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) == 1 and "=" not in parts[0]:
        parts = [f"{tier}={parts[0]}" for tier in TIERS]
    found: dict[str, int] = {}
    for tier, _, value in (p.partition("=") for p in parts):
        tier, value = tier.strip().lower(), value.strip()
        if tier not in TIERS or not (value.isascii() and value.isdigit()) or int(value) > MAX_TOPUP:
            raise ConfigError(
                f"AVATAR_MONTHLY_TOPUP must be a number of credits (0 to {MAX_TOPUP}) for every tier, "
                f"or per tier like 'free=20,basic=10'; got {raw.strip()!r}."
            )
        found[tier] = int(value)
    return {tier: n for tier, n in found.items() if n > 0}


def credit_settings(env: Mapping[str, str]) -> CreditSettings:
    """The "Get credits" settings from the environment (and .env)."""
    return CreditSettings(
        shop_url=shop_url(env.get("AVATAR_SHOP_URL", "")),
        monthly_topup=monthly_topup(env.get("AVATAR_MONTHLY_TOPUP", "")),
    )
