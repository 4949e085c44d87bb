"""Tests for the character preset data."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import FrozenInstanceError, fields

import pytest

from avatar_core.domain.presets_data import CATEGORIES, PRESETS, PresetData

REQUIRED_NAMES = {
    "Professional Business Woman",
    "Professional Hijabi Woman",
    "Healthcare Professional",
    "Casual Retiree",
    "Yoga Instructor",
    "Street Fashion",
    "Modest Fashion",
    "Traditional Japanese",
}
HAIR_STYLES = {
    "short",
    "long",
    "curly",
    "wavy",
    "straight",
    "bald",
    "bun",
    "ponytail",
    "braids",
    "afro",
    "buzz",
    "bob",
    "hijab",
}
HAIR_COLORS = {"black", "brown", "dark brown", "blonde", "red", "auburn", "grey", "silver", "white"}
EYE_COLORS = {"brown", "dark brown", "blue", "green", "hazel", "grey", "amber"}
SKIN_TONES = {"fair", "light", "medium", "olive", "tan", "brown", "dark"}


def _ids(preset: PresetData) -> str:
    """Name a parametrized case after its preset key."""
    return preset.key


def test_there_are_19_presets() -> None:
    assert len(PRESETS) == 19


def test_category_counts() -> None:
    assert CATEGORIES == ("professional", "casual", "sports", "fashion", "traditional")
    counts = Counter(p.category for p in PRESETS)
    assert counts == {"professional": 5, "casual": 5, "sports": 3, "fashion": 3, "traditional": 3}


def test_required_names_present() -> None:
    assert {p.name for p in PRESETS} >= REQUIRED_NAMES


def test_keys_are_unique_slugs() -> None:
    keys = [p.key for p in PRESETS]
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key


def test_names_unique() -> None:
    names = [p.name for p in PRESETS]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("preset", PRESETS, ids=_ids)
def test_every_field_non_empty(preset: PresetData) -> None:
    for text in (preset.key, preset.name, preset.category, preset.description, preset.prompt):
        assert text.strip()
    assert preset.persona.name.strip()
    assert preset.persona.background.strip()
    assert len(preset.persona.personality) == 3
    assert all(trait.strip() for trait in preset.persona.personality)
    values = preset.attributes.as_dict()
    assert set(values) == {f.name for f in fields(preset.attributes)}
    for name, value in values.items():
        assert isinstance(value, str) and value.strip(), name


@pytest.mark.parametrize("preset", PRESETS, ids=_ids)
def test_attributes_use_parseable_words(preset: PresetData) -> None:
    attrs = preset.attributes
    assert attrs.gender in {"female", "male"}
    assert re.fullmatch(r"\d+-\d+", attrs.age_range)
    assert attrs.hair_style in HAIR_STYLES
    assert attrs.hair_color in HAIR_COLORS
    assert attrs.eye_color in EYE_COLORS
    assert attrs.skin_tone in SKIN_TONES


@pytest.mark.parametrize("preset", PRESETS, ids=_ids)
def test_persona_age_inside_age_range(preset: PresetData) -> None:
    low, high = (int(n) for n in preset.attributes.age_range.split("-"))
    assert low <= high
    assert low <= preset.persona.age <= high


@pytest.mark.parametrize("preset", PRESETS, ids=_ids)
def test_description_is_one_short_line(preset: PresetData) -> None:
    assert "\n" not in preset.description
    assert len(preset.description) <= 80


def test_hijab_presets_use_hijab_hair_style() -> None:
    by_name = {p.name: p for p in PRESETS}
    for name in ("Professional Hijabi Woman", "Modest Fashion"):
        assert by_name[name].attributes.hair_style == "hijab"


def test_category_of_every_preset_is_known() -> None:
    assert {p.category for p in PRESETS} == set(CATEGORIES)


def test_diverse_genders_and_skin_tones() -> None:
    assert {p.attributes.gender for p in PRESETS} == {"female", "male"}
    assert len({p.attributes.skin_tone for p in PRESETS}) >= 5


def test_presets_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        PRESETS[0].name = "changed"  # type: ignore[misc]
