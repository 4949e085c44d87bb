"""The offline painter draws what the words ask for, and the user's words beat a preset's."""

from __future__ import annotations

import dataclasses
import io
import time

import pytest
from PIL import Image, ImageChops, ImageStat

from avatar_core.config import PRESET_THUMBNAILS
from avatar_core.domain.presets_data import PRESETS
from avatar_core.domain.prompts import build_prompt
from avatar_core.engines.base import RenderRequest
from avatar_core.engines.offline.draw import draw_portrait, head_to_pixel, placement
from avatar_core.engines.offline.engine import LocalEngine
from avatar_core.engines.offline.paint import geometry
from avatar_core.engines.offline.portrait import (
    CLOTH_COLORS,
    CLOTHING,
    HAIR_COLORS,
    PortraitFeatures,
    portrait_features,
)
from avatar_core.services.thumbnails import SEED, SIZE

BY_KEY = {p.key: p for p in PRESETS}
ASSETS = PRESET_THUMBNAILS
Box = tuple[float, float, float, float]


def with_preset(text: str, key: str | None, seed: int = 7, size: int = 320) -> Image.Image:
    """What the engine renders for `text` with preset `key`, as the app builds the request."""
    preset = BY_KEY[key] if key else None
    req = RenderRequest(
        build_prompt(text, preset=preset).prompt,
        size,
        size,
        28,
        3.5,
        seed,
        "black-forest-labs/FLUX.1-dev",
        attributes=preset.attributes.as_dict() if preset else {},
    )
    return LocalEngine().render(req, deadline=time.monotonic() + 30).image


def features_for(text: str, key: str | None, seed: int = 7) -> PortraitFeatures:
    """The features the engine parses for `text` with preset `key`."""
    preset = BY_KEY[key] if key else None
    return portrait_features(
        build_prompt(text, preset=preset).prompt, preset.attributes.as_dict() if preset else {}, seed
    )


def mean(image: Image.Image, box: Box, body: bool = True) -> tuple[float, ...]:
    """Mean RGB of a box given in body units (or head units)."""
    ox, oy, s = placement(image.width, image.height)[2 if body else 1]
    x0, y0, x1, y1 = box
    crop = image.crop((int(ox + x0 * s), int(oy + y0 * s), int(ox + x1 * s), int(oy + y1 * s)))
    return tuple(ImageStat.Stat(crop).mean)


def near(color: tuple[float, ...], target: tuple[float, ...], tolerance: float = 24) -> bool:
    """Every channel within `tolerance`."""
    return all(abs(a - b) <= tolerance for a, b in zip(color, target, strict=True))


CHEST: Box = (0.26, 0.8, 0.36, 0.9)  # left of the front fastening, below any collar


# --------------------------------------------------------------------------- clothing colour


def test_a_yellow_raincoat_is_yellow_and_not_a_red_hoodie() -> None:
    coat, hoodie = (
        features_for("a woman in a yellow raincoat", None),
        features_for("a woman in a red hoodie", None),
    )
    assert (coat.clothing, coat.clothing_color) == ("raincoat", "yellow")
    assert (hoodie.clothing, hoodie.clothing_color) == ("hoodie", "red")
    yellow = mean(with_preset("a woman in a yellow raincoat", None), CHEST)
    red = mean(with_preset("a woman in a red hoodie", None), CHEST)
    assert yellow[0] > 180 and yellow[1] > 150 and yellow[2] < 110
    assert red[0] > 140 and red[1] < 90 and red[2] < 90


@pytest.mark.parametrize(
    ("words", "color"),
    [
        ("an emerald evening gown", "emerald"),
        ("a crimson silk sari", "crimson"),
        ("an indigo kimono", "indigo"),
        ("a dusty rose abaya", "dusty rose"),
        ("teal scrubs", "teal"),
        ("a navy blue suit", "navy blue"),
    ],
)
def test_the_named_colour_is_the_clothing_colour(words: str, color: str) -> None:
    assert features_for(f"a woman in {words}", None).clothing_color == color


def test_two_colours_and_a_matching_hijab() -> None:
    kente = features_for("a man in gold and green kente cloth", None)
    assert (kente.clothing, kente.clothing_color) == ("robe", "gold")
    assert kente.accent_rgb == CLOTH_COLORS["green"]
    modest = features_for("", "modest-fashion")
    assert modest.scarf_rgb == modest.clothing_rgb == CLOTH_COLORS["dusty rose"]
    assert features_for("a woman in a red dress and a black hijab", None).scarf_rgb == (CLOTH_COLORS["black"])


# --------------------------------------------------------------------------- clothing kinds


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        ("evening gown", "gown"),
        ("summer dress", "dress"),
        ("business suit", "suit"),
        ("blazer", "blazer"),
        ("abaya", "abaya"),
        ("kimono", "kimono"),
        ("hoodie", "hoodie"),
        ("raincoat", "raincoat"),
        ("scrubs", "scrubs"),
        ("sportswear", "sporty"),
        ("lab coat", "labcoat"),
        ("sari", "sari"),
        ("tank top", "tank"),
        ("cardigan", "cardigan"),
        ("knit sweater", "sweater"),
        ("denim shirt", "shirt"),
        ("t-shirt", "casual"),
        ("leather jacket", "jacket"),
    ],
)
def test_garment_words_choose_the_clothing_kind(words: str, kind: str) -> None:
    assert portrait_features(f"a person wearing a {words}", {}, 1).clothing == kind


def test_a_named_garment_beats_a_role_word() -> None:
    assert portrait_features("a doctor in a red hoodie", {}, 1).clothing == "hoodie"


