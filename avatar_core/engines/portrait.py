"""What an offline portrait shows: prompt words and attributes turned into drawable features."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RGB = tuple[int, int, int]

SKIN_TONES: dict[str, RGB] = {
    "porcelain": (250, 226, 210), "pale": (247, 220, 200), "fair": (244, 212, 188),
    "light": (238, 199, 170), "medium": (222, 170, 132), "olive": (200, 156, 112),
    "tan": (198, 142, 100), "brown": (158, 104, 68), "dark": (116, 72, 46),
    "deep": (92, 57, 38), "ebony": (76, 48, 33),
}
HAIR_COLORS: dict[str, RGB] = {
    "jet black": (24, 22, 26), "black": (38, 33, 36), "dark brown": (66, 43, 30),
    "light brown": (150, 104, 66), "brown": (104, 68, 42), "brunette": (92, 60, 38),
    "platinum blonde": (236, 222, 180), "strawberry blonde": (222, 156, 102),
    "blonde": (226, 188, 116), "blond": (226, 188, 116), "auburn": (138, 58, 36),
    "ginger": (204, 102, 48), "redhead": (178, 64, 38), "red": (172, 58, 36),
    "copper": (186, 92, 48), "salt and pepper": (126, 124, 126), "grey": (158, 158, 162),
    "gray": (158, 158, 162), "silver": (202, 204, 212), "white": (236, 234, 232),
    "pink": (236, 134, 172), "blue": (72, 112, 202), "purple": (132, 82, 176),
    "green": (70, 150, 110),
}
EYE_COLORS: dict[str, RGB] = {
    "dark brown": (62, 40, 26), "brown": (104, 66, 34), "blue": (62, 126, 196),
    "green": (64, 140, 82), "hazel": (138, 108, 52), "grey": (122, 134, 146),
    "gray": (122, 134, 146), "amber": (190, 128, 40),
}
CLOTH_COLORS: dict[str, RGB] = {
    "red": (192, 52, 56), "navy": (36, 52, 92), "blue": (52, 104, 186), "green": (52, 132, 84),
    "black": (38, 38, 44), "white": (240, 240, 238), "grey": (128, 134, 142),
    "gray": (128, 134, 142), "charcoal": (62, 64, 72), "beige": (214, 194, 158),
    "cream": (236, 226, 202), "burgundy": (118, 32, 52), "maroon": (110, 30, 40),
    "pink": (232, 142, 172), "yellow": (234, 194, 62), "purple": (118, 72, 162),
    "orange": (232, 130, 52), "teal": (36, 138, 140), "brown": (118, 80, 52),
    "olive": (110, 116, 60), "gold": (212, 168, 70), "lavender": (176, 156, 214),
}
CLOTHING = ("suit", "jacket", "casual", "hoodie", "sporty", "scrubs", "labcoat", "traditional")
SETTINGS = ("studio", "office", "outdoor", "garden", "gym", "beach", "city", "hospital",
            "library", "plain")
STYLES = ("short", "long", "bob", "bald", "bun", "ponytail", "braids", "afro", "buzz", "hijab")

_FEMALE = {"woman", "women", "female", "girl", "lady", "she", "her", "businesswoman", "mother",
           "grandmother", "grandma", "wife", "actress", "queen", "mom", "daughter", "feminine"}
_MALE = {"man", "men", "male", "boy", "guy", "he", "his", "him", "businessman", "father",
         "grandfather", "grandpa", "husband", "actor", "king", "dad", "son", "gentleman",
         "masculine"}
_STYLE_WORDS = {"bun": "bun", "ponytail": "ponytail", "braids": "braids", "braid": "braids",
                "braided": "braids", "cornrows": "braids", "dreadlocks": "braids",
                "locs": "braids", "afro": "afro", "bald": "bald", "shaved": "bald",
                "buzz": "buzz", "buzzcut": "buzz", "crew cut": "buzz", "bob": "bob",
                "pixie": "short", "hijab": "hijab", "headscarf": "hijab", "head scarf": "hijab",
                "khimar": "hijab", "shoulder length": "bob"}
_CLOTHES = [("scrubs", "scrubs"), ("nurse", "scrubs"), ("surgeon", "scrubs"),
            ("lab coat", "labcoat"), ("white coat", "labcoat"), ("doctor", "labcoat"),
            ("physician", "labcoat"), ("medical", "labcoat"), ("scientist", "labcoat"),
            ("kimono", "traditional"), ("hanbok", "traditional"), ("sari", "traditional"),
            ("saree", "traditional"), ("traditional", "traditional"),
            ("qipao", "traditional"), ("cheongsam", "traditional"), ("kurta", "traditional"),
            ("yukata", "traditional"), ("hanfu", "traditional"), ("sporty", "sporty"),
            ("athletic", "sporty"), ("yoga", "sporty"), ("fitness", "sporty"),
            ("sport", "sporty"), ("sports", "sporty"), ("jersey", "sporty"),
            ("workout", "sporty"), ("suit", "suit"), ("business", "suit"), ("blazer", "suit"),
            ("formal", "suit"), ("tuxedo", "suit"), ("executive", "suit"),
            ("corporate", "suit"), ("hoodie", "hoodie"), ("sweatshirt", "hoodie"),
            ("jacket", "jacket"), ("casual", "casual"), ("t shirt", "casual"),
            ("tshirt", "casual"), ("tee", "casual"), ("sweater", "casual")]
_GARMENTS = {"suit", "shirt", "jacket", "blazer", "hoodie", "sweater", "top", "dress", "coat",
             "scrubs", "kimono", "hanbok", "sari", "saree", "tee", "tshirt", "outfit",
             "uniform", "blouse", "cardigan", "jersey", "sweatshirt", "clothes", "qipao",
             "kurta", "jumper", "polo", "tuxedo"}
_SETTING_WORDS = [("office", "office"), ("workplace", "office"), ("desk", "office"),
                  ("studio", "studio"), ("park", "outdoor"), ("outdoor", "outdoor"),
                  ("outdoors", "outdoor"), ("outside", "outdoor"), ("nature", "outdoor"),
                  ("forest", "outdoor"), ("woods", "outdoor"), ("mountains", "outdoor"),
                  ("garden", "garden"), ("flowers", "garden"), ("gym", "gym"),
                  ("beach", "beach"), ("seaside", "beach"), ("ocean", "beach"),
                  ("city", "city"), ("street", "city"), ("urban", "city"),
                  ("downtown", "city"), ("hospital", "hospital"), ("clinic", "hospital"),
                  ("library", "library"), ("bookshelf", "library"), ("books", "library"),
                  ("plain background", "plain"), ("plain backdrop", "plain"),
                  ("white background", "plain"), ("white backdrop", "plain"),
                  ("simple background", "plain")]
_ETHNIC_SKIN = [("east asian", ("light", "fair", "medium")), ("south asian", ("brown", "tan")),
                ("asian", ("light", "medium", "tan")), ("african", ("dark", "deep", "brown")),
                ("black", ("dark", "deep", "brown")), ("hispanic", ("tan", "medium", "olive")),
                ("latin", ("tan", "medium", "olive")), ("latina", ("tan", "medium", "olive")),
                ("latino", ("tan", "medium", "olive")), ("middle eastern", ("olive", "tan")),
                ("arab", ("olive", "tan")), ("indian", ("brown", "tan")),
                ("caucasian", ("fair", "light")), ("european", ("fair", "light")),
                ("white", ("fair", "light")), ("pacific islander", ("tan", "brown"))]
_STOP = {"with", "in", "at", "on", "wearing", "and", ",", ".", ";", "a", "an", "the", "of"}


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


def _tokens(text: str) -> list[str]:
    """Lower-case words and punctuation marks of `text`; hyphens split words."""
    return re.findall(r"[a-z0-9]+|[,.;]", text.lower())


def _find(tokens: Sequence[str], phrases: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, phrase) for every occurrence of any phrase, longest phrase first."""
    hits: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for phrase in sorted(phrases, key=lambda p: -len(p.split())):
        words = phrase.split()
        for i in range(len(tokens) - len(words) + 1):
            span = range(i, i + len(words))
            if list(tokens[i:i + len(words)]) == words and not taken.intersection(span):
                hits.append((i, i + len(words), phrase))
                taken.update(span)
    return sorted(hits)


