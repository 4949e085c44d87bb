"""Deterministic prompt builder: preset, persona, attributes and user text to a FLUX prompt."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from avatar_core.domain.presets_data import Persona, PresetData, VisualAttributes
from avatar_core.domain.words import GARMENT_WORDS, families, find, tokens

__all__ = [
    "FRAMING_TERM",
    "MAX_PROMPT_CHARS",
    "NEGATIVE_PROMPT",
    "REALISM_NEGATIVE_PROMPT",
    "REALISM_TERMS",
    "BuiltPrompt",
    "Replaced",
    "build_prompt",
    "replaced",
]

MAX_PROMPT_CHARS = 1000
"""The longest user text (in characters) the service accepts."""

REALISM_TERMS: tuple[str, ...] = (
    "photorealistic",
    "ultra detailed skin texture",
    "natural lighting",
    "85mm lens",
    "sharp focus",
    "high resolution",
)
FRAMING_TERM = "head and shoulders portrait"
_FRAMING_MARKERS: tuple[str, ...] = ("head and shoulders", "headshot")

_BASE_NEGATIVE_TERMS: tuple[str, ...] = (
    "blurry",
    "low quality",
    "deformed",
    "disfigured",
    "extra fingers",
    "extra limbs",
    "watermark",
    "text",
    "logo",
    "cartoon",
)
_REALISM_NEGATIVE_TERMS: tuple[str, ...] = ("painting", "illustration", "3d render", "cgi")

NEGATIVE_PROMPT = ", ".join(_BASE_NEGATIVE_TERMS)
REALISM_NEGATIVE_PROMPT = ", ".join(_BASE_NEGATIVE_TERMS + _REALISM_NEGATIVE_TERMS)

_WHITESPACE = re.compile(r"\s+")
_COMMA_RUN = re.compile(r"\s*,[\s,]*")


@dataclass(frozen=True)
class BuiltPrompt:
    """The positive and negative prompt sent to the engine."""

    prompt: str
    negative_prompt: str


def _clean(text: str) -> str:
    """Collapse whitespace and comma runs, and trim stray commas and spaces at the ends."""
    text = _WHITESPACE.sub(" ", text)
    text = _COMMA_RUN.sub(", ", text)
    return text.strip(" ,")


def _join_traits(traits: tuple[str, ...]) -> str:
    """Join traits as "a", "a and b" or "a, b and c"."""
    cleaned = [t for t in (_clean(trait) for trait in traits) if t]
    if len(cleaned) <= 1:
        return "".join(cleaned)
    return f"{', '.join(cleaned[:-1])} and {cleaned[-1]}"


def _persona_phrase(persona: Persona) -> str:
    """Describe the persona as one comma-separated phrase."""
    parts = [f"portrait of {_clean(persona.name)}" if _clean(persona.name) else ""]
    if persona.age > 0:
        parts.append(f"{persona.age} years old")
    parts.append(_join_traits(persona.personality))
    return ", ".join(part for part in parts if part)


def _hair_phrase(attributes: VisualAttributes, named: AbstractSet[str]) -> str:
    """The preset's hair, without what the user's words name (colour, style, a headscarf)."""
    style = _clean(attributes.hair_style).lower()
    color = "" if "hair_color" in named else _clean(attributes.hair_color)
    if "headwear" in named or (style == "hijab" and "hair_style" in named):
        return ""
    if style == "hijab":
        return "wearing a hijab"
    if style == "bald":
        return "" if "hair_style" in named else "bald"
    style = "" if "hair_style" in named else style
    return _clean(f"{color} {style} hair") if color or style else ""


def _attribute_phrases(attributes: VisualAttributes, named: AbstractSet[str] = frozenset()) -> list[str]:
    """Turn visual attributes into prompt phrases, leaving out the families in `named`."""
    body = _clean(attributes.body_type)
    eyes = "" if "eyes" in named else _clean(attributes.eye_color)
    skin = _clean(attributes.skin_tone)
    return [
        _clean(attributes.gender),
        _clean(attributes.ethnicity),
        f"{body} build" if body else "",
        _hair_phrase(attributes, named),
        f"{eyes} eyes" if eyes else "",
        f"{skin} skin" if skin else "",
        "" if "clothing" in named else _clean(attributes.style),
    ]


_HIJAB_CLAUSES = (
    re.compile(r"\s+with\s+(?:an?\s+)?(?:\w+\s+)?hijab\b"),
    re.compile(r"\b(?:an?\s+)?(?:\w+\s+)?hijab\s+and\s+"),
)


def _without_clothes(phrase: str) -> str:
    """`phrase` without its "in/wearing ... <garment> ..." clause."""
    words = tokens(phrase)
    if not find(words, list(GARMENT_WORDS)):
        return phrase
    for match in re.finditer(r"\s+(?:in|wearing)\s+", phrase):
        if find(tokens(phrase[match.start() :]), list(GARMENT_WORDS)):
            return phrase[: match.start()]
    return phrase


def _preset_prompt(prompt: str, named: AbstractSet[str]) -> str:
    """The preset's own prompt without its phrases about what the user's words name."""
    if "headwear" not in named and "hair_style" in named:
        for clause in _HIJAB_CLAUSES:
            prompt = clause.sub("", prompt)
    phrases = _clean(prompt).split(", ")
    if "clothing" in named:
        phrases = [_without_clothes(p) for p in phrases]
    if "setting" in named:
        phrases = [p for p in phrases if not {"background", "backdrop"} & set(tokens(p))]
    return ", ".join(phrases)


def _dedupe(parts: list[str]) -> list[str]:
    """Split parts into comma phrases and drop empty and case-insensitive repeats."""
    seen: set[str] = set()
    phrases: list[str] = []
    for part in parts:
        for phrase in _clean(part).split(", "):
            key = phrase.lower()
            if phrase and key not in seen:
                seen.add(key)
                phrases.append(phrase)
    return phrases


def build_prompt(user_text: str, *, preset: PresetData | None = None, realism: bool = False) -> BuiltPrompt:
    """Build the positive and negative prompt; raise ValueError when there is nothing to draw."""
    user = _clean(user_text or "")
    if not user and preset is None:
        raise ValueError("A prompt or a preset is required.")

    parts: list[str] = []
    if preset is not None:
        named = families(user)  # the user's words win over the preset's for these
        parts.append(_preset_prompt(preset.prompt, named))
        parts.append(_persona_phrase(preset.persona))
        parts.extend(_attribute_phrases(preset.attributes, named))
    parts.append(user)
    if realism:
        parts.extend(REALISM_TERMS)

    phrases = _dedupe(parts)
    if not phrases:
        raise ValueError("A prompt or a preset is required.")
    lowered = ", ".join(phrases).lower()
    if not any(marker in lowered for marker in _FRAMING_MARKERS):
        phrases.append(FRAMING_TERM)

    negative = REALISM_NEGATIVE_PROMPT if realism else NEGATIVE_PROMPT
    return BuiltPrompt(prompt=", ".join(phrases), negative_prompt=negative)


@dataclass(frozen=True)
class Replaced:
    """Words of a preset that the user's words leave out of the prompt, and what they describe."""

    words: str  # as the preset says them: "hijab", "black", "elegant boutique background"
    what: str  # "hair", "eyes", "clothing" or "setting"


