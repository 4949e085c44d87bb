"""What an offline portrait shows: prompt words and attributes turned into drawable features."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from avatar_core.domain.words import (
    ANY_COLOR,
    CLOTH_COLORS,
    CLOTHING,
    ETHNIC_SKIN,
    EYE_COLORS,
    FEMALE,
    GARMENT_NOUNS,
    HAIR_COLORS,
    HAIR_NOUNS,
    HAIR_WORDS,
    HEADWEAR_WORDS,
    KIND_COLORS,
    LENGTHS,
    MALE,
    RGB,
    ROLE_WORDS,
    SETTING_WORDS,
    SKIN_TONES,
    STYLE_WORDS,
    TEXTURES,
    age_in,
    before,
    described,
    find,
    garments,
    tokens,
)

__all__ = [
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


def _mix(colors: Sequence[RGB]) -> RGB:
    """The average of several colours."""
    n = len(colors)
    return (sum(c[0] for c in colors) // n, sum(c[1] for c in colors) // n, sum(c[2] for c in colors) // n)


class _Words:
    """The prompt's words, each attribute's words, and a seeded coin for everything unsaid."""

    def __init__(self, prompt: str, attributes: Mapping[str, str], seed: int) -> None:
        self.attrs = {str(k).lower(): str(v or "").lower() for k, v in attributes.items()}
        key = f"{seed}|{prompt}|{sorted(self.attrs.items())}".encode()
        self.rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
        self.prompt = prompt.lower()
        self.words = tokens(prompt)
        self.everything = set(tokens(" , ".join([prompt, *self.attrs.values()])))

    def attr(self, name: str) -> list[str]:
        """The words of one attribute (empty when absent)."""
        return tokens(self.attrs.get(name, ""))

    def found(self, name: str, phrases: Sequence[str]) -> list[str]:
        """Phrases that occur in attribute `name`."""
        return [p for _, _, p in find(self.attr(name), phrases)]

    def said(self, phrases: Sequence[str]) -> list[str]:
        """Phrases that occur in the prompt, in order."""
        return [p for _, _, p in find(self.words, phrases)]

    def near(self, nouns: set[str], phrases: Sequence[str]) -> list[str]:
        """Phrases that describe one of `nouns` in the prompt."""
        return before(self.words, nouns, phrases)


def _gender(w: _Words) -> str:
    """female or male: the gender attribute, else the prompt's majority, else the seed."""
    given = set(w.attr("gender"))
    female, male = bool(given & FEMALE), bool(given & MALE)
    if female == male:
        f_count, m_count = sum(t in FEMALE for t in w.words), sum(t in MALE for t in w.words)
        female, male = f_count > m_count, m_count > f_count
    coin = w.rng.choice(("female", "male"))
    return "female" if female and not male else "male" if male and not female else coin


def _hair_style(w: _Words, gender: str, age: int, texture: bool) -> str:
    """The hair style: the prompt's words win over the hair_style attribute, then the seed."""
    shapes = {**STYLE_WORDS, **HEADWEAR_WORDS}
    lengths = list(LENGTHS)
    said = (
        [HEADWEAR_WORDS[p] for p in w.said(list(HEADWEAR_WORDS))]
        or [STYLE_WORDS[p] for p in w.said(list(STYLE_WORDS))][-1:]
        or [LENGTHS[p] for p in w.near(HAIR_NOUNS | {"curls"}, lengths)][-1:]
    )
    given = [shapes[p] for p in w.found("hair_style", list(shapes))] or [
        LENGTHS[p] for p in w.found("hair_style", lengths)
    ]
    if said or given:
        return (said or given)[0]
    if gender == "female":
        return (
            "long" if texture else w.rng.choice(("long", "long", "bob", "bun", "ponytail", "long", "short"))
        )
    return w.rng.choice(("short", "short", "short", "buzz", "short") + (("bald",) if age > 50 else ()))


