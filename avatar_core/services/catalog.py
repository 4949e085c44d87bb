"""The model catalog and presets: seed data, seeding, and admin changes."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.domain.presets_data import PRESETS, Persona, PresetData, VisualAttributes
from avatar_core.domain.selection import ENDPOINT_HANDLERS as HANDLERS
from avatar_core.domain.selection import TIERS, ModelSpec
from avatar_core.infra.db import Database
from avatar_core.infra.models import APP_ID, AIModel, Preset

REALISM_LORA = "XLabs-AI/flux-RealismLora"
DEV_LICENSE = "FLUX.1-dev non-commercial"  # FLUX.1-dev and XLabs-AI/flux-RealismLora
SCHNELL_LICENSE = "Apache-2.0"
LIKENESS_KEY = "avatar-creator:flux-kontext-likeness"

# The four models of DESIGN.md §1, exactly, and the likeness row of issue #14.
SEED_MODELS: tuple[dict[str, Any], ...] = (
    dict(
        model_key="avatar-creator:flux-dev-base",
        name="FLUX.1-dev Base",
        tier="free",
        credit_cost=8,
        model_id="black-forest-labs/FLUX.1-dev",
        lora_model=None,
        lora_scale=None,
        width=512,
        height=512,
        steps=28,
        guidance_scale=3.5,
        processing_time="30-45s",
        expected_seconds=35,
        license=DEV_LICENSE,
        cost_usd=0.05,
    ),
    dict(
        model_key="avatar-creator:flux-dev-realism",
        name="FLUX.1-dev + Realism LoRA",
        tier="basic",
        credit_cost=12,
        model_id="black-forest-labs/FLUX.1-dev",
        lora_model=REALISM_LORA,
        lora_scale=0.9,
        width=768,
        height=768,
        steps=30,
        guidance_scale=3.5,
        processing_time="45-60s",
        expected_seconds=50,
        license=DEV_LICENSE,
        cost_usd=0.05,
    ),
    dict(
        model_key="avatar-creator:flux-dev-hd-realism",
        name="FLUX.1-dev HD + Realism LoRA",
        tier="pro",
        credit_cost=15,
        model_id="black-forest-labs/FLUX.1-dev",
        lora_model=REALISM_LORA,
        lora_scale=0.9,
        width=1024,
        height=1024,
        steps=35,
        guidance_scale=3.5,
        processing_time="60-90s",
        expected_seconds=75,
        license=DEV_LICENSE,
        cost_usd=0.05,
    ),
    dict(
        model_key="avatar-creator:flux-schnell-fast",
        name="FLUX.1-schnell Fast",
        tier="basic",
        credit_cost=6,
        model_id="black-forest-labs/FLUX.1-schnell",
        lora_model=None,
        lora_scale=None,
        width=512,
        height=512,
        steps=4,
        guidance_scale=0.0,
        processing_time="5-15s",
        expected_seconds=10,
        license=SCHNELL_LICENSE,
        cost_usd=0.01,
    ),
    # Likeness (issue #14): an avatar from the user's own photo with FLUX.1 Kontext [dev].
    dict(
        model_key=LIKENESS_KEY,
        name="FLUX.1 Kontext Likeness",
        tier="basic",
        credit_cost=14,
        model_id="black-forest-labs/FLUX.1-Kontext-dev",
        lora_model=None,
        lora_scale=None,
        width=1024,
        height=1024,
        steps=28,
        guidance_scale=2.5,
        processing_time="20-40s",
        expected_seconds=30,
        license=DEV_LICENSE,
        cost_usd=0.05,
    ),
)
SEED_CAPABILITIES: dict[str, dict[str, Any]] = {LIKENESS_KEY: {"likeness": True}}

# Columns an admin may change; a re-seed keeps them unless the catalog is reset.
ADMIN_COLUMNS = ("enabled", "credit_cost")


def _capabilities(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "use_lora": row["lora_model"] is not None,
        "resolution": f"{row['width']}x{row['height']}",
        "steps": row["steps"],
        "guidance_scale": row["guidance_scale"],
        "lora_model": row["lora_model"],
        "lora_scale": row["lora_scale"],
    }


def seed_catalog(session: Session, reset: bool = False) -> int:
    """Insert or update the seed models and presets; returns how many rows changed."""
    changed = 0
    existing = {m.model_key: m for m in session.scalars(select(AIModel))}
    for order, row in enumerate(SEED_MODELS):
        caps = {**_capabilities(row), **SEED_CAPABILITIES.get(row["model_key"], {})}
        values = {**row, "app_id": APP_ID, "capabilities": caps, "sort_order": order}
        model = existing.get(row["model_key"])
        if model is None:
            session.add(AIModel(**values, enabled=True))
            changed += 1
            continue
        if reset:
            values["enabled"] = True
        else:
            values.pop("credit_cost")
            values.pop("cost_usd")
        changed += _update(model, values)
    existing_presets = {p.key: p for p in session.scalars(select(Preset))}
    for order, preset in enumerate(PRESETS):
        values = _preset_values(preset, order)
        found = existing_presets.get(preset.key)
        if found is None:
            session.add(Preset(**values))
            changed += 1
        else:
            changed += _update(found, values)
    session.flush()
    return changed


def _preset_values(preset: PresetData, order: int) -> dict[str, Any]:
    persona = asdict(preset.persona)
    persona["personality"] = list(preset.persona.personality)
    return dict(
        key=preset.key,
        name=preset.name,
        category=preset.category,
        description=preset.description,
        prompt=preset.prompt,
        persona=persona,
        attributes=preset.attributes.as_dict(),
        sort_order=order,
    )


def _update(row: object, values: dict[str, Any]) -> int:
    """Set changed attributes on `row`; 1 if anything changed, else 0."""
    dirty = 0
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            dirty = 1
    return dirty


def spec(row: AIModel) -> ModelSpec:
    """The selection view of a catalog row."""
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
    )


def list_models(session: Session) -> list[ModelSpec]:
    """Every catalog model of this app, in catalog order."""
    rows = session.scalars(
        select(AIModel).where(AIModel.app_id == APP_ID).order_by(AIModel.sort_order, AIModel.id)
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
    row = dict(
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
    )
    capabilities = {**_capabilities(row), "realism": model.realism}
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


def list_presets(session: Session) -> list[Preset]:
    """All presets in catalog order."""
    return list(session.scalars(select(Preset).order_by(Preset.sort_order, Preset.id)))


def find_preset(session: Session, key_or_name: str) -> Preset:
    """A preset by key or (case-insensitive) name, or NotFound."""
    wanted = key_or_name.strip().lower()
    found = session.scalars(
        select(Preset).where(or_(Preset.key == wanted, func.lower(Preset.name) == wanted)).limit(1)
    ).first()
    if found is not None:
        return found
    raise NotFound(f"No preset called {key_or_name!r}.")


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

    def presets(self) -> list[PresetView]:
        """All presets, detached from the session."""
        with self.db.read() as session:
            return [PresetView.of(p) for p in list_presets(session)]

    def preset(self, key_or_name: str) -> PresetView:
        """One preset by key or name."""
        with self.db.read() as session:
            return PresetView.of(find_preset(session, key_or_name))


@dataclass(frozen=True)
class PresetView:
    """A preset as services and the UI use it."""

    key: str
    name: str
    category: str
    description: str
    prompt: str
    persona: dict[str, Any]
    attributes: dict[str, str]

    @classmethod
    def of(cls, row: Preset) -> PresetView:
        """Copy a preset row."""
        return cls(
            row.key,
            row.name,
            row.category,
            row.description,
            row.prompt,
            dict(row.persona),
            dict(row.attributes),
        )

    def as_data(self) -> PresetData:
        """The preset in the prompt builder's terms."""
        p = self.persona
        return PresetData(
            key=self.key,
            name=self.name,
            category=self.category,
            description=self.description,
            prompt=self.prompt,
            persona=Persona(p["name"], int(p["age"]), tuple(p["personality"]), p["background"]),
            attributes=VisualAttributes(**self.attributes),
        )