_FILLER = frozenset({"a", "an", "the", "in", "wearing", "with", "and", "hair", "eyes"})


def _left_out(before: str, now: str) -> str:
    """The words of `before` that `now` no longer has, fillers aside ("wearing a hijab" → "hijab")."""
    kept = set(now.lower().split())
    return " ".join(w for w in before.split() if w.lower() not in kept and w.lower() not in _FILLER)


def _attribute_losses(attributes: VisualAttributes, named: AbstractSet[str]) -> dict[str, str]:
    """What `_attribute_phrases` leaves out for `named`, by what it describes."""
    hair = _left_out(_hair_phrase(attributes, frozenset()), _hair_phrase(attributes, named))
    return {
        "hair": hair,
        "eyes": _clean(attributes.eye_color) if "eyes" in named else "",
        "clothing": _clean(attributes.style) if "clothing" in named else "",
    }


def _prompt_losses(prompt: str, named: AbstractSet[str]) -> dict[str, str]:
    """What `_preset_prompt` leaves out of the preset's own prompt for `named`, by what it describes."""
    found = {"hair": "", "clothing": "", "setting": ""}
    if "headwear" not in named and "hair_style" in named:
        for clause in _HIJAB_CLAUSES:
            cut = [_left_out(m.group(), "") for m in clause.finditer(prompt)]
            found["hair"] = found["hair"] or " ".join(cut)
            prompt = clause.sub("", prompt)
    phrases = _clean(prompt).split(", ")
    if "clothing" in named:
        cut = [p[len(_without_clothes(p)) :] for p in phrases]
        found["clothing"] = "; ".join(_left_out(c, "") for c in cut if c.strip())
    if "setting" in named:
        found["setting"] = "; ".join(p for p in phrases if {"background", "backdrop"} & set(tokens(p)))
    return found


def replaced(user_text: str, preset: PresetData) -> tuple[Replaced, ...]:
    """The preset's words that `build_prompt` leaves out because the user's words name the same
    thing (hair, headscarf, eyes, clothing, setting): what the preset's attributes said, else what
    its own prompt said. Words the user also wrote are not "replaced"."""
    user = _clean(user_text or "")
    named = families(user)
    if not named:
        return ()
    said = set(tokens(user))
    attributes = _attribute_losses(preset.attributes, named)
    prompt = _prompt_losses(preset.prompt, named)
    found: list[Replaced] = []
    for what in ("hair", "eyes", "clothing", "setting"):
        words = attributes.get(what) or prompt.get(what, "")
        if words and not set(tokens(words)) <= said:
            found.append(Replaced(words, what))
    return tuple(found)
