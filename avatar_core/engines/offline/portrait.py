"""What an offline portrait shows: prompt words and attributes turned into drawable features."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from avatar_core.domain.word_tables import (
    CLOTH_COLORS,
    CLOTHING,
    EYE_COLORS,
    HAIR_COLORS,
    RGB,
    SETTING_WORDS,
    SKIN_TONES,
)
from avatar_core.domain.words import age_in
from avatar_core.engines.offline import reading as rd

__all__ = [
    "BACKDROPS",
    "CLOTHING",
    "CLOTH_COLORS",
    "EYE_COLORS",
    "HAIR_COLORS",
    "RGB",
    "SETTINGS",
    "SKIN_TONES",
    "STYLES",
    "PortraitFeatures",
    "portrait_features",
]

SETTINGS = tuple(dict.fromkeys([*SETTING_WORDS.values(), "studio"]))
STYLES = ("short", "long", "bob", "bald", "bun", "ponytail", "braids", "afro", "buzz", "hijab")
BACKDROPS = ("sweep", "spot", "mottled", "beam")  # how a studio backdrop is lit (the seed's pick)


@dataclass(frozen=True)
class PortraitFeatures:
    """Everything `draw_portrait` needs; names for people, RGB values for the painter."""

    gender: str
    age: int
    skin_tone: str
    skin_rgb: RGB
    hair_style: str
    hair_texture: str
    hair_color: str
    hair_rgb: RGB
    eye_color: str
    eye_rgb: RGB
    glasses: str
    facial_hair: str
    clothing: str
    clothing_color: str
    clothing_rgb: RGB
    accent_rgb: RGB
    tie: bool
    scarf_rgb: RGB
    setting: str
    background_rgb: RGB | None
    bg_hue: float
    scene_seed: int
    body: str
    turn: float
    part: int
    mouth: str
    earrings: bool
    necklace: bool
    bg_tone: float | None  # how light the backdrop was asked to be (0..1), None when unsaid
    backdrop: str  # one of BACKDROPS
    tilt: float  # degrees the head leans (positive: clockwise on screen)
    shift: float  # how far right of the middle the figure stands, in head units
    light: float  # where the key light comes from: -1 left .. 1 right
    warmth: float  # -1 cool .. 1 warm light on the setting


def portrait_features(prompt: str, attributes: Mapping[str, str], seed: int) -> PortraitFeatures:
    """Features from words: the prompt wins for hair, clothes and colours; the seed fills gaps."""
    w = rd.Words(prompt, attributes, seed)
    gender = rd.gender(w)
    age = age_in(w.attrs.get("age_range", ""), True) or age_in(w.prompt, False)
    age = age if age is not None else w.rng.randint(22, 46)
    skin_names, dark = rd.skin(w)
    hair_color, hair_style, texture = rd.hair(w, gender, age, dark)
    eyes = w.near({"eyes", "eye", "eyed"}, list(EYE_COLORS))[-1:] or w.found("eye_color", list(EYE_COLORS))
    eye_color = (
        eyes[0] if eyes else w.rng.choice(("brown", "dark brown", "brown") if dark else tuple(EYE_COLORS)[:6])
    )
    glasses, facial = rd.accessories(w, gender)
    setting = rd.setting(w)
    clothing, colors, accent, tie = rd.outfit(w, setting, gender)
    backdrop = w.near(rd.BACKDROP_NOUNS, list(CLOTH_COLORS))
    body = rd.body(w)
    rng = w.rng
    return PortraitFeatures(
        gender=gender,
        age=age,
        skin_tone=" ".join(skin_names),
        skin_rgb=rd.mix([SKIN_TONES[n] for n in skin_names]),
        hair_style=hair_style,
        hair_texture=texture,
        hair_color=hair_color,
        hair_rgb=HAIR_COLORS[hair_color],
        eye_color=eye_color,
        eye_rgb=EYE_COLORS[eye_color],
        glasses=glasses,
        facial_hair=facial,
        clothing=clothing,
        clothing_color=colors[0],
        clothing_rgb=CLOTH_COLORS[colors[0]],
        accent_rgb=CLOTH_COLORS[accent],
        tie=tie,
        scarf_rgb=CLOTH_COLORS[rd.scarf(w, colors[0])],
        setting=setting,
        background_rgb=CLOTH_COLORS[backdrop[0]] if backdrop else None,
        bg_hue=rng.random(),
        scene_seed=rng.getrandbits(32),
        body=body,
        turn=rng.uniform(-1.0, 1.0),
        part=rng.choice((-1, 1)),
        mouth=rng.choice(("smile", "grin", "soft", "smile")),
        earrings=gender == "female" and rng.random() < 0.6,
        necklace=gender == "female" and rng.random() < 0.4,
        bg_tone=rd.backdrop_tone(w),
        backdrop=rng.choice(BACKDROPS),
        tilt=rng.uniform(-6.0, 6.0),
        shift=rng.uniform(-0.055, 0.055),
        light=rng.uniform(-1.0, 1.0),
        warmth=rng.uniform(-1.0, 1.0),
    )
