"""Word tables shared by the prompt builder and the offline painter, and the word-family finder."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

RGB = tuple[int, int, int]

SKIN_TONES: dict[str, RGB] = {
    "porcelain": (250, 226, 210),
    "pale": (247, 220, 200),
    "fair": (244, 212, 188),
    "light": (238, 199, 170),
    "medium": (222, 170, 132),
    "olive": (200, 156, 112),
    "tan": (198, 142, 100),
    "brown": (158, 104, 68),
    "dark": (116, 72, 46),
    "deep": (92, 57, 38),
    "ebony": (76, 48, 33),
}
HAIR_COLORS: dict[str, RGB] = {
    "jet black": (24, 22, 26),
    "black": (38, 33, 36),
    "dark brown": (66, 43, 30),
    "light brown": (150, 104, 66),
    "brown": (104, 68, 42),
    "brunette": (92, 60, 38),
    "platinum blonde": (236, 222, 180),
    "strawberry blonde": (222, 156, 102),
    "blonde": (226, 188, 116),
    "blond": (226, 188, 116),
    "auburn": (138, 58, 36),
    "ginger": (204, 102, 48),
    "redhead": (178, 64, 38),
    "red": (172, 58, 36),
    "copper": (186, 92, 48),
    "salt and pepper": (126, 124, 126),
    "grey": (158, 158, 162),
    "gray": (158, 158, 162),
    "silver": (202, 204, 212),
    "white": (236, 234, 232),
    "pink": (236, 134, 172),
    "blue": (72, 112, 202),
    "purple": (132, 82, 176),
    "green": (70, 150, 110),
}
EYE_COLORS: dict[str, RGB] = {
    "dark brown": (62, 40, 26),
    "brown": (104, 66, 34),
    "blue": (62, 126, 196),
    "green": (64, 140, 82),
    "hazel": (138, 108, 52),
    "grey": (122, 134, 146),
    "gray": (122, 134, 146),
    "amber": (190, 128, 40),
}
CLOTH_COLORS: dict[str, RGB] = {
    "red": (192, 52, 56),
    "navy": (36, 52, 92),
    "blue": (52, 104, 186),
    "green": (52, 132, 84),
    "black": (38, 38, 44),
    "white": (240, 240, 238),
    "grey": (128, 134, 142),
    "gray": (128, 134, 142),
    "charcoal": (62, 64, 72),
    "beige": (214, 194, 158),
    "cream": (236, 226, 202),
    "burgundy": (118, 32, 52),
    "maroon": (110, 30, 40),
    "pink": (232, 142, 172),
    "yellow": (240, 200, 40),
    "purple": (118, 72, 162),
    "orange": (232, 130, 52),
    "teal": (36, 138, 140),
    "brown": (118, 80, 52),
    "olive": (110, 116, 60),
    "gold": (212, 168, 70),
    "lavender": (176, 156, 214),
    "emerald": (22, 124, 84),
    "indigo": (52, 58, 128),
    "crimson": (170, 24, 48),
    "dusty rose": (204, 146, 150),
    "rose": (218, 118, 140),
    "sage green": (140, 166, 128),
    "sage": (140, 166, 128),
    "denim": (78, 110, 152),
    "khaki": (190, 172, 122),
    "mustard": (212, 164, 46),
    "turquoise": (46, 182, 190),
    "ivory": (246, 240, 224),
    "coral": (240, 124, 100),
    "mint": (158, 222, 190),
    "lilac": (196, 164, 214),
    "magenta": (200, 40, 140),
    "silver": (192, 194, 202),
    "camel": (192, 146, 96),
    "navy blue": (36, 52, 92),
    "royal blue": (40, 72, 190),
    "sky blue": (120, 180, 230),
    "light blue": (140, 182, 226),
    "forest green": (34, 92, 52),
    "dark green": (30, 84, 50),
    "light grey": (190, 192, 198),
    "dark grey": (74, 76, 82),
    "wine": (110, 24, 44),
}
# Clothing kinds, outermost first: when one phrase names several garments the first kind wins.
CLOTHING = (
    "raincoat",
    "labcoat",
    "abaya",
    "kimono",
    "sari",
    "robe",
    "gown",
    "blazer",
    "suit",
    "jacket",
    "hoodie",
    "cardigan",
    "scrubs",
    "sporty",
    "tank",
    "dress",
    "sweater",
    "shirt",
    "casual",
)
GARMENT_WORDS: dict[str, str] = {
    "raincoat": "raincoat",
    "rain coat": "raincoat",
    "rain jacket": "raincoat",
    "mackintosh": "raincoat",
    "trench coat": "raincoat",
    "trenchcoat": "raincoat",
    "overcoat": "raincoat",
    "coat": "raincoat",
    "anorak": "raincoat",
    "parka": "raincoat",
    "lab coat": "labcoat",
    "labcoat": "labcoat",
    "white coat": "labcoat",
    "abaya": "abaya",
    "jilbab": "abaya",
    "kaftan": "abaya",
    "caftan": "abaya",
    "kimono": "kimono",
    "yukata": "kimono",
    "sari": "sari",
    "saree": "sari",
    "kente": "robe",
    "robe": "robe",
    "hanbok": "robe",
    "qipao": "robe",
    "cheongsam": "robe",
    "kurta": "robe",
    "hanfu": "robe",
    "dashiki": "robe",
    "agbada": "robe",
    "gown": "gown",
    "evening dress": "gown",
    "ball gown": "gown",
    "dress": "dress",
    "sundress": "dress",
    "suit": "suit",
    "tuxedo": "suit",
    "blazer": "blazer",
    "sport coat": "blazer",
    "jacket": "jacket",
    "bomber": "jacket",
    "windbreaker": "jacket",
    "hoodie": "hoodie",
    "hooded sweatshirt": "hoodie",
    "cardigan": "cardigan",
    "scrubs": "scrubs",
    "sportswear": "sporty",
    "athletic wear": "sporty",
    "activewear": "sporty",
    "tracksuit": "sporty",
    "jersey": "sporty",
    "running gear": "sporty",
    "yoga wear": "sporty",
    "gym wear": "sporty",
    "tank top": "tank",
    "tank": "tank",
    "vest top": "tank",
    "singlet": "tank",
    "sweater": "sweater",
    "jumper": "sweater",
    "pullover": "sweater",
    "turtleneck": "sweater",
    "sweatshirt": "sweater",
    "shirt": "shirt",
    "button down": "shirt",
    "flannel": "shirt",
    "blouse": "shirt",
    "polo": "shirt",
    "t shirt": "casual",
    "tshirt": "casual",
    "tee": "casual",
    "top": "casual",
}
ROLE_WORDS: dict[str, str] = {
    "nurse": "scrubs",
    "surgeon": "scrubs",
    "doctor": "labcoat",
    "physician": "labcoat",
    "medical": "labcoat",
    "scientist": "labcoat",
    "business": "suit",
    "formal": "suit",
    "executive": "suit",
    "corporate": "suit",
    "sporty": "sporty",
    "athletic": "sporty",
    "yoga": "sporty",
    "fitness": "sporty",
    "workout": "sporty",
    "sport": "sporty",
    "sports": "sporty",
    "runner": "sporty",
    "traditional": "robe",
    "streetwear": "jacket",
    "casual": "casual",
}
GARMENT_NOUNS = {p.split()[-1] for p in GARMENT_WORDS} | {
    "outfit",
    "uniform",
    "clothes",
    "cloth",
    "wear",
    "attire",
    "gear",
}
HAIR_NOUNS = {
    "hair",
    "haired",
    "haircut",
    "hairstyle",
    "bun",
    "ponytail",
    "braids",
    "curls",
    "afro",
    "bob",
    "beard",
    "locks",
}
HAIR_WORDS = (
    "blonde",
    "blond",
    "brunette",
    "redhead",
    "auburn",
    "ginger",
    "platinum blonde",
    "strawberry blonde",
)
STYLE_WORDS: dict[str, str] = {
    "bun": "bun",
    "ponytail": "ponytail",
    "braids": "braids",
    "braid": "braids",
    "braided": "braids",
    "cornrows": "braids",
    "dreadlocks": "braids",
    "locs": "braids",
    "afro": "afro",
    "bald": "bald",
    "shaved head": "bald",
    "buzz": "buzz",
    "buzzcut": "buzz",
    "crew cut": "buzz",
    "bob": "bob",
    "pixie": "short",
    "shoulder length": "bob",
}
HEADWEAR_WORDS = {
    "hijab": "hijab",
    "headscarf": "hijab",
    "head scarf": "hijab",
    "khimar": "hijab",
    "niqab": "hijab",
    "hijabi": "hijab",
}
LENGTHS = {"short": "short", "long": "long", "medium": "long", "cropped": "short"}
TEXTURES = ("curly", "wavy", "straight", "coily")
SETTING_WORDS: dict[str, str] = {
    "office": "office",
    "workplace": "office",
    "desk": "office",
    "studio": "studio",
    "park": "outdoor",
    "outdoor": "outdoor",
    "outdoors": "outdoor",
    "outside": "outdoor",
    "nature": "outdoor",
    "forest": "outdoor",
    "woods": "outdoor",
    "mountains": "outdoor",
    "campus": "outdoor",
    "track": "outdoor",
    "garden": "garden",
    "flowers": "garden",
    "courtyard": "garden",
    "gym": "gym",
    "beach": "beach",
    "seaside": "beach",
    "ocean": "beach",
    "city": "city",
    "street": "city",
    "urban": "city",
    "downtown": "city",
    "hospital": "hospital",
    "clinic": "hospital",
    "library": "library",
    "bookshelf": "library",
    "books": "library",
    "gala": "gala",
    "ballroom": "gala",
    "bokeh": "gala",
    "party": "gala",
    "cafe": "cafe",
    "coffee shop": "cafe",
    "restaurant": "cafe",
    "boutique": "boutique",
    "shop": "boutique",
    "plain background": "plain",
    "plain backdrop": "plain",
    "white background": "plain",
    "white backdrop": "plain",
    "simple background": "plain",
}
FEMALE = {
    "woman",
    "women",
    "female",
    "girl",
    "lady",
    "she",
    "her",
    "businesswoman",
    "mother",
    "grandmother",
    "grandma",
    "wife",
    "actress",
    "queen",
    "mom",
    "daughter",
    "feminine",
}
MALE = {
    "man",
    "men",
    "male",
    "boy",
    "guy",
    "he",
    "his",
    "him",
    "businessman",
    "father",
    "grandfather",
    "grandpa",
    "husband",
    "actor",
    "king",
    "dad",
    "son",
    "gentleman",
    "masculine",
}
ETHNIC_SKIN = [
    ("east asian", ("light", "fair", "medium")),
    ("south asian", ("brown", "tan")),
    ("asian", ("light", "medium", "tan")),
    ("african", ("dark", "deep", "brown")),
    ("black", ("dark", "deep", "brown")),
    ("hispanic", ("tan", "medium", "olive")),
    ("latin", ("tan", "medium", "olive")),
    ("latina", ("tan", "medium", "olive")),
    ("latino", ("tan", "medium", "olive")),
    ("middle eastern", ("olive", "tan")),
    ("arab", ("olive", "tan")),
    ("indian", ("brown", "tan")),
    ("caucasian", ("fair", "light")),
    ("european", ("fair", "light")),
    ("white", ("fair", "light")),
    ("pacific islander", ("tan", "brown")),
]
# Colours each clothing kind is drawn in when no colour is named.
KIND_COLORS: dict[str, tuple[str, ...]] = {
    "suit": ("navy", "charcoal", "grey", "black", "navy", "beige", "burgundy"),
    "blazer": ("navy", "charcoal", "cream", "black", "beige", "burgundy"),
    "scrubs": ("teal", "blue", "navy", "green", "teal"),
    "labcoat": ("white",),
    "sporty": ("red", "blue", "black", "teal", "purple", "orange", "pink"),
    "robe": ("gold", "red", "teal", "purple", "green"),
    "gown": ("emerald", "black", "wine", "navy", "crimson"),
    "raincoat": ("yellow", "red", "navy", "khaki"),
    "abaya": ("black", "dusty rose", "navy"),
    "kimono": ("indigo", "crimson", "teal", "pink"),
    "sari": ("crimson", "magenta", "teal"),
}
ANY_COLOR = (
    "red",
    "blue",
    "green",
    "navy",
    "grey",
    "beige",
    "burgundy",
    "yellow",
    "teal",
    "purple",
    "orange",
    "pink",
    "white",
    "black",
    "olive",
)
STOP = {
    "with",
    "in",
    "at",
    "on",
    "wearing",
    "and",
    ",",
    ".",
    ";",
    "a",
    "an",
    "the",
    "of",
    "under",
    "over",
    "holding",
    "beside",
    "near",
    "by",
    "for",
    "to",
}


def tokens(text: str) -> list[str]:
    """Lower-case words and punctuation marks of `text`; hyphens split words."""
    return re.findall(r"[a-z0-9]+|[,.;]", text.lower())


@lru_cache(maxsize=256)
def _split(phrases: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each phrase with its words, longest phrase first."""
    return tuple(sorted(((p, tuple(p.split())) for p in phrases), key=lambda h: -len(h[1])))


