"""`avatar-creator verify`: the deployment checked against reality, as one report."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from avatar_core.bootstrap import App
from avatar_core.domain.selection import TIERS, ModelSpec, accessible_models, price_for
from avatar_core.engines.base import Plan, RouteTarget
from avatar_core.infra.db import current_revision, head_revision
from avatar_core.services.catalog import model_problems


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table with aligned columns."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def tier_matrix(models: Sequence[ModelSpec]) -> str:
    """Which tier reaches which model, and at what price."""
    rows = []
    for tier in TIERS:
        reach = {m.model_key for mode in (False, True) for m in accessible_models(models, tier, mode)}
        rows.append([tier] + [str(price_for(m, tier)) if m.model_key in reach else "-" for m in models])
    return table(["tier"] + [m.model_key.split(":")[-1] for m in models], rows)


def route_rows(models: Sequence[ModelSpec], plans: Sequence[Plan]) -> list[tuple[Any, ...]]:
    """One line per row: what really runs where, at which size, and whether it is sold."""
    rows = []
    for m, p in zip(models, plans, strict=True):
        size = p.size if p.size == f"{m.width}x{m.height}" else f"{p.size} (catalog {m.width}x{m.height})"
        lora = "-" if not m.lora_model else (f"yes @{p.lora_scale:g}" if p.lora else "no")
        rows.append(
            (
                m.model_key,
                p.route,
                p.provider_model or "?",
                lora,
                size,
                p.status,
                m.license or "?",
                "ok" if p.servable else f"NOT SOLD: {p.why}",
            )
        )
    return rows


ROUTE_HEADERS = ["model", "route", "provider model", "LoRA runs", "size", "status", "licence", "served"]


def plans_for(app: App, models: Sequence[ModelSpec]) -> list[Plan]:
    """The engine's plan for each row (Hub mappings looked up once per repo)."""
    return [app.engine.plan(RouteTarget.of(m)) for m in models]


def log_routes(app: App) -> int:
    """Log what really runs for each enabled row (start-up); returns how many are not sold."""
    log = logging.getLogger("avatar_core.routes")
    enabled = [m for m in app.catalog.models() if m.enabled]
    unsold = 0
    for m, p in zip(enabled, plans_for(app, enabled), strict=True):
        unsold += not p.servable
        log.log(
            logging.INFO if p.servable else logging.WARNING,
            "route model=%s route=%s provider_model=%s lora=%s scale=%s size=%s status=%s sold=%s%s",
            m.model_key,
            p.route,
            p.provider_model or "?",
            p.lora or "-",
            p.lora_scale,
            p.size,
            p.status,
            "yes" if p.servable else "no",
            f" why={p.why!r}" if p.why else "",
        )
    return unsold


def run_checks(app: App) -> tuple[str, bool]:
    """The verify report and whether the deployment is healthy."""
    lines: list[str] = []
    healthy = True

    def check(ok: bool, label: str) -> None:
        nonlocal healthy
        healthy &= ok
        lines.append(f"[{'ok' if ok else 'FAIL'}] {label}")

    try:
        with app.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        check(True, f"database reachable ({app.db.engine.dialect.name})")
    except Exception as err:  # noqa: BLE001 - report, don't crash
        check(False, f"database unreachable: {type(err).__name__}")
        return "\n".join(lines), False
    rev, head = current_revision(app.db), head_revision()
    check(
        rev == head,
        f"schema at revision {rev} (code head {head})"
        + ("" if rev == head else ": run `avatar-creator init`"),
    )
    if rev != head:
        return "\n".join(lines), False
    models = app.catalog.models()
    enabled = [m for m in models if m.enabled]
    check(bool(enabled), f"{len(models)} models, {len(enabled)} enabled")
    rows = []
    for m in models:
        problems = model_problems(m)
        healthy &= not problems
        rows.append(
            (
                m.model_key,
                m.tier,
                m.credit_cost,
                m.model_id,
                f"{m.width}x{m.height}",
                m.steps,
                m.guidance_scale,
                f"{m.lora_model} @{m.lora_scale}" if m.lora_model else "-",
                "yes" if m.enabled else "no",
                "; ".join(problems) or "ok",
            )
        )
    lines += [
        "",
        table(
            [
                "model",
                "tier",
                "credits",
                "model id",
                "size",
                "steps",
                "guidance",
                "lora",
                "enabled",
                "config",
            ],
            rows,
        ),
        "",
    ]
    s = app.settings
    check(True, f"HF token {'present' if s.hf_token else 'not set'}")
    if app.offline:
        lines.append(
            "[ok] engine: offline previews (no image model; set HF_TOKEN to use FLUX on "
            "Hugging Face). Every row runs as a labelled preview; no LoRA is claimed."
        )
    else:
        provider = s.hf_provider or "auto"
        route = (
            f"base URL {s.hf_base_url} ({s.hf_base_url_handler} handler)"
            if s.hf_base_url
            else f"provider {provider}"
        )
        lines.append(f"[ok] engine: Hugging Face, {route}")
    plans = plans_for(app, enabled)
    unsold = [m.model_key for m, p in zip(enabled, plans, strict=True) if not p.servable]
    check(
        not unsold,
        "every enabled model can be served as sold" + (f"; not sold: {', '.join(unsold)}" if unsold else ""),
    )
    lines += [
        "",
        "What really runs (checked against the Hub's inference provider mappings):",
        table(ROUTE_HEADERS, route_rows(enabled, plans)),
        "",
    ]
    presets = app.catalog.presets()
    check(bool(presets), f"{len(presets)} presets")
    sold = [m for m, p in zip(enabled, plans, strict=True) if p.servable]
    lines += ["", "Tier access matrix (credits per image, - = locked):", tier_matrix(sold)]
    lines.append("" if healthy else "\nUNHEALTHY")
    return "\n".join(lines).rstrip() + "\n", healthy
