"""The seeded catalog on SQLite and PostgreSQL: models, presets, idempotent seeding, admin edits."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import select

from avatar_core.bootstrap import App
from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.domain.presets_data import PRESETS
from avatar_core.infra.models import AIModel, Preset
from avatar_core.services.catalog import ADMIN_COLUMNS

LORA = "XLabs-AI/flux-RealismLora"
DEV = "black-forest-labs/FLUX.1-dev"
SCHNELL = "black-forest-labs/FLUX.1-schnell"

# DESIGN.md §1, row by row: key, name, tier, credits, model, LoRA, scale, size, steps, guidance.
EXPECTED = [
    ("avatar-creator:flux-dev-base", "FLUX.1-dev Base", "free", 8, DEV, None, None, 512, 28, 3.5),
    (
        "avatar-creator:flux-dev-realism",
        "FLUX.1-dev + Realism LoRA",
        "basic",
        12,
        DEV,
        LORA,
        0.9,
        768,
        30,
        3.5,
    ),
    (
        "avatar-creator:flux-dev-hd-realism",
        "FLUX.1-dev HD + Realism LoRA",
        "pro",
        15,
        DEV,
        LORA,
        0.9,
        1024,
        35,
        3.5,
    ),
    ("avatar-creator:flux-schnell-fast", "FLUX.1-schnell Fast", "basic", 6, SCHNELL, None, None, 512, 4, 0.0),
    # issue #14: avatars from the user's own photo (image-to-image), sold only in that mode
    (
        "avatar-creator:flux-kontext-likeness",
        "FLUX.1 Kontext Likeness",
        "basic",
        14,
        "black-forest-labs/FLUX.1-Kontext-dev",
        None,
        None,
        1024,
        28,
        2.5,
    ),
]

PRESET_NAMES = {
    "Professional Business Woman",
    "Professional Hijabi Woman",
    "Healthcare Professional",
    "Casual Retiree",
    "Yoga Instructor",
    "Street Fashion",
    "Modest Fashion",
    "Traditional Japanese",
}
PERSONA_KEYS = {"name", "age", "personality", "background"}
ATTRIBUTE_KEYS = {
    "gender",
    "age_range",
    "ethnicity",
    "body_type",
    "hair_style",
    "hair_color",
    "eye_color",
    "skin_tone",
    "style",
}


def snapshot(app: App) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every column of every model and preset row."""
    with app.db.read() as s:
        models = [
            {c.key: getattr(m, c.key) for c in AIModel.__table__.columns}
            for m in s.scalars(select(AIModel).order_by(AIModel.id))
        ]
        presets = [
            {c.key: getattr(p, c.key) for c in Preset.__table__.columns}
            for p in s.scalars(select(Preset).order_by(Preset.id))
        ]
    return models, presets


def test_the_design_four_models_and_the_likeness_row(app: App) -> None:
    models = app.catalog.models()
    actual = [
        (
            m.model_key,
            m.name,
            m.tier,
            m.credit_cost,
            m.model_id,
            m.lora_model,
            m.lora_scale,
            m.width,
            m.steps,
            m.guidance_scale,
        )
        for m in models
    ]
    assert actual == EXPECTED
    for m in models:
        assert m.width == m.height
        assert m.enabled
    assert [type(m.lora_scale) for m in models if m.lora_model] == [float, float]
    assert [m.likeness for m in models] == [False, False, False, False, True]


def test_model_rows_have_app_id_and_capabilities(app: App) -> None:
    with app.db.read() as s:
        rows = list(s.scalars(select(AIModel).order_by(AIModel.sort_order)))
    assert {r.app_id for r in rows} == {"avatar-creator"}
    realism = rows[1]
    assert realism.capabilities["use_lora"] is True
    assert realism.capabilities["lora_scale"] == 0.9
    assert realism.capabilities["resolution"] == "768x768"
    assert rows[0].capabilities["use_lora"] is False
    assert all(r.expected_seconds > 0 and r.processing_time for r in rows)
    assert rows[0].expected_seconds > rows[3].expected_seconds  # schnell is the fast one