def _before(tokens: Sequence[str], nouns: set[str], phrases: Sequence[str]) -> list[str]:
    """Phrases that describe one of `nouns` within a few words before it ("red curly hair")."""
    found: list[str] = []
    for _start, end, phrase in _find(tokens, phrases):
        for j in range(end, min(end + 4, len(tokens))):
            if tokens[j] in nouns:
                found.append(phrase)
                break
            if tokens[j] in _STOP:
                break
    return found


def _mix(colors: Sequence[RGB]) -> RGB:
    """The average of several colours."""
    n = len(colors)
    return (sum(c[0] for c in colors) // n, sum(c[1] for c in colors) // n,
            sum(c[2] for c in colors) // n)


def _age(text: str, loose: bool) -> int | None:
    """Years from "30-40", "60+", "45 year old", "in her 60s", "elderly"; None if absent."""
    words = set(_tokens(text))
    pattern = r"(\d{1,2})\s*(?:-|to)\s*(\d{1,2})|(\d{1,2})\s*(\+|s\b|-?\s*years?\b|yo\b)"
    match = re.search(pattern, text)
    if match and match.group(1):
        return (int(match.group(1)) + int(match.group(2))) // 2
    if match:
        return int(match.group(3)) + (5 if match.group(4) in ("+", "s") else 0)
    if loose and (lone := re.search(r"\d{1,2}", text)):
        return int(lone.group())
    if words & {"elderly", "senior", "retiree", "retired", "grandmother", "grandfather",
                "grandma", "grandpa", "aged", "pensioner", "old", "older"}:
        return 68
    if "middle" in words:
        return 48
    if words & {"teen", "teenager", "teenage"}:
        return 16
    if words & {"young", "youthful", "student"}:
        return 24
    return None


class _Words:
    """The prompt's words, each attribute's words, and a seeded coin for everything unsaid."""

    def __init__(self, prompt: str, attributes: Mapping[str, str], seed: int) -> None:
        self.attrs = {str(k).lower(): str(v or "").lower() for k, v in attributes.items()}
        key = f"{seed}|{prompt}|{sorted(self.attrs.items())}".encode()
        self.rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
        self.prompt = prompt.lower()
        self.words = _tokens(prompt)
        self.everything = set(_tokens(" , ".join([prompt, *self.attrs.values()])))

    def attr(self, name: str) -> list[str]:
        """The words of one attribute (empty when absent)."""
        return _tokens(self.attrs.get(name, ""))

    def found(self, name: str, phrases: Sequence[str]) -> list[str]:
        """Phrases that occur in attribute `name`."""
        return [p for _, _, p in _find(self.attr(name), phrases)]

    def near(self, nouns: set[str], phrases: Sequence[str]) -> list[str]:
        """Phrases that describe one of `nouns` in the prompt."""
        return _before(self.words, nouns, phrases)


def _gender(w: _Words) -> str:
    """female or male: the gender attribute, else the prompt's majority, else the seed."""
    given = set(w.attr("gender"))
    female, male = bool(given & _FEMALE), bool(given & _MALE)
    if female == male:
        f_count, m_count = sum(t in _FEMALE for t in w.words), sum(t in _MALE for t in w.words)
        female, male = f_count > m_count, m_count > f_count
    coin = w.rng.choice(("female", "male"))
    return "female" if female and not male else "male" if male and not female else coin


def _hair(w: _Words, gender: str, age: int, dark: bool) -> tuple[str, str, str]:
    """(colour, style, texture) of the hair."""
    colors = w.found("hair_color", list(HAIR_COLORS)) or w.near(
        {"hair", "haired", "haircut", "bun", "ponytail", "braids", "curls", "beard", "afro",
         "bob"}, list(HAIR_COLORS))
    colors += [p for _, _, p in _find(w.words, ["blonde", "blond", "brunette", "redhead",
                                                "auburn", "ginger", "platinum blonde",
                                                "strawberry blonde"])]
    if age >= 58:
        default = w.rng.choice(("grey", "silver", "white", "salt and pepper"))
    elif dark:
        default = w.rng.choice(("black", "jet black", "dark brown"))
    else:
        default = w.rng.choice(("black", "dark brown", "brown", "brown", "light brown",
                                "blonde", "auburn", "black"))
    styles = [_STYLE_WORDS[p] for p in w.found("hair_style", list(_STYLE_WORDS))]
    styles = styles or [_STYLE_WORDS[p] for _, _, p in _find(w.words, list(_STYLE_WORDS))]
    lengths = w.found("hair_style", ["short", "long", "medium"]) or w.near(
        {"hair", "haired", "curls"}, ["short", "long", "medium"])
    kinds = ["curly", "wavy", "straight", "coily"]
    textures = w.found("hair_style", kinds) or w.near(
        {"hair", "haired", "curls", "bob", "ponytail"}, kinds)
    textures = textures or (["curly"] if "curls" in w.words else [])
    if styles:
        style = styles[0]
    elif lengths:
        style = "long" if lengths[0] in ("long", "medium") else "short"
    elif gender == "female":
        style = w.rng.choice(("long", "long", "bob", "bun", "ponytail", "long", "short"))
    else:
        style = w.rng.choice(("short", "short", "short", "buzz", "short")
                             + (("bald",) if age > 50 else ()))
    texture = textures[0].replace("coily", "curly") if textures else w.rng.choice(
        ("straight", "straight", "wavy", "curly") if style != "afro" else ("curly",))
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
        for word, kind in (("goatee", "goatee"), ("stubble", "stubble"),
                           ("moustache", "moustache"), ("mustache", "moustache"),
                           ("beard", "beard"), ("bearded", "beard")):
            if word in w.everything:
                facial = kind
                break
    return glasses, facial


def _outfit(w: _Words, setting: str, gender: str) -> tuple[str, str, str, bool]:
    """(clothing kind, clothing colour, accent colour, tie)."""
    phrases = [p for p, _ in _CLOTHES]
    hits = w.found("style", phrases) or [c for _, _, c in _find(w.words, phrases)]
    order = ("scrubs", "labcoat", "traditional", "sporty", "suit", "hoodie", "jacket", "casual")
    ranked = sorted({dict(_CLOTHES)[h] for h in hits}, key=order.index)
    if ranked:
        clothing = ranked[0]
    elif setting in ("gym", "hospital", "office"):
        clothing = {"gym": "sporty", "office": "suit"}.get(setting) or w.rng.choice(
            ("scrubs", "labcoat"))
    else:
        clothing = w.rng.choice(("casual", "casual", "suit", "hoodie", "jacket", "casual"))
    colors = w.found("style", list(CLOTH_COLORS)) or w.near(_GARMENTS, list(CLOTH_COLORS))
    defaults = {"suit": ("navy", "charcoal", "grey", "black", "navy", "beige", "burgundy"),
                "scrubs": ("teal", "blue", "navy", "green", "teal"), "labcoat": ("white",),
                "sporty": ("red", "blue", "black", "teal", "purple", "orange", "pink"),
                "traditional": ("red", "navy", "teal", "purple", "burgundy", "green", "pink")}
    color = colors[0] if colors else w.rng.choice(defaults.get(
        clothing, ("red", "blue", "green", "navy", "grey", "beige", "burgundy", "yellow",
                   "teal", "purple", "orange", "pink", "white", "black", "olive")))
    tie_colors = w.near({"tie", "necktie"}, list(CLOTH_COLORS))
    accent = tie_colors[0] if tie_colors else w.rng.choice(
        ("gold", "cream", "white", "gold") if clothing == "traditional" else
        ("red", "burgundy", "navy", "blue", "gold", "teal", "purple", "grey"))
    tie = bool({"tie", "necktie"} & w.everything) or (
        clothing == "suit" and gender == "male" and w.rng.random() < 0.6)
    return clothing, color, accent, tie and clothing in ("suit", "labcoat")


def portrait_features(prompt: str, attributes: Mapping[str, str], seed: int) -> PortraitFeatures:
    """Parse prompt words and attributes (which win) into features; the seed fills the gaps."""
    w = _Words(prompt, attributes, seed)
    gender = _gender(w)
    age = _age(w.attrs.get("age_range", ""), True) or _age(w.prompt, False)
    age = age if age is not None else w.rng.randint(22, 46)
    ethnic = [p for _, _, p in _find(w.attr("ethnicity") or [
        t for t in w.words if t not in ("black", "white")], [name for name, _ in _ETHNIC_SKIN])]
    skin_names = w.found("skin_tone", list(SKIN_TONES)) or w.near(
        {"skin", "skinned", "complexion"}, list(SKIN_TONES)) or [
        w.rng.choice(dict(_ETHNIC_SKIN)[ethnic[0]] if ethnic else tuple(SKIN_TONES))]
    skin_rgb = _mix([SKIN_TONES[n] for n in skin_names])
    dark = sum(skin_rgb) < 360 or (bool(ethnic) and ethnic[0] not in ("caucasian", "european",
                                                                       "white"))
    hair_color, hair_style, texture = _hair(w, gender, age, dark)
    eyes = w.found("eye_color", list(EYE_COLORS)) or w.near({"eyes", "eye", "eyed"},
                                                            list(EYE_COLORS))
    eye_color = eyes[0] if eyes else w.rng.choice(
        ("brown", "dark brown", "brown") if dark else tuple(EYE_COLORS)[:6])
    glasses, facial = _accessories(w, gender)
    places = dict(_SETTING_WORDS, plain="plain", white="plain")
    settings = w.found("background", list(places)) + w.found("setting", list(places))
    settings = settings or [s for _, _, s in _find(w.words, [p for p, _ in _SETTING_WORDS])]
    setting = places[settings[0]] if settings else "studio"
    clothing, cloth_color, accent, tie = _outfit(w, setting, gender)
    scarf = w.near({"hijab", "headscarf", "scarf", "khimar"}, list(CLOTH_COLORS))
    scarf_color = scarf[0] if scarf else w.rng.choice(
        ("beige", "navy", "burgundy", "black", "teal", "pink", "lavender", "olive", "grey",
         "cream"))
    backdrop = w.near({"background", "backdrop"}, list(CLOTH_COLORS))
    body_words = set(w.attr("body_type") or w.words)
    body = "average"
    if body_words & {"slim", "thin", "slender", "petite", "skinny"}:
        body = "slim"
    elif body_words & {"muscular", "broad", "athletic", "heavy", "plus", "stocky", "curvy"}:
        body = "broad"
    rng = w.rng
    return PortraitFeatures(
        gender=gender, age=age, skin_tone=" ".join(skin_names), skin_rgb=skin_rgb,
        hair_style=hair_style, hair_texture=texture, hair_color=hair_color,
        hair_rgb=HAIR_COLORS[hair_color], eye_color=eye_color, eye_rgb=EYE_COLORS[eye_color],
        glasses=glasses, facial_hair=facial, clothing=clothing, clothing_color=cloth_color,
        clothing_rgb=CLOTH_COLORS[cloth_color], accent_rgb=CLOTH_COLORS[accent], tie=tie,
        scarf_rgb=CLOTH_COLORS[scarf_color], setting=setting,
        background_rgb=CLOTH_COLORS[backdrop[0]] if backdrop else None,
        bg_hue=rng.random(), scene_seed=rng.getrandbits(32), body=body,
        turn=rng.uniform(-1.0, 1.0), part=rng.choice((-1, 1)),
        mouth=rng.choice(("smile", "grin", "soft", "smile")),
        earrings=gender == "female" and rng.random() < 0.6,
        necklace=gender == "female" and rng.random() < 0.4,
    )