def find(words: Sequence[str], phrases: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, phrase) for every occurrence of any phrase, longest phrase first."""
    index: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        index.setdefault(word, []).append(i)
    hits: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for phrase, parts in _split(tuple(phrases)):
        for i in index.get(parts[0], ()):
            span = range(i, i + len(parts))
            if tuple(words[i : i + len(parts)]) == parts and not taken.intersection(span):
                hits.append((i, i + len(parts), phrase))
                taken.update(span)
    return sorted(hits)


@lru_cache(maxsize=256)
def _vocabulary(phrases: tuple[str, ...]) -> frozenset[str]:
    """Every word of the phrases."""
    return frozenset(w for p in phrases for w in p.split())


def described(words: Sequence[str], start: int, phrases: Sequence[str]) -> list[str]:
    """Phrases among the few words just before index `start` ("gold and green kente")."""
    vocabulary = _vocabulary(tuple(phrases))
    lo = start
    while lo > 0 and start - lo < 5:
        word = words[lo - 1]
        joins = word == "and" and lo > 1 and words[lo - 2] in vocabulary and lo < start
        if word in STOP and not joins:
            break
        lo -= 1
    return [p for _, _, p in find(words[lo:start], phrases)]


def before(words: Sequence[str], nouns: set[str], phrases: Sequence[str]) -> list[str]:
    """Phrases that describe one of `nouns` within a few words before it ("red curly hair")."""
    found: list[str] = []
    for i, word in enumerate(words):
        if word in nouns:
            found += [p for p in described(words, i, phrases) if p not in found]
    return found


def garments(words: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(kind, colours) of each garment named, outermost kind first."""
    hits = [
        (GARMENT_WORDS[p], described(words, s, list(CLOTH_COLORS)))
        for s, _, p in find(words, list(GARMENT_WORDS))
    ]
    return sorted(hits, key=lambda h: CLOTHING.index(h[0]))


