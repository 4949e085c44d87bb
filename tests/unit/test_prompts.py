"""Tests for the deterministic prompt builder."""

from __future__ import annotations

import pytest

from avatar_core.domain.presets_data import PRESETS, PresetData
from avatar_core.domain.prompts import (
    FRAMING_TERM,
    MAX_PROMPT_CHARS,
    NEGATIVE_PROMPT,
    REALISM_TERMS,
    BuiltPrompt,
    build_prompt,
)

BY_NAME = {p.name: p for p in PRESETS}
WOMAN = BY_NAME["Professional Business Woman"]
HIJABI = BY_NAME["Professional Hijabi Woman"]
RETIREE = BY_NAME["Casual Retiree"]


def _assert_clean(text: str) -> None:
    """Assert a prompt has no doubled separators or stray ends."""
    assert ", ," not in text
    assert ",," not in text
    assert "  " not in text
    assert text == text.strip(" ,")


def test_max_prompt_chars() -> None:
    assert MAX_PROMPT_CHARS == 1000


def test_user_text_alone() -> None:
    built = build_prompt("a smiling astronaut")
    assert isinstance(built, BuiltPrompt)
    assert built.prompt == f"a smiling astronaut, {FRAMING_TERM}"


def test_preset_alone() -> None:
    built = build_prompt("", preset=RETIREE)
    assert built.prompt.startswith(RETIREE.prompt)
    assert "Robert Hughes" in built.prompt
    _assert_clean(built.prompt)


def test_both_empty_raises() -> None:
    with pytest.raises(ValueError):
        build_prompt("")
    with pytest.raises(ValueError):
        build_prompt("   \n\t ")
    with pytest.raises(ValueError):
        build_prompt(" , ,  ")


def test_order_of_parts() -> None:
    built = build_prompt("holding a coffee mug", preset=RETIREE, realism=True)
    text = built.prompt
    positions = [
        text.index(RETIREE.prompt),
        text.index("portrait of Robert Hughes"),
        text.index("blue eyes"),
        text.index("holding a coffee mug"),
        text.index("photorealistic"),
        text.index(FRAMING_TERM),
    ]
    assert positions == sorted(positions)
    assert text.endswith(FRAMING_TERM)


def test_persona_and_attributes_appear() -> None:
    text = build_prompt("", preset=WOMAN).prompt
    persona = WOMAN.persona
    attrs = WOMAN.attributes
    assert f"portrait of {persona.name}" in text
    assert f"{persona.age} years old" in text
    assert "confident, decisive and approachable" in text
    for phrase in (
        attrs.gender,
        attrs.ethnicity,
        f"{attrs.body_type} build",
        f"{attrs.hair_color} {attrs.hair_style} hair",
        f"{attrs.eye_color} eyes",
        f"{attrs.skin_tone} skin",
        attrs.style,
    ):
        assert phrase in text, phrase


@pytest.mark.parametrize("name", ["Professional Hijabi Woman", "Modest Fashion"])
def test_hijab_phrase(name: str) -> None:
    text = build_prompt("", preset=BY_NAME[name]).prompt
    assert "wearing a hijab" in text
    assert "hijab hair" not in text


def test_realism_terms_only_with_realism() -> None:
    plain = build_prompt("a painter", preset=WOMAN).prompt
    real = build_prompt("a painter", preset=WOMAN, realism=True).prompt
    for term in REALISM_TERMS:
        assert term not in plain
        assert term in real


def test_whitespace_collapsed_and_no_double_separators() -> None:
    built = build_prompt("  a   red \n\t scarf ,,  , warm   smile  ,", preset=HIJABI, realism=True)
    assert "a red scarf, warm smile" in built.prompt
    _assert_clean(built.prompt)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
@pytest.mark.parametrize("realism", [False, True])
def test_every_preset_builds_cleanly(preset: PresetData, realism: bool) -> None:
    built = build_prompt("", preset=preset, realism=realism)
    _assert_clean(built.prompt)
    phrases = [p.lower() for p in built.prompt.split(", ")]
    assert len(phrases) == len(set(phrases))


def test_duplicate_phrases_removed_case_insensitively() -> None:
    text = build_prompt("Photorealistic, Sharp Focus, a calm face", realism=True).prompt
    lowered = text.lower()
    assert lowered.count("photorealistic") == 1
    assert lowered.count("sharp focus") == 1


def test_framing_not_repeated() -> None:
    text = build_prompt("head and shoulders portrait of a smiling chef").prompt
    assert text.lower().count("head and shoulders") == 1
    headshot = build_prompt("", preset=WOMAN).prompt
    assert FRAMING_TERM not in headshot
    assert "headshot" in headshot


def test_deterministic() -> None:
    first = build_prompt("a calm face", preset=HIJABI, realism=True)
    second = build_prompt("a calm face", preset=HIJABI, realism=True)
    assert first == second


def test_negative_prompt() -> None:
    plain = build_prompt("a chef").negative_prompt
    real = build_prompt("a chef", realism=True).negative_prompt
    assert plain == NEGATIVE_PROMPT
    assert plain.strip()
    assert real != plain
    assert real.startswith(plain)
    for term in ("painting", "illustration", "3d render", "cgi"):
        assert term in real
        assert term not in plain
    assert build_prompt("x", preset=WOMAN).negative_prompt == plain


# --------------------------------------------------------------------------- the user's words win

EVENING = BY_NAME["Elegant Evening"]
MODEST = BY_NAME["Modest Fashion"]


def test_user_hair_words_replace_the_presets_hair() -> None:
    text = build_prompt("short silver hair", preset=EVENING).prompt
    assert "short silver hair" in text
    assert "auburn" not in text
    assert "wavy" not in text
    colour_only = build_prompt("blonde hair", preset=EVENING).prompt
    assert "auburn" not in colour_only
    assert "wavy hair" in colour_only


def test_user_clothes_replace_the_presets_clothes_and_keep_the_rest() -> None:
    text = build_prompt("a woman in a yellow raincoat", preset=EVENING).prompt
    assert "yellow raincoat" in text
    assert "gown" not in text
    assert "emerald" not in text
    assert "elegant portrait of a sophisticated woman" in text
    assert "gala venue background" in text
    assert "auburn wavy hair" in text


def test_hair_words_drop_a_presets_hijab_and_a_hijab_drops_its_hair() -> None:
    text = build_prompt("long black hair", preset=MODEST).prompt
    assert "hijab" not in text
    assert "dusty rose abaya" in text
    covered = build_prompt("a navy hijab", preset=EVENING).prompt
    assert "navy hijab" in covered
    assert "auburn" not in covered


def test_user_eyes_and_setting_replace_the_presets() -> None:
    text = build_prompt("blue eyes, at the beach", preset=WOMAN).prompt
    assert "hazel" not in text
    assert "office background" not in text
    assert "navy blazer" in text


def test_words_in_no_family_leave_the_preset_whole() -> None:
    built = build_prompt("holding a coffee mug, warm smile", preset=EVENING).prompt
    assert built.startswith(EVENING.prompt)
    assert "auburn wavy hair" in built and "emerald evening gown" in built
