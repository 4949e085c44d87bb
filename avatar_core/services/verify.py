"""`avatar-creator verify`: the deployment checked against reality, as one report.

Plain functions over the collaborators they read (database, catalog, engine, settings).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from avatar_core.config import PLACEHOLDER_ADMIN_PASSWORD, Settings
from avatar_core.domain.selection import TIERS, ModelSpec, accessible_models, price_for
from avatar_core.engines.base import Engine, Plan, RouteTarget
from avatar_core.infra.db import Database, current_revision, head_revision
from avatar_core.services.catalog import Catalog, model_problems


def settings_warnings(settings: Settings) -> list[str]:
    """Settings that start but are unsafe (production refuses them): `init` logs them, verify shows them."""
    if settings.admin_password != PLACEHOLDER_ADMIN_PASSWORD:
        return []
    return [
        "AVATAR_ADMIN_PASSWORD is the example value from .env.example: anyone who has read that file "
        "can sign in as the admin. Set your own in .env and run `avatar-creator init` again "
        "(AVATAR_ENV=production refuses to start with it)."
    ]


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


def plans_for(engine: Engine, models: Sequence[ModelSpec]) -> list[Plan]:
    """The engine's plan for each row (Hub mappings looked up once per repo)."""
    return [engine.plan(RouteTarget.of(m)) for m in models]


def log_routes(catalog: Catalog, engine: Engine) -> int:
    """Log what really runs for each enabled row (start-up); returns how many are not sold."""
    log = logging.getLogger("avatar_core.routes")
    enabled = [m for m in catalog.models() if m.enabled]
    unsold = 0
    for m, p in zip(enabled, plans_for(engine, enabled), strict=True):
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


class Report:
    """Check lines and tables, and whether every check passed. `[note]` and `[warn]` lines say
    something worth knowing (offline previews, an unsafe setting) without failing the report."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.healthy = True

    def check(self, ok: bool, label: str) -> None:
        """One `[ok]` / `[FAIL]` line."""
        self.healthy &= ok
        self.lines.append(f"[{'ok' if ok else 'FAIL'}] {label}")

    def note(self, label: str, *, warn: bool = False) -> None:
        """One `[note]` (or `[warn]`) line; neither makes the deployment unhealthy."""
        self.lines.append(f"[{'warn' if warn else 'note'}] {label}")

    def text(self) -> str:
        """The report as printed."""
        return "\n".join(self.lines + ([] if self.healthy else ["", "UNHEALTHY"])).rstrip() + "\n"


CONFIG_HEADERS = [
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
]


def _schema_ready(report: Report, db: Database) -> bool:
    """Database reachable and migrated to the code's head revision."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        report.check(True, f"database reachable ({db.engine.dialect.name})")
    except Exception as err:  # noqa: BLE001 - report, don't crash
        report.check(False, f"database unreachable: {type(err).__name__}")
        return False
    rev, head = current_revision(db), head_revision()
    hint = "" if rev == head else ": run `avatar-creator init`"
    report.check(rev == head, f"schema at revision {rev} (code head {head}){hint}")
    return rev == head


def _config_rows(report: Report, models: Sequence[ModelSpec]) -> list[tuple[Any, ...]]:
    """One line per catalog row with its configuration problems (each one fails the report)."""
    rows = []
    for m in models:
        problems = model_problems(m)
        report.healthy &= not problems
        lora = f"{m.lora_model} @{m.lora_scale}" if m.lora_model else "-"
        size = f"{m.width}x{m.height}"
        enabled = "yes" if m.enabled else "no"
        rows.append(
            (m.model_key, m.tier, m.credit_cost, m.model_id, size, m.steps, m.guidance_scale, lora, enabled)
            + ("; ".join(problems) or "ok",)
        )
    return rows


def _token_and_settings(report: Report, settings: Settings) -> None:
    """The HF token (none: offline previews, a way to run, a warning in production) and unsafe settings."""
    if settings.hf_token:
        report.check(True, "HF token set")
    else:
        where = " in production" if settings.production else ""
        report.note(
            f"HF token not set{where}: the app runs offline previews (illustrations drawn locally, "
            "labelled as such); set HF_TOKEN in .env to use FLUX on Hugging Face",
            warn=settings.production,
        )
    for warning in settings_warnings(settings):
        report.note(warning, warn=True)


def _engine_line(engine: Engine, settings: Settings) -> str:
    """Which engine serves images, and through which route."""
    if engine.offline:
        return (
            "[note] engine: offline previews (no image model; set HF_TOKEN to use FLUX on "
            "Hugging Face). Every row runs as a labelled preview; no LoRA is claimed."
        )
    if settings.hf_base_url:
        handler = settings.hf_base_url_handler
        return f"[ok] engine: Hugging Face, base URL {settings.hf_base_url} ({handler} handler)"
    return f"[ok] engine: Hugging Face, provider {settings.hf_provider or 'auto'}"


def run_checks(db: Database, catalog: Catalog, engine: Engine, settings: Settings) -> tuple[str, bool]:
    """The verify report and whether the deployment is healthy."""
    report = Report()
    if not _schema_ready(report, db):
        report.healthy = False
        return "\n".join(report.lines), False
    models = catalog.models()
    enabled = [m for m in models if m.enabled]
    report.check(bool(enabled), f"{len(models)} models, {len(enabled)} enabled")
    report.lines += ["", table(CONFIG_HEADERS, _config_rows(report, models)), ""]
    _token_and_settings(report, settings)
    report.lines.append(_engine_line(engine, settings))
    plans = plans_for(engine, enabled)
    unsold = [m.model_key for m, p in zip(enabled, plans, strict=True) if not p.servable]
    report.check(
        not unsold,
        "every enabled model can be served as sold" + (f"; not sold: {', '.join(unsold)}" if unsold else ""),
    )
    report.lines += [
        "",
        "What really runs (checked against the Hub's inference provider mappings):",
        table(ROUTE_HEADERS, route_rows(enabled, plans)),
        "",
    ]
    presets = catalog.presets()
    report.check(bool(presets), f"{len(presets)} presets")
    sold = [m for m, p in zip(enabled, plans, strict=True) if p.servable]
    report.lines += ["", "Tier access matrix (credits per image, - = locked):", tier_matrix(sold)]
    return report.text(), report.healthy