def _hair(w: _Words, gender: str, age: int, dark: bool) -> tuple[str, str, str]:
    """(colour, style, texture) of the hair; the prompt's words win over the attributes."""
    said = [
        (i, c)
        for i, word in enumerate(w.words)
        if word in HAIR_NOUNS
        for c in described(w.words, i, list(HAIR_COLORS))
    ]
    said += [(i, c) for i, _, c in find(w.words, list(HAIR_WORDS))]
    colors = [max(said)[1]] if said else w.found("hair_color", list(HAIR_COLORS))
    if age >= 58:
        default = w.rng.choice(("grey", "silver", "white", "salt and pepper"))
    elif dark:
        default = w.rng.choice(("black", "jet black", "dark brown"))
    else:
        default = w.rng.choice(
            ("black", "dark brown", "brown", "brown", "light brown", "blonde", "auburn", "black")
        )
    textures = w.near(HAIR_NOUNS | {"curls"}, list(TEXTURES))[-1:] or w.found("hair_style", list(TEXTURES))
    textures = textures or (["curly"] if "curls" in w.words else [])
    style = _hair_style(w, gender, age, bool(textures))
    texture = (
        textures[0].replace("coily", "curly")
        if textures
        else w.rng.choice(("straight", "straight", "wavy", "curly") if style != "afro" else ("curly",))
    )
    return colors[0] if colors else default, style, texture


def _accessories(w: _Words, gender: str) -> tuple[str, str]:
    """(glasses, facial hair): none, glasses or sunglasses; none, beard, moustache, ..."""
    glasses = "none"
    if "sunglasses" in w.everything:
        glasses = "sunglasses"
    elif w.everything & {"glasses", "spectacles", "eyeglasses", "specs", "bespectacled"}:
        glasses = "glasses"
    facial = "none"
    if gender == "male" and not w.everything & {"shaven", "shaved", "beardless"}:
        for word, kind in (
            ("goatee", "goatee"),
            ("stubble", "stubble"),
            ("moustache", "moustache"),
            ("mustache", "moustache"),
            ("beard", "beard"),
            ("bearded", "beard"),
        ):
            if word in w.everything:
                facial = kind
                break
    return glasses, facial


def _ranked(kinds: Sequence[str]) -> list[str]:
    """Clothing kinds, outermost first."""
    return sorted(set(kinds), key=CLOTHING.index)


def _outfit(w: _Words, setting: str, gender: str) -> tuple[str, list[str], str, bool]:
    """(clothing kind, colours, accent colour, tie); the prompt's garments win over the style."""
    said, given = garments(w.words), garments(w.attr("style"))
    roles = _ranked([ROLE_WORDS[p] for p in w.said(list(ROLE_WORDS))])
    given_roles = _ranked([ROLE_WORDS[p] for p in w.found("style", list(ROLE_WORDS))])
    if said or roles:
        kind = said[0][0] if said else roles[0]
        colors = next((c for k, c in said if c and k == kind), [])
    elif given or given_roles:
        kind = given[0][0] if given else given_roles[0]
        colors = []
    elif setting in ("gym", "hospital", "office"):
        kind = {"gym": "sporty", "office": "suit"}.get(setting) or w.rng.choice(("scrubs", "labcoat"))
        colors = []
    else:
        kind = w.rng.choice(("casual", "casual", "suit", "hoodie", "jacket", "casual"))
        colors = []
    colors = colors or w.near(GARMENT_NOUNS, list(CLOTH_COLORS))
    if not colors and (not given or given[0][0] == kind):
        colors = next((c for _, c in given if c), []) or w.found("style", list(CLOTH_COLORS))
    colors = colors or [w.rng.choice(KIND_COLORS.get(kind, ANY_COLOR))]
    tie_colors = w.near({"tie", "necktie"}, list(CLOTH_COLORS))
    accent = (
        tie_colors[0]
        if tie_colors
        else colors[1]
        if len(colors) > 1
        else w.rng.choice(
            ("gold", "cream", "white", "gold")
            if kind in ("robe", "kimono", "sari")
            else ("red", "burgundy", "navy", "blue", "gold", "teal", "purple", "grey")
        )
    )
    tie = bool({"tie", "necktie"} & w.everything) or (
        kind == "suit" and gender == "male" and w.rng.random() < 0.6
    )
    return kind, colors, accent, tie and kind in ("suit", "labcoat")