def families(text: str) -> set[str]:
    """Which word families `text` names: clothing, hair_color, hair_style, headwear, eyes, setting."""
    words = tokens(text)
    named: set[str] = set()
    if find(words, list(GARMENT_WORDS)):
        named.add("clothing")
    if before(words, HAIR_NOUNS, list(HAIR_COLORS)) or find(words, list(HAIR_WORDS)):
        named.add("hair_color")
    if find(words, list(STYLE_WORDS)) or before(words, HAIR_NOUNS, [*LENGTHS, *TEXTURES]):
        named.add("hair_style")
    if find(words, list(HEADWEAR_WORDS)):
        named.add("headwear")
    if before(words, {"eyes", "eye", "eyed"}, list(EYE_COLORS)):
        named.add("eyes")
    if find(words, list(SETTING_WORDS)) or "background" in words or "backdrop" in words:
        named.add("setting")
    return named


def age_in(text: str, loose: bool) -> int | None:
    """Years from "30-40", "60+", "45 year old", "in her 60s", "elderly"; None if absent."""
    words = set(tokens(text))
    pattern = r"(\d{1,2})\s*(?:-|to)\s*(\d{1,2})|(\d{1,2})\s*(\+|s\b|-?\s*years?\b|yo\b)"
    match = re.search(pattern, text)
    if match and match.group(1):
        return (int(match.group(1)) + int(match.group(2))) // 2
    if match:
        return int(match.group(3)) + (5 if match.group(4) in ("+", "s") else 0)
    if loose and (lone := re.search(r"\d{1,2}", text)):
        return int(lone.group())
    if words & {
        "elderly",
        "senior",
        "retiree",
        "retired",
        "grandmother",
        "grandfather",
        "grandma",
        "grandpa",
        "aged",
        "pensioner",
        "old",
        "older",
    }:
        return 68
    if "middle" in words:
        return 48
    if words & {"teen", "teenager", "teenage"}:
        return 16
    if words & {"young", "youthful", "student"}:
        return 24
    return None
