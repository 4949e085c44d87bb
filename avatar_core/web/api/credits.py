"""API routes for getting credits: the caller's balance and ways to more, redeeming a code, and
(admins) creating, listing and revoking credit codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from avatar_core.bootstrap import App
from avatar_core.services.codes import CodeInfo, CodeRefused
from avatar_core.services.topup import month_end, month_of
from avatar_core.web.api.auth import Who
from avatar_core.web.api.errors import ApiError, db_id, error_example, example
from avatar_core.web.api.schemas import utc_stamp
from avatar_core.web.pages import client_address

CREDITS_EXAMPLE = {
    "balance": 20,
    "tier": "free",
    "shop_url": "https://shop.example.com/credits",
    "monthly_topup": {"credits": 20, "this_month": 12, "expires_at": "2027-01-01T00:00:00Z"},
}
CODE_EXAMPLE = {
    "id": 3,
    "code": "K7QM-2XWD-9RTB-4HNP",
    "starts_with": "K7QM",
    "credits": 50,
    "uses": 0,
    "max_uses": 100,
    "state": "unused",
    "note": "newsletter",
    "expires_at": "2027-01-31T00:00:00Z",
    "revoked_at": None,
    "created_at": "2026-12-08T10:00:00Z",
    "redeemed_by": [],
}


class RedeemBody(BaseModel):
    """A credit code as the user was given it (case, spaces and dashes do not matter)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"code": "K7QM-2XWD-9RTB-4HNP"}]}
    )
    code: str = Field(min_length=1, max_length=200)


class CodeBody(BaseModel):
    """A new credit code: credits per redemption, how many redemptions, an optional expiry."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"credits": 50, "uses": 100, "expires_at": "2027-01-31T00:00:00Z"}]},
    )
    credits: int = Field(strict=True, description="credits each redemption gives (1 to 100000)")
    uses: int = Field(1, strict=True, description="how many users can redeem it (1 to 10000)")
    expires_at: datetime | None = Field(None, description="when it stops working (UTC when no zone)")
    note: str = Field("", max_length=120, description="for admins: what the code is for")


def code_json(c: CodeInfo) -> dict[str, Any]:
    """One code as admins see it (`code` only in the answer that created it)."""
    return c.as_json(utc_stamp)


def credits_json(app: App, user_id: int) -> dict[str, Any]:
    """The caller's balance and the ways to get more (applying the month's top-up first)."""
    app.topup.apply(user_id)
    user = app.accounts.get(user_id)
    allowance = app.topup.allowance_for(user.tier)
    month = month_of(app.throttle.clock())
    topup = {"credits": allowance, "this_month": app.topup.this_month(user.id)}
    return {
        "balance": user.balance,
        "tier": user.tier,
        "shop_url": app.settings.credits.shop_url or None,
        "monthly_topup": {**topup, "expires_at": utc_stamp(month_end(month))} if allowance else None,
    }


def credits_router(app: App) -> APIRouter:
    """GET /v1/credits, POST /v1/credits/redeem and the admins' /v1/admin/credit-codes."""
    router = APIRouter()
    _user_routes(router, app)
    _admin_routes(router, app)
    return router


def _user_routes(router: APIRouter, app: App) -> None:
    """The caller's balance and redeeming a code."""

    @router.get(
        "/v1/credits",
        summary="The caller's balance and ways to get credits",
        description="The operator's shop link (null when none), and the monthly free top-up when "
        "this server gives one (applied by this call, as by a page load, once a month).",
        responses=example(CREDITS_EXAMPLE),
    )
    def balance(who: Who) -> dict[str, Any]:
        return credits_json(app, who.user.id)

    @router.post(
        "/v1/credits/redeem",
        summary="Redeem a credit code",
        description="Adds the code's credits once per user: redeeming it again changes nothing "
        "(`already_redeemed: true`). 422 with `code_unknown`, `code_used_up`, `code_expired` or "
        "`code_revoked` changes nothing; 429 after too many attempts (10 an hour).",
        responses=example(
            {"credits": 50, "balance": 74, "already_redeemed": False},
            e422=error_example("code_used_up", "That code has been used up. Nothing changed."),
            e429=error_example("rate_limited", "Too many code attempts. Try again in 12 min."),
        ),
    )
    def redeem(who: Who, body: RedeemBody, request: Request) -> dict[str, Any]:
        address = client_address(request, app.settings.trust_proxy)
        try:
            done = app.codes.redeem(who.user.id, body.code, address)
        except CodeRefused as err:
            raise ApiError(422, f"code_{err.reason}", str(err)) from None
        return {"credits": done.credits, "balance": done.balance, "already_redeemed": done.already}


def _admin_routes(router: APIRouter, app: App) -> None:
    """Admins create, list and revoke codes (the service refuses everyone else)."""

    @router.post(
        "/v1/admin/credit-codes",
        status_code=201,
        summary="Admins: create a credit code (shown once)",
        responses=example(CODE_EXAMPLE, 201, e403=error_example("forbidden", "Only admins can do that.")),
    )
    def create_code(who: Who, body: CodeBody) -> dict[str, Any]:
        info = app.codes.create(who.user, body.credits, body.uses, body.expires_at, body.note)
        return code_json(info)

    listed = {k: v for k, v in CODE_EXAMPLE.items() if k != "code"}

    @router.get(
        "/v1/admin/credit-codes",
        summary="Admins: every credit code, newest first (never the code itself)",
        responses=example([{**listed, "uses": 1, "state": "partly used"}]),
    )
    def list_codes(who: Who) -> list[dict[str, Any]]:
        return [code_json(c) for c in app.codes.list(who.user)]

    @router.post(
        "/v1/admin/credit-codes/{code_id}/revoke",
        summary="Admins: stop a credit code working (what was redeemed stays)",
        responses=example({**listed, "state": "revoked", "revoked_at": "2026-12-09T08:00:00Z"}),
    )
    def revoke_code(who: Who, code_id: int) -> dict[str, Any]:
        return code_json(app.codes.revoke(who.user, db_id(code_id)))