def _setting(w: _Words) -> str:
    """Where the portrait is: the prompt's place words, else the background attribute."""
    places = {**SETTING_WORDS, "plain": "plain", "white": "plain"}
    settings = w.said(list(SETTING_WORDS)) or (
        w.found("background", list(places)) + w.found("setting", list(places))
    )
    return places[settings[0]] if settings else "studio"


def _scarf(w: _Words, cloth: str) -> str:
    """The colour of a headscarf: named before it, "matching" the clothes, or the seed's."""
    for i, word in enumerate(w.words):
        if word in {"hijab", "headscarf", "scarf", "khimar", "niqab"}:
            if colors := described(w.words, i, list(CLOTH_COLORS)):
                return colors[0]
            if "matching" in w.words[max(0, i - 3) : i]:
                return cloth
    return w.rng.choice(
        ("beige", "navy", "burgundy", "black", "teal", "pink", "lavender", "olive", "grey", "cream")
    )


def _skin(w: _Words) -> tuple[list[str], bool]:
    """(skin tone names, whether the person is dark-featured)."""
    ethnic = [
        p
        for _, _, p in find(
            w.attr("ethnicity") or [t for t in w.words if t not in ("black", "white")],
            [name for name, _ in ETHNIC_SKIN],
        )
    ]
    names = (
        w.found("skin_tone", list(SKIN_TONES))
        or w.near({"skin", "skinned", "complexion"}, list(SKIN_TONES))
        or [w.rng.choice(dict(ETHNIC_SKIN)[ethnic[0]] if ethnic else tuple(SKIN_TONES))]
    )
    rgb = _mix([SKIN_TONES[n] for n in names])
    light = ("caucasian", "european", "white")
    return names, sum(rgb) < 360 or (bool(ethnic) and ethnic[0] not in light)


def portrait_features(prompt: str, attributes: Mapping[str, str], seed: int) -> PortraitFeatures:
    """Features from words: the prompt wins for hair, clothes and colours; the seed fills gaps."""
    w = _Words(prompt, attributes, seed)
    gender = _gender(w)
    age = age_in(w.attrs.get("age_range", ""), True) or age_in(w.prompt, False)
    age = age if age is not None else w.rng.randint(22, 46)
    skin_names, dark = _skin(w)
    hair_color, hair_style, texture = _hair(w, gender, age, dark)
    eyes = w.near({"eyes", "eye", "eyed"}, list(EYE_COLORS))[-1:] or w.found("eye_color", list(EYE_COLORS))
    eye_color = (
        eyes[0] if eyes else w.rng.choice(("brown", "dark brown", "brown") if dark else tuple(EYE_COLORS)[:6])
    )
    glasses, facial = _accessories(w, gender)
    setting = _setting(w)
    clothing, colors, accent, tie = _outfit(w, setting, gender)
    backdrop = w.near({"background", "backdrop"}, list(CLOTH_COLORS))
    body_words = set(w.attr("body_type") or w.words)
    body = "average"
    if body_words & {"slim", "thin", "slender", "petite", "skinny"}:
        body = "slim"
    elif body_words & {"muscular", "broad", "athletic", "heavy", "plus", "stocky", "curvy"}:
        body = "broad"
    rng = w.rng
    return PortraitFeatures(
        gender=gender,
        age=age,
        skin_tone=" ".join(skin_names),
        skin_rgb=_mix([SKIN_TONES[n] for n in skin_names]),
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
        scarf_rgb=CLOTH_COLORS[_scarf(w, colors[0])],
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
    )
