"""The "Get credits" section: the ways to more credits this server offers, and redeeming a code."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.domain.errors import RateLimited, ValidationError
from avatar_core.domain.selection import accessible_models, price_for
from avatar_core.services.auth import UserInfo
from avatar_core.services.topup import month_end, month_of
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import user_errors
from avatar_core.web.text import md_text


def _address(request: gr.Request | None, trust_proxy: bool) -> str:
    """The caller's address as the code throttle counts it ("" when unknown)."""
    try:
        peer = str(request.client.host) if request is not None and request.client else ""  # type: ignore[attr-defined]
        forwarded = str(request.headers.get("x-forwarded-for", "")) if request is not None else ""  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return ""
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    return hops[-1] if trust_proxy and hops else peer


class CreditHandlers(HandlerBase):
    """What a user can do when credits run short: the shop, a code, the monthly top-up."""

    def _short(self, user: UserInfo) -> bool:
        """True when the balance pays for none of the models the tier reaches."""
        prices = [
            price_for(m, user.tier) for m in accessible_models(self.app.generations.sold_models(), user.tier)
        ]
        return bool(prices) and user.balance < min(prices)

    def _ways(self, user: UserInfo) -> str:
        """The ways to credits, as Markdown (only the ones this server offers)."""
        lines = [f"You have **{user.balance}** credits. Ways to get more:"]
        shop = self.app.settings.credits.shop_url
        if shop:
            lines.append(f"- **Buy credits** in [the shop]({shop}) (opens in a new tab).")
        lines.append("- **Have a code?** Type it below and press Redeem: its credits are added at once.")
        allowance = self.app.topup.allowance_for(user.tier)
        if allowance:
            month = month_of(self.app.throttle.clock())
            ends = month_end(month).strftime("%Y-%m-%d %H:%M UTC")
            got = self.app.topup.this_month(user.id)
            lines.append(
                f"- **Monthly top-up:** once a month (UTC), the first time you open the app with fewer "
                f"than {allowance} credits, you are topped up to {allowance}; what is left of the "
                f"top-up when the month ends expires (your other credits never do). This month: "
                + (f"+{got}, until {ends}." if got else "none needed so far.")
            )
        if not shop:
            lines.append("- Or ask this server's operator for credits or a code.")
        return "\n".join(lines)

    @user_errors
    def credits_view(self, request: gr.Request | None = None) -> tuple[str, dict[str, Any]]:
        """The ways to credits, and the section opened when the balance pays for nothing."""
        user = self.user(request)
        if self.app.topup.apply(user.id):  # the month's top-up (a page load may have done it)
            user = self.user(request)
        return self._ways(user), gr.update(open=self._short(user))

    @user_errors
    def redeem(self, code: str = "", request: gr.Request | None = None) -> tuple[str, str, str]:
        """Redeem a code; (message, the code box, the ways). A refusal is said in the message and
        keeps what was typed; nothing changes."""
        user = self.user(request)
        try:
            done = self.app.codes.redeem(
                user.id, code or "", _address(request, self.app.settings.trust_proxy)
            )
        except (ValidationError, RateLimited) as err:
            return f"**{md_text(str(err))}**", code or "", self._ways(user)
        if done.already:
            at = done.at.strftime("%Y-%m-%d %H:%M UTC") if done.at else "earlier"
            msg = (
                f"You already redeemed this code ({at}, +{done.credits} credits); nothing changed. "
                f"Balance: **{done.balance}** credits."
            )
        else:
            msg = f"**+{done.credits} credits** added. Balance: **{done.balance}** credits."
        return msg, "", self._ways(self.user(request))
