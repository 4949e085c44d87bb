"""Seeding the catalog: the seed models and presets inserted, or brought up to date, idempotently."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_core.domain.models_data import SEED_CAPABILITIES, SEED_MODELS
from avatar_core.domain.presets_data import PRESETS, PresetData
from avatar_core.infra.models import APP_ID, AIModel, Preset


def capabilities_of(row: dict[str, Any]) -> dict[str, Any]:
    """The capabilities JSON of a catalog row's columns."""
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
        caps = {**capabilities_of(row), **SEED_CAPABILITIES.get(row["model_key"], {})}
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
