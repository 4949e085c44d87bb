"""The model catalog and presets: seed data, seeding, and admin changes."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.domain.models_data import (
    DEV_LICENSE,
    LIKENESS_KEY,
    REALISM_LORA,
    SCHNELL_KEY,
    SCHNELL_LICENSE,
    SEED_CAPABILITIES,
    SEED_MODELS,
)
from avatar_core.domain.presets_data import Persona, PresetData, VisualAttributes
from avatar_core.domain.selection import ENDPOINT_HANDLERS as HANDLERS
from avatar_core.domain.selection import TIERS, ModelSpec
from avatar_core.infra.db import Database
from avatar_core.infra.models import APP_ID, AIModel, Preset
from avatar_core.services.catalog_seed import capabilities_of, seed_catalog

__all__ = [
    "DEV_LICENSE",
    "LIKENESS_KEY",
    "REALISM_LORA",
    "SCHNELL_KEY",
    "SCHNELL_LICENSE",
    "SEED_CAPABILITIES",
    "SEED_MODELS",
    "Catalog",
    "find_preset",
    "list_models",
    "list_presets",
    "model_problems",
    "seed_catalog",
    "spec",
]

# Columns an admin may change; a re-seed keeps them unless the catalog is reset.
ADMIN_COLUMNS = ("enabled", "credit_cost")


def spec(row: AIModel | Row[Any]) -> ModelSpec:
    """The selection view of a catalog row (an ORM object, or a Core row of its table)."""
    return ModelSpec(
        model_key=row.model_key,
        name=row.name,
        tier=row.tier,
        credit_cost=row.credit_cost,
        model_id=row.model_id,
        lora_model=row.lora_model,
        lora_scale=row.lora_scale,
        width=row.width,
        height=row.height,
        steps=row.steps,
        guidance_scale=row.guidance_scale,
        enabled=row.enabled,
        expected_seconds=row.expected_seconds,
        endpoint_url=row.endpoint_url,
        endpoint_handler=row.endpoint_handler,
        license=row.license,
        realism=bool((row.capabilities or {}).get("realism")),
        likeness=bool((row.capabilities or {}).get("likeness")),
        cost_usd=row.cost_usd or 0.0,
        fallback_key=row.fallback_key,
    )


def list_models(session: Session) -> list[ModelSpec]:
    """Every catalog model of this app, in catalog order."""
    table = AIModel.__table__  # Core rows, not ORM objects: read on every generation and quote
    rows = session.execute(
        select(table).where(table.c.app_id == APP_ID).order_by(table.c.sort_order, table.c.id)
    )
    return [spec(r) for r in rows]


def get_model_row(session: Session, model_key: str) -> AIModel:
    """The catalog row for `model_key`, or NotFound."""
    row = session.scalars(select(AIModel).where(AIModel.model_key == model_key)).one_or_none()
    if row is None:
        raise NotFound(f"No model with key {model_key!r}.")
    return row


def set_enabled(session: Session, model_key: str, enabled: bool) -> ModelSpec:
    """Enable or disable one model."""
    row = get_model_row(session, model_key)
    row.enabled = enabled
    return spec(row)


def set_cost(session: Session, model_key: str, credits: int) -> ModelSpec:
    """Set one model's price in credits (0–10,000)."""
    if not 0 <= credits <= 10_000:
        raise ValidationError("A price must be between 0 and 10000 credits.")
    row = get_model_row(session, model_key)
    row.credit_cost = credits
    return spec(row)


def set_endpoint(session: Session, model_key: str, url: str | None, handler: str | None) -> ModelSpec:
    """Serve one row from a dedicated endpoint (`url`), or from the provider again (None)."""
    row = get_model_row(session, model_key)
    if url is not None:
        url = url.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
            raise ValidationError("An endpoint URL must be an http(s) URL of at most 500 characters.")
        if (handler or "default") not in HANDLERS:
            raise ValidationError(f"The endpoint handler must be one of {', '.join(HANDLERS)}.")
    row.endpoint_url = url
    row.endpoint_handler = (handler or "default") if url else None
    return spec(row)


def new_model_row(model: ModelSpec) -> AIModel:
    """A catalog row for an admin-added model, after checking its fields."""
    problems = model_problems(model)
    if not re.fullmatch(r"[a-z0-9][a-z0-9:._-]{2,95}", model.model_key):
        problems.insert(0, "a key of 3-96 lowercase letters, digits and : . _ -")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", model.model_id) or (
        model.lora_model and not re.fullmatch(r"[\w.-]+/[\w.-]+", model.lora_model)
    ):
        problems.append("model and LoRA as Hub repo ids (owner/name)")
    if model.tier not in TIERS:
        problems.append(f"a tier among {', '.join(TIERS)}")
    if problems:
        raise ValidationError("Cannot add the model: " + "; ".join(problems) + ".")
    row: dict[str, Any] = dict(
        model_key=model.model_key,
        name=model.name,
        tier=model.tier,
        credit_cost=model.credit_cost,
        model_id=model.model_id,
        lora_model=model.lora_model,
        lora_scale=model.lora_scale,
        width=model.width,
        height=model.height,
        steps=model.steps,
        guidance_scale=model.guidance_scale,
        cost_usd=model.cost_usd,
        fallback_key=model.fallback_key,
    )
    capabilities = {**capabilities_of(row), "realism": model.realism}
    return AIModel(
        **row,
        app_id=APP_ID,
        capabilities=capabilities,
        enabled=True,
        processing_time="",
        expected_seconds=model.expected_seconds,
        license=model.license,
        sort_order=100,
    )


