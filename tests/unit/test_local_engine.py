"""The offline engine: sizes, determinism, prompt parsing and what actually gets drawn."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

import pytest
from PIL import Image, ImageChops, ImageStat

from avatar_core.engines.base import EngineError, RenderRequest
from avatar_core.engines.offline.draw import draw_portrait, head_to_pixel
from avatar_core.engines.offline.engine import LocalEngine
from avatar_core.engines.offline.paint import geometry
from avatar_core.engines.offline.portrait import (
    CLOTH_COLORS,
    CLOTHING,
    HAIR_COLORS,
    SETTINGS,
    SKIN_TONES,
    STYLES,
    portrait_features,
)


def request(
    prompt: str = "portrait of a person",
    *,
    seed: int = 7,
    width: int = 384,
    height: int = 384,
    attributes: Mapping[str, str] | None = None,
) -> RenderRequest:
    """A render request with sensible defaults."""
    return RenderRequest(
        prompt=prompt,
        width=width,
        height=height,
        steps=28,
        guidance_scale=3.5,
        seed=seed,
        model_id="black-forest-labs/FLUX.1-dev",
        attributes=dict(attributes or {}),
    )


def render(req: RenderRequest) -> Image.Image:
    """The image the engine makes for `req`."""
    return LocalEngine().render(req, deadline=time.monotonic() + 30).image


def close(pixel: Sequence[int], color: Sequence[int], tolerance: int = 14) -> bool:
    """True when every channel of `pixel` is within `tolerance` of `color`."""
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], color[:3], strict=True))


# --------------------------------------------------------------------------- engine contract


def test_render_returns_an_rgb_image_of_the_requested_size_and_honest_metadata() -> None:
    result = LocalEngine().render(request(width=512, height=512), deadline=time.monotonic() + 30)
    assert result.image.size == (512, 512)
    assert result.image.mode == "RGB"
    assert result.engine == "local" == LocalEngine.name
    assert result.model_used == "black-forest-labs/FLUX.1-dev"
    assert result.lora_applied is False
    assert result.offline and result.provider == "offline" and result.notes == ()  # the flag, not a note


@pytest.mark.parametrize(("width", "height"), [(768, 384), (320, 640), (256, 256), (2048, 256)])
def test_non_square_and_extreme_sizes(width: int, height: int) -> None:
    image = render(request(width=width, height=height))
    assert image.size == (width, height)
    assert image.mode == "RGB"


def test_a_deadline_already_past_raises_a_timeout_engine_error() -> None:
    with pytest.raises(EngineError) as caught:
        LocalEngine().render(request(), deadline=time.monotonic() - 0.001)
    assert caught.value.kind == "timeout"
    assert "too long" in caught.value.user_message


# --------------------------------------------------------------------------- determinism


def test_same_inputs_give_byte_identical_images() -> None:
    attrs = {"gender": "female", "hair_style": "long wavy"}
    first = render(request("a smiling woman in a garden", seed=42, attributes=attrs))
    second = render(request("a smiling woman in a garden", seed=42, attributes=attrs))
    assert first.tobytes() == second.tobytes()


def test_different_seeds_give_visibly_different_images() -> None:
    images = [render(request("portrait", seed=seed, width=256, height=256)) for seed in range(6)]
    for i, a in enumerate(images):
        for b in images[i + 1 :]:
            mean_difference = sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3
            assert mean_difference > 2.0


def test_images_are_identical_across_processes_with_different_hash_seeds() -> None:
    code = (
        "import hashlib, time\n"
        "from avatar_core.engines.base import RenderRequest\n"
        "from avatar_core.engines.offline.engine import LocalEngine\n"
        "r = RenderRequest(prompt='man with a beard in a city', width=256, height=256, steps=1,"
        " guidance_scale=0.0, seed=3, model_id='m', attributes={'hair_color': 'red'})\n"
        "im = LocalEngine().render(r, deadline=time.monotonic() + 30).image\n"
        "print(hashlib.sha256(im.tobytes()).hexdigest())\n"
    )
    here = render(
        request("man with a beard in a city", seed=3, width=256, height=256, attributes={"hair_color": "red"})
    )
    expected = hashlib.sha256(here.tobytes()).hexdigest()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": os.pathsep.join(sys.path)}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
        )
        assert out.stdout.strip() == expected


# --------------------------------------------------------------------------- prompt parsing


def test_prompt_words_become_features() -> None:
    f = portrait_features("a woman with red curly hair and glasses in an office", {}, 1)
    assert (f.gender, f.hair_color, f.hair_texture, f.glasses, f.setting) == (
        "female",
        "red",
        "curly",
        "glasses",
        "office",
    )


def test_attributes_say_who_and_the_prompt_words_win_for_hair_and_eyes() -> None:
    f = portrait_features(
        "a man with blonde hair and blue eyes",
        {"gender": "female", "hair_color": "black", "eye_color": "hazel"},
        1,
    )
    assert (f.gender, f.hair_color, f.eye_color) == ("female", "blonde", "blue")
    unsaid = portrait_features("a person", {"hair_color": "black", "eye_color": "hazel"}, 1)
    assert (unsaid.hair_color, unsaid.eye_color) == ("black", "hazel")


def test_attribute_values_are_understood() -> None:
    attrs = {
        "gender": "male",
        "age_range": "60-70",
        "skin_tone": "medium tan",
        "hair_style": "short curly",
        "eye_color": "green",
        "style": "business formal",
        "body_type": "athletic",
    }
    f = portrait_features("portrait", attrs, 5)
    assert f.age == 65
    assert f.skin_tone == "medium tan"
    assert all(
        min(a, b) <= c <= max(a, b)
        for a, b, c in zip(SKIN_TONES["medium"], SKIN_TONES["tan"], f.skin_rgb, strict=True)
    )
    assert (f.hair_style, f.hair_texture, f.eye_color) == ("short", "curly", "green")
    assert f.clothing == "suit"
    assert f.body == "broad"


def test_hijab_beard_and_colour_words() -> None:
    hijab = portrait_features("a smiling woman wearing a navy hijab", {}, 2)
    assert hijab.hair_style == "hijab"
    assert hijab.scarf_rgb == CLOTH_COLORS["navy"]
    assert portrait_features("x", {"hair_style": "headscarf"}, 2).hair_style == "hijab"
    beard = portrait_features("a bearded man", {}, 2)
    assert (beard.gender, beard.facial_hair) == ("male", "beard")
    assert portrait_features("a woman with a beard", {}, 2).facial_hair == "none"
    suit = portrait_features("a man in a navy suit with a red tie", {}, 2)
    assert (suit.clothing, suit.clothing_color, suit.tie) == ("suit", "navy", True)
    assert suit.accent_rgb == CLOTH_COLORS["red"]
    eyes = portrait_features("a girl with blue eyes and dark brown hair", {}, 2)
    assert (eyes.eye_color, eyes.hair_color) == ("blue", "dark brown")


@pytest.mark.parametrize(
    ("prompt", "color", "texture"),
    [
        ("a curly-haired woman", None, "curly"),
        ("a red-haired man with wavy hair", "red", "wavy"),
        ("a man, curly haired and blonde", "blonde", "curly"),
    ],
)
def test_haired_compounds(prompt: str, color: str | None, texture: str) -> None:
    f = portrait_features(prompt, {}, 3)
    assert f.hair_texture == texture
    if color:
        assert f.hair_color == color


def test_plain_means_a_plain_background_only_when_it_says_so() -> None:
    assert portrait_features("a man, plain background", {}, 1).setting == "plain"
    assert portrait_features("a man in a plain t-shirt", {}, 1).setting == "studio"
    assert portrait_features("a man", {"background": "plain white"}, 1).setting == "plain"


@pytest.mark.parametrize(
    ("prompt", "clothing", "setting"),
    [
        ("a nurse in scrubs at the hospital", "scrubs", "hospital"),
        ("a doctor, portrait", "labcoat", "studio"),
        ("a man in a kimono at the beach", "kimono", "beach"),
        ("a woman at the gym", "sporty", "gym"),
        ("a guy in a grey hoodie on a city street", "hoodie", "city"),
        ("a woman in a sari in the library", "sari", "library"),
    ],
)
def test_clothing_and_setting_words(prompt: str, clothing: str, setting: str) -> None:
    f = portrait_features(prompt, {}, 3)
    assert (f.clothing, f.setting) == (clothing, setting)


def test_age_words_and_defaults() -> None:
    old = portrait_features("an elderly woman", {}, 4)
    assert old.age >= 60
    assert old.hair_color in ("grey", "silver", "white", "salt and pepper")
    assert portrait_features("a 45 year old man", {}, 4).age == 45
    assert portrait_features("a woman with 2 cats", {}, 4).age >= 18


def test_features_are_a_pure_function_of_their_inputs() -> None:
    a = portrait_features("someone", {"gender": "female"}, 9)
    assert a == portrait_features("someone", {"gender": "female"}, 9)
    genders = {portrait_features("someone", {}, seed).gender for seed in range(20)}
    assert genders == {"female", "male"}


# --------------------------------------------------------------------------- what is drawn


def pixel_at(image: Image.Image, x: float, y: float) -> tuple[int, ...]:
    """The colour at a point given in head units."""
    return image.getpixel(head_to_pixel(image.width, image.height, x, y))  # type: ignore[return-value]


def test_a_hijab_covers_the_hair_above_the_forehead() -> None:
    base = portrait_features("a woman in a beige hijab", {"hair_color": "red", "hair_style": "short"}, 11)
    base = dataclasses.replace(base, hair_style="short")
    hijab = dataclasses.replace(base, hair_style="hijab")
    g = geometry(base)
    for width, height in ((512, 512), (400, 600)):
        plain = draw_portrait(base, width, height)
        covered = draw_portrait(hijab, width, height)
        assert close(pixel_at(plain, g.cx, g.cy - g.fh), HAIR_COLORS["red"])
        assert close(pixel_at(covered, g.cx, g.cy - g.fh), CLOTH_COLORS["beige"])
        # The scarf also hides the neck under the chin and the hair beside the cheeks.
        assert close(pixel_at(covered, g.cx, g.cy + g.fh * 1.25), CLOTH_COLORS["beige"])
        assert close(pixel_at(covered, g.cx - g.fw * 1.15, g.cy), CLOTH_COLORS["beige"])


def test_the_face_shows_skin_and_eyes_in_their_colours() -> None:
    f = portrait_features("a man", {"skin_tone": "olive", "eye_color": "blue"}, 12)
    f = dataclasses.replace(f, glasses="none", facial_hair="none")
    g = geometry(f)
    image = draw_portrait(f, 600, 600)
    assert close(pixel_at(image, g.cx + g.dx, g.cy - g.fh * 0.2), SKIN_TONES["olive"])
    iris_x = g.cx + g.eye_dx + g.dx + g.dx * 0.6 - g.eh * 0.6
    assert close(pixel_at(image, iris_x, g.eye_y + g.eh * 0.1), f.eye_rgb, 20)


def test_a_beard_covers_the_chin_and_sunglasses_darken_the_eyes() -> None:
    f = portrait_features("a man", {"hair_color": "black", "skin_tone": "fair"}, 13)
    f = dataclasses.replace(f, facial_hair="none", glasses="none", mouth="smile")
    g = geometry(f)
    chin = (g.cx, g.cy + g.fh * 0.93)
    below_eye = (g.cx + g.eye_dx + g.dx, g.eye_y + 0.02)
    bare = draw_portrait(f, 512, 512)
    bearded = draw_portrait(dataclasses.replace(f, facial_hair="beard"), 512, 512)
    shaded = draw_portrait(dataclasses.replace(f, glasses="sunglasses"), 512, 512)
    assert close(pixel_at(bare, *chin), SKIN_TONES["fair"], 20)
    assert close(pixel_at(bearded, *chin), HAIR_COLORS["black"])
    assert sum(pixel_at(bare, *below_eye)) > 450
    assert sum(pixel_at(shaded, *below_eye)) < 200


def test_clothing_colour_and_plain_background_are_painted() -> None:
    image = render(request("a man in a red t-shirt, plain background", width=400, height=400))
    assert close(image.getpixel((300, 390)), CLOTH_COLORS["red"])  # type: ignore[arg-type]
    corner = image.getpixel((3, 3))
    assert min(corner) > 220  # type: ignore[arg-type]


def test_every_seed_gives_known_values_and_renders() -> None:
    prompts = [
        "",
        "a person",
        "woman, hijab, doctor, gym",
        "old bald man with stubble at night",
        "afro, braids, bun, kimono, scrubs, sunglasses, 70s",
        "👩‍🎨 ünïcode ✨",
    ]
    for seed in range(24):
        prompt = prompts[seed % len(prompts)]
        f = portrait_features(prompt, {"age_range": "", "style": "casual"}, seed)
        assert f.hair_style in STYLES
        assert f.clothing in CLOTHING
        assert f.setting in SETTINGS
        assert f.gender in ("female", "male")
        assert draw_portrait(f, 256, 288).size == (256, 288)