def test_every_clothing_kind_is_drawn_differently() -> None:
    base = portrait_features("a woman", {"hair_style": "bun"}, 5)
    box = (0.12, 0.6, 0.88, 0.97)
    crops = {}
    for kind in CLOTHING:
        image = draw_portrait(dataclasses.replace(base, clothing=kind), 192, 192)
        ox, oy, s = placement(192, 192)[2]
        crops[kind] = image.crop(
            (int(ox + box[0] * s), int(oy + box[1] * s), int(ox + box[2] * s), int(oy + box[3] * s))
        )
    kinds = list(crops)
    for i, a in enumerate(kinds):
        for b in kinds[i + 1 :]:
            diff = ImageChops.difference(crops[a], crops[b]).convert("L")
            changed = diff.point(lambda v: 255 if v > 12 else 0).histogram()[255]
            assert changed > 30, (a, b)


def test_a_gown_bares_the_shoulders_and_a_hoodie_has_a_hood() -> None:
    gown = features_for("", "elegant-evening")
    assert (gown.clothing, gown.clothing_color, gown.setting) == ("gown", "emerald", "gala")
    hoodie = dataclasses.replace(gown, clothing="hoodie")
    g = geometry(gown)
    shoulder: Box = (g.cx + g.sw * 0.4, g.shoulder_y + 0.025, g.cx + g.sw * 0.46, g.shoulder_y + 0.04)
    beside_neck: Box = (g.cx + g.nw * 1.5, g.shoulder_y - 0.07, g.cx + g.nw * 1.9, g.shoulder_y - 0.05)
    bare, hooded = draw_portrait(gown, 400, 400), draw_portrait(hoodie, 400, 400)
    assert near(mean(bare, shoulder), gown.skin_rgb, 20)
    assert not near(mean(hooded, shoulder), gown.skin_rgb, 40)
    hood = mean(hooded, beside_neck)
    assert not near(mean(bare, beside_neck), hood, 40)
    assert sum(hood) < sum(gown.clothing_rgb) * 1.6


# --------------------------------------------------------------------------- hair


@pytest.mark.parametrize("raw", [False, True])
def test_short_silver_hair_beats_the_presets_auburn(raw: bool) -> None:
    preset = BY_KEY["elegant-evening"]
    assert preset.attributes.hair_color == "auburn"
    prompt = "short silver hair" if raw else build_prompt("short silver hair", preset=preset).prompt
    f = portrait_features(prompt, preset.attributes.as_dict(), 7)
    assert (f.hair_color, f.hair_style) == ("silver", "short")
    g = geometry(f)
    image = draw_portrait(f, 400, 400)
    top = mean(image, (g.cx - 0.03, g.cy - g.fh * 1.02, g.cx + 0.03, g.cy - g.fh * 0.92), body=False)
    assert near(top, HAIR_COLORS["silver"], 30)
    assert not near(top, HAIR_COLORS["auburn"], 60)


def test_a_hijab_covers_the_hair_even_over_a_hair_attribute() -> None:
    f = portrait_features("a woman in a black hijab", {"hair_color": "red", "hair_style": "long"}, 3)
    assert f.hair_style == "hijab"
    f = dataclasses.replace(f, tilt=0.0)  # the probes below are in upright head units
    g = geometry(f)
    image = draw_portrait(f, 400, 400)
    x, y = head_to_pixel(400, 400, g.cx, g.cy - g.fh)
    pixel = image.getpixel((x, y))
    assert isinstance(pixel, tuple) and near(pixel, CLOTH_COLORS["black"], 20)
    beside = mean(image, (g.cx - g.fw * 1.25, g.cy, g.cx - g.fw * 1.1, g.cy + 0.05), body=False)
    assert near(beside, CLOTH_COLORS["black"], 30)


def test_hair_words_undo_a_presets_hijab() -> None:
    f = features_for("long black hair", "modest-fashion")
    assert (f.hair_style, f.hair_color) == ("long", "black")


# --------------------------------------------------------------------------- preset thumbnails


EXPECTED = {
    "professional-business-woman": ("blazer", "navy"),
    "professional-business-man": ("suit", "charcoal"),
    "professional-hijabi-woman": ("blazer", "cream"),
    "healthcare-professional": ("scrubs", "teal"),
    "tech-professional": ("shirt", "grey"),
    "casual-retiree": ("cardigan", "green"),
    "casual-student": ("hoodie", "maroon"),
    "casual-weekend-dad": ("shirt", "red"),
    "casual-creative-artist": ("shirt", "denim"),
    "casual-young-professional": ("sweater", "beige"),
    "fitness-trainer": ("sporty", "black"),
    "yoga-instructor": ("sporty", "sage green"),
    "runner-athlete": ("sporty", "orange"),
    "street-fashion": ("jacket", "olive"),
    "modest-fashion": ("abaya", "dusty rose"),
    "elegant-evening": ("gown", "emerald"),
    "traditional-japanese": ("kimono", "indigo"),
    "traditional-indian": ("sari", "crimson"),
    "traditional-west-african": ("robe", "gold"),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_each_presets_thumbnail_shows_its_clothes(key: str) -> None:
    preset = BY_KEY[key]
    f = features_for("", key, SEED)
    assert (f.clothing, f.clothing_color) == EXPECTED[key]
    assert f.hair_color == preset.attributes.hair_color
    assert (f.hair_style == "hijab") == (preset.attributes.hair_style == "hijab")


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_the_committed_thumbnail_is_the_current_rendering(key: str) -> None:
    fresh = with_preset("", key, SEED, SIZE)
    stored = Image.open(io.BytesIO((ASSETS / f"{key}.webp").read_bytes())).convert("RGB")
    assert stored.size == fresh.size
    assert sum(ImageStat.Stat(ImageChops.difference(stored, fresh)).mean) / 3 < 4