def model_problems(model: ModelSpec) -> list[str]:
    """What is wrong with one catalog row's configuration (empty when fine)."""
    problems = []
    if model.lora_model and model.lora_scale is None:
        problems.append("LoRA without a scale")
    if model.lora_scale is not None and not -1 <= model.lora_scale <= 3:
        problems.append(f"LoRA scale {model.lora_scale} outside -1..3")
    if not (256 <= model.width <= 2048 and 256 <= model.height <= 2048):
        problems.append(f"size {model.width}x{model.height} outside 256..2048")
    if not 1 <= model.steps <= 100:
        problems.append(f"steps {model.steps} outside 1..100")
    if not 0 <= model.guidance_scale <= 20:
        problems.append(f"guidance {model.guidance_scale} outside 0..20")
    if not 0 <= model.credit_cost <= 10_000:
        problems.append("a price outside 0..10000 credits")
    return problems


def list_presets(session: Session) -> list[PresetData]:
    """All presets in catalog order."""
    return [preset_of(p) for p in session.scalars(select(Preset).order_by(Preset.sort_order, Preset.id))]


def find_preset(session: Session, key_or_name: str) -> PresetData:
    """A preset by key or (case-insensitive) name, or NotFound."""
    wanted = key_or_name.strip().lower()
    found = session.scalars(
        select(Preset).where(or_(Preset.key == wanted, func.lower(Preset.name) == wanted)).limit(1)
    ).first()
    if found is not None:
        return preset_of(found)
    raise NotFound(f"No preset called {key_or_name!r}.")


def preset_of(row: Preset) -> PresetData:
    """The preset a row stores, in the one shape services and the UI use."""
    p = row.persona
    return PresetData(
        key=row.key,
        name=row.name,
        category=row.category,
        description=row.description,
        prompt=row.prompt,
        persona=Persona(p["name"], int(p["age"]), tuple(p["personality"]), p["background"]),
        attributes=VisualAttributes(**row.attributes),
    )


class Catalog:
    """Catalog use cases over the database; each call is one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def seed(self, reset: bool = False) -> int:
        """Seed models and presets (idempotent); returns the number of rows changed."""
        with self.db.transaction() as session:
            return seed_catalog(session, reset=reset)

    def models(self) -> list[ModelSpec]:
        """Every model, enabled or not, in catalog order."""
        with self.db.read() as session:
            return list_models(session)

    def set_enabled(self, model_key: str, enabled: bool) -> ModelSpec:
        """Enable or disable one model."""
        with self.db.transaction() as session:
            return set_enabled(session, model_key, enabled)

    def set_cost(self, model_key: str, credits: int) -> ModelSpec:
        """Change one model's price."""
        with self.db.transaction() as session:
            return set_cost(session, model_key, credits)

    def update(self, model_key: str, enabled: bool, credits: int) -> ModelSpec:
        """Set a model's enabled flag and price in one transaction (both or neither)."""
        with self.db.transaction() as session:
            set_cost(session, model_key, credits)
            return set_enabled(session, model_key, enabled)

    def set_usd_cost(self, model_key: str, usd: float) -> ModelSpec:
        """Set what the provider charges per image of this model (for usage and cost reports)."""
        if not 0 <= usd <= 100 or usd != usd:
            raise ValidationError("A provider cost is between 0 and 100 USD per image.")
        with self.db.transaction() as session:
            row = get_model_row(session, model_key)
            row.cost_usd = round(usd, 6)
            return spec(row)

    def set_endpoint(self, model_key: str, url: str | None, handler: str | None = None) -> ModelSpec:
        """Point one row at a dedicated endpoint (or back at the provider with url=None)."""
        with self.db.transaction() as session:
            return set_endpoint(session, model_key, url, handler)

    def add(self, model: ModelSpec) -> ModelSpec:
        """Add a model row (checked); ValidationError if the key exists or a field is wrong."""
        with self.db.transaction() as session:
            if session.scalar(select(AIModel.id).where(AIModel.model_key == model.model_key)):
                raise ValidationError(f"A model with key {model.model_key!r} already exists.")
            row = new_model_row(model)
            session.add(row)
            session.flush()
            return spec(row)

    def presets(self) -> list[PresetData]:
        """All presets, in catalog order."""
        with self.db.read() as session:
            return list_presets(session)

    def preset(self, key_or_name: str) -> PresetData:
        """One preset by key or name."""
        with self.db.read() as session:
            return find_preset(session, key_or_name)
