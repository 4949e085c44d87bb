"""Reading a prompt for an offline portrait: each feature from the prompt, the attributes or a coin.

The prompt's words win over the attributes; a coin seeded by the prompt, the attributes and the
seed decides everything unsaid, so the same request always reads the same.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence

from avatar_core.domain.word_tables import (
    ANY_COLOR,
    BACKDROP_TONES,
    CLOTH_COLORS,
    CLOTHING,
    ETHNIC_SKIN,
    FEMALE,
    GARMENT_NOUNS,
    HAIR_COLORS,
    HAIR_NOUNS,
    HAIR_WORDS,
    HEADWEAR_WORDS,
    KIND_COLORS,
    LENGTHS,
    MALE,
    MOOD_TONES,
    RGB,
    ROLE_WORDS,
    SETTING_WORDS,
    SKIN_TONES,
    STYLE_WORDS,
    TEXTURES,
)
from avatar_core.domain.words import before, described, find, garments, tokens


def mix(colors: Sequence[RGB]) -> RGB:
    """The average of several colours."""
    n = len(colors)
    return (sum(c[0] for c in colors) // n, sum(c[1] for c in colors) // n, sum(c[2] for c in colors) // n)


class Words:
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


def gender(w: Words) -> str:
    """female or male: the gender attribute, else the prompt's majority, else the seed."""
    given = set(w.attr("gender"))
    female, male = bool(given & FEMALE), bool(given & MALE)
    if female == male:
        f_count, m_count = sum(t in FEMALE for t in w.words), sum(t in MALE for t in w.words)
        female, male = f_count > m_count, m_count > f_count
    coin = w.rng.choice(("female", "male"))
    return "female" if female and not male else "male" if male and not female else coin


def hair_style(w: Words, gender: str, age: int, texture: bool) -> str:
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


def hair(w: Words, gender: str, age: int, dark: bool) -> tuple[str, str, str]:
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
    style = hair_style(w, gender, age, bool(textures))
    texture = (
        textures[0].replace("coily", "curly")
        if textures
        else w.rng.choice(("straight", "straight", "wavy", "curly") if style != "afro" else ("curly",))
    )
    return colors[0] if colors else default, style, texture


GLASSES_WORDS = (
    ("sunglasses", {"sunglasses"}),
    ("glasses", {"glasses", "spectacles", "eyeglasses", "specs", "bespectacled"}),
)
FACIAL_HAIR_WORDS = (
    ("goatee", "goatee"),
    ("stubble", "stubble"),
    ("moustache", "moustache"),
    ("mustache", "moustache"),
    ("beard", "beard"),
    ("bearded", "beard"),
)  # the first word said wins
SHAVEN = {"shaven", "shaved", "beardless"}


def accessories(w: Words, gender: str) -> tuple[str, str]:
    """(glasses, facial hair): none, glasses or sunglasses; none, beard, moustache, ..."""
    glasses = next((kind for kind, said in GLASSES_WORDS if w.everything & said), "none")
    facial = "none"
    if gender == "male" and not w.everything & SHAVEN:
        facial = next((kind for word, kind in FACIAL_HAIR_WORDS if word in w.everything), "none")
    return glasses, facial


# What people wear where, when nothing else says (one kind: no coin is tossed).
SETTING_CLOTHES: dict[str, tuple[str, ...]] = {
    "gym": ("sporty",),
    "hospital": ("scrubs", "labcoat"),
    "office": ("suit",),
}


def _ranked(kinds: Sequence[str]) -> list[str]:
    """Clothing kinds, outermost first."""
    return sorted(set(kinds), key=CLOTHING.index)


def outfit(w: Words, setting: str, gender: str) -> tuple[str, list[str], str, bool]:
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
    elif kinds := SETTING_CLOTHES.get(setting):
        kind = kinds[0] if len(kinds) == 1 else w.rng.choice(kinds)
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


def setting(w: Words) -> str:
    """Where the portrait is: the prompt's place words, else the background attribute."""
    places = {**SETTING_WORDS, "plain": "plain", "white": "plain"}
    settings = w.said(list(SETTING_WORDS)) or (
        w.found("background", list(places)) + w.found("setting", list(places))
    )
    return places[settings[0]] if settings else "studio"


BACKDROP_NOUNS = {"background", "backdrop", "backgrounds", "backdrops", "studio", "wall", "room"}


def backdrop_tone(w: Words) -> float | None:
    """How light the backdrop is (0..1): words before a backdrop noun ("dark studio background"),
    else mood words anywhere ("at night", "moody"), else the background attribute; None if unsaid."""
    if near := w.near(BACKDROP_NOUNS, list(BACKDROP_TONES)):
        return BACKDROP_TONES[near[0]]
    if mood := w.said(list(MOOD_TONES)):
        return MOOD_TONES[mood[0]]
    given = w.found("background", list(BACKDROP_TONES))
    return BACKDROP_TONES[given[0]] if given else None


def scarf(w: Words, cloth: str) -> str:
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


def skin(w: Words) -> tuple[list[str], bool]:
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
    rgb = mix([SKIN_TONES[n] for n in names])
    light = ("caucasian", "european", "white")
    return names, sum(rgb) < 360 or (bool(ethnic) and ethnic[0] not in light)


BODY_WORDS = (
    ("slim", {"slim", "thin", "slender", "petite", "skinny"}),
    ("broad", {"muscular", "broad", "athletic", "heavy", "plus", "stocky", "curvy"}),
)  # the first family named wins; else "average"


def body(w: Words) -> str:
    """slim, broad or average: the body_type attribute's words, else the prompt's."""
    said = set(w.attr("body_type") or w.words)
    return next((body for body, words in BODY_WORDS if said & words), "average")
