"""What the prompt builder leaves out of a preset because the user's words name the same thing
(#23 item 6): `replaced` says it in the preset's own words, and only what `build_prompt` drops."""

from __future__ import annotations

import pytest

from avatar_core.domain.presets_data import PRESETS, PresetData
from avatar_core.domain.prompts import Replaced, build_prompt, replaced
from avatar_core.domain.words import tokens

BY_KEY = {p.key: p for p in PRESETS}
MODEST = BY_KEY["modest-fashion"]
TEXTS = (
    "long curly red hair",
    "a bald man",
    "blue eyes",
    "green sweater and jeans",
    "garden background",
    "a blue hijab",
    "short blonde hair in a ponytail, grey eyes, leather jacket, beach backdrop",
)


def test_curly_red_hair_replaces_the_hijab_preset_s_hijab() -> None:
    assert replaced("long curly red hair", MODEST) == (Replaced("hijab", "hair"),)
    built = build_prompt("long curly red hair", preset=MODEST).prompt
    assert "hijab" not in built  # what it says is what the builder did


def test_each_family_is_named_in_the_preset_s_words() -> None:
    found = replaced("blue eyes, green sweater, garden background", MODEST)
    assert found == (
        Replaced("brown", "eyes"),
        Replaced("dusty rose abaya", "clothing"),
        Replaced("elegant boutique background", "setting"),
    )
    evening = BY_KEY["elegant-evening"]
    assert replaced("red hair in a bun", evening) == (Replaced("auburn wavy", "hair"),)


@pytest.mark.parametrize("text", ["", "smiling, soft light", "a blue hijab", "brown eyes"])
def test_nothing_is_replaced_when_the_words_name_nothing_new(text: str) -> None:
    """No family named, or the user's words say the preset's own (their hijab, the same eyes)."""
    assert replaced(text, MODEST) == ()


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_what_is_replaced_was_the_preset_s_and_is_gone_or_the_users(preset: PresetData) -> None:
    """For every preset: each word reported was in the preset's prompt, and what the builder sends
    no longer has it unless the user's words (or another of the preset's phrases) still say it."""
    alone = set(tokens(build_prompt("", preset=preset).prompt))
    for text in TEXTS:
        for item in replaced(text, preset):
            words = set(tokens(item.words)) - {";", ","}
            assert words <= alone, (preset.key, text, item)
            assert not words <= set(tokens(text)), (preset.key, text, item)
            assert item.what in {"hair", "eyes", "clothing", "setting"}


def test_the_builder_is_unchanged_by_the_report() -> None:
    """`replaced` only reads: the prompt built is the same before and after asking."""
    before = build_prompt("long curly red hair", preset=MODEST)
    replaced("long curly red hair", MODEST)
    assert build_prompt("long curly red hair", preset=MODEST) == before
