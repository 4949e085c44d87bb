"""Deterministic prompt builder: preset, persona, attributes and user text to a FLUX prompt."""

from __future__ import annotations

import re
from dataclasses import dataclass

from avatar_core.presets_data import Persona, PresetData, VisualAttributes

__all__ = [
    "FRAMING_TERM",
    "MAX_PROMPT_CHARS",
    "NEGATIVE_PROMPT",
    "REALISM_NEGATIVE_PROMPT",
    "REALISM_TERMS",
    "BuiltPrompt",
    "build_prompt",
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


def _attribute_phrases(attributes: VisualAttributes) -> list[str]:
    """Turn visual attributes into prompt phrases (the persona carries the age)."""
    hair_style = _clean(attributes.hair_style).lower()
    hair_color = _clean(attributes.hair_color)
    if hair_style == "hijab":
        hair = "wearing a hijab"
    elif hair_style == "bald":
        hair = "bald"
    elif hair_style:
        hair = f"{hair_color} {hair_style} hair" if hair_color else f"{hair_style} hair"
    else:
        hair = f"{hair_color} hair" if hair_color else ""
    body = _clean(attributes.body_type)
    eyes = _clean(attributes.eye_color)
    skin = _clean(attributes.skin_tone)
    return [
        _clean(attributes.gender),
        _clean(attributes.ethnicity),
        f"{body} build" if body else "",
        hair,
        f"{eyes} eyes" if eyes else "",
        f"{skin} skin" if skin else "",
        _clean(attributes.style),
    ]


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


def build_prompt(
    user_text: str, *, preset: PresetData | None = None, realism: bool = False
) -> BuiltPrompt:
    """Build the positive and negative prompt; raise ValueError when there is nothing to draw."""
    user = _clean(user_text or "")
    if not user and preset is None:
        raise ValueError("A prompt or a preset is required.")

    parts: list[str] = []
    if preset is not None:
        parts.append(preset.prompt)
        parts.append(_persona_phrase(preset.persona))
        parts.extend(_attribute_phrases(preset.attributes))
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
