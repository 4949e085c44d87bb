"""The word-family finder: tokens, phrases in a prompt and what they describe, ages.

The tables it reads (colours, garments, hair, settings, ...) are data in `word_tables`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from avatar_core.domain.word_tables import (
    CLOTH_COLORS,
    CLOTHING,
    EYE_COLORS,
    GARMENT_WORDS,
    HAIR_COLORS,
    HAIR_NOUNS,
    HAIR_WORDS,
    HEADWEAR_WORDS,
    LENGTHS,
    SETTING_WORDS,
    STOP,
    STYLE_WORDS,
    TEXTURES,
)


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