def test_nineteen_presets_in_five_categories(app: App) -> None:
    presets = app.catalog.presets()
    assert len(presets) == 19
    assert Counter(p.category for p in presets) == {
        "professional": 5,
        "casual": 5,
        "sports": 3,
        "fashion": 3,
        "traditional": 3,
    }
    assert [p.category for p in presets] == sorted(
        (p.category for p in presets),
        key=["professional", "casual", "sports", "fashion", "traditional"].index,
    )
    names = {p.name for p in presets}
    assert names >= PRESET_NAMES
    assert len({p.key for p in presets}) == 19
    for p in presets:
        assert p.prompt.strip() and p.description.strip()
        assert set(asdict(p.persona)) == PERSONA_KEYS
        assert isinstance(p.persona.age, int) and p.persona.personality
        assert set(p.attributes.as_dict()) == ATTRIBUTE_KEYS
        assert all(v.strip() for v in p.attributes.as_dict().values())
        assert p == next(d for d in PRESETS if d.key == p.key)  # the seed data, unchanged


def test_preset_lookup_by_key_or_name(app: App) -> None:
    by_name = app.catalog.preset("yoga instructor")
    assert by_name.name == "Yoga Instructor"
    assert app.catalog.preset(by_name.key) == by_name
    with pytest.raises(NotFound):
        app.catalog.preset("Astronaut")


def test_seeding_twice_changes_nothing(app: App) -> None:
    before = snapshot(app)
    assert app.catalog.seed() == 0
    assert app.catalog.seed() == 0
    assert snapshot(app) == before


def test_admin_changes_survive_a_reseed(app: App) -> None:
    assert ADMIN_COLUMNS == ("enabled", "credit_cost")
    app.catalog.set_enabled("avatar-creator:flux-schnell-fast", False)
    app.catalog.set_cost("avatar-creator:flux-dev-base", 3)
    changed = snapshot(app)
    assert app.catalog.seed() == 0
    assert snapshot(app) == changed
    by_key = {m.model_key: m for m in app.catalog.models()}
    assert by_key["avatar-creator:flux-schnell-fast"].enabled is False
    assert by_key["avatar-creator:flux-dev-base"].credit_cost == 3


def test_reset_restores_the_seed(app: App) -> None:
    original = snapshot(app)
    app.catalog.set_enabled("avatar-creator:flux-schnell-fast", False)
    app.catalog.set_cost("avatar-creator:flux-dev-base", 3)
    app.catalog.set_cost("avatar-creator:flux-dev-hd-realism", 99)
    assert app.catalog.seed(reset=True) == 3
    assert snapshot(app) == original
    assert app.catalog.seed(reset=True) == 0


def test_reseed_repairs_a_changed_seed_field(app: App) -> None:
    with app.db.transaction() as s:
        row = s.scalars(select(AIModel).where(AIModel.model_key == "avatar-creator:flux-dev-realism")).one()
        row.lora_scale = 1.0
        row.steps = 50
    assert app.catalog.seed() == 1
    realism = app.catalog.models()[1]
    assert (realism.lora_scale, realism.steps) == (0.9, 30)


def test_seed_fills_an_empty_catalog(app: App) -> None:
    with app.db.transaction() as s:
        for row in s.scalars(select(AIModel)):
            s.delete(row)
        for preset in s.scalars(select(Preset)):
            s.delete(preset)
    assert app.catalog.models() == []
    assert app.catalog.seed() == 5 + 19
    assert len(app.catalog.models()) == 5


def test_enable_disable(app: App) -> None:
    spec = app.catalog.set_enabled("avatar-creator:flux-dev-hd-realism", False)
    assert spec.enabled is False
    assert [m.enabled for m in app.catalog.models()] == [True, True, False, True, True]
    assert app.catalog.set_enabled("avatar-creator:flux-dev-hd-realism", True).enabled


def test_set_cost_within_bounds(app: App) -> None:
    for price in (0, 1, 10_000):
        assert app.catalog.set_cost("avatar-creator:flux-dev-base", price).credit_cost == price
        assert app.catalog.models()[0].credit_cost == price


def test_set_cost_out_of_bounds_changes_nothing(app: App) -> None:
    for price in (-1, 10_001, 10**9):
        with pytest.raises(ValidationError, match="between 0 and 10000"):
            app.catalog.set_cost("avatar-creator:flux-dev-base", price)
    assert app.catalog.models()[0].credit_cost == 8


def test_unknown_model_key_is_not_found(app: App) -> None:
    with pytest.raises(NotFound, match="nope"):
        app.catalog.set_cost("avatar-creator:nope", 5)
    with pytest.raises(NotFound):
        app.catalog.set_enabled("avatar-creator:nope", False)
    with pytest.raises(NotFound):
        app.catalog.set_enabled("AVATAR-CREATOR:FLUX-DEV-BASE", False)
