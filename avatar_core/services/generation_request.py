"""What a user asks Generate for, and its checks: bad input is refused before anything is charged."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime

from avatar_core.domain.aspects import ASPECTS, SQUARE, Aspect, aspect_of, parse_aspect
from avatar_core.domain.errors import ValidationError
from avatar_core.domain.presets_data import PresetData
from avatar_core.domain.prompts import MAX_PROMPT_CHARS
from avatar_core.infra.models import Generation
from avatar_core.services.projects import clean_name

MAX_SEED = 2**31 - 1
MIN_SIZE, MAX_SIZE = 256, 2048


@dataclass(frozen=True)
class GenerationRequest:
    """What a user asks for; everything but a prompt or preset is optional."""

    prompt: str = ""
    preset: str | None = None
    model: str | None = None
    prefer_realism: bool = False
    prefer_hd: bool = False
    fast: bool = False
    seed: int | None = None
    size: int | None = None
    aspect: Aspect = SQUARE  # the image's shape: the catalog row's area reshaped (text avatars)
    from_photo: bool = False  # "From my photo": a likeness model edits the user's photo
    photo_id: int | None = None  # the uploaded photo (required with from_photo to generate)
    project_id: int | None = None  # one of the user's projects (default "My avatars")
    name: str = ""  # the avatar's name (default: the preset's name or the prompt's first words)
    idempotency_key: str | None = None  # a retry with the same key returns the first generation

    @property
    def is_auto(self) -> bool:
        """True for a plain Auto request: no model, mode, preference or size asked for."""
        return not (
            self.model or self.from_photo or self.prefer_realism or self.prefer_hd or self.fast or self.size
        )

    @property
    def digest(self) -> str:
        """The SHA-256 of what is asked (everything but the idempotency key)."""
        asked = {k: v for k, v in asdict(self).items() if k != "idempotency_key"}
        return hashlib.sha256(json.dumps(asked, sort_keys=True, default=str).encode()).hexdigest()


class Replay(Exception):
    """The request's idempotency key was used before: answer with that generation."""

    def __init__(self, generation_id: int) -> None:
        super().__init__(generation_id)
        self.generation_id = generation_id


class KeyReused(ValidationError):
    """An idempotency key used before with another request (never answered with the first)."""

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used for a different request; use a new key.")


@dataclass(frozen=True)
class Source:
    """The user's photo for a likeness avatar: its cleaned bytes and when consent was given."""

    image: bytes
    consent_at: datetime


@dataclass(frozen=True)
class Draft:
    """A checked request: the cleaned text, the preset, the seed and the source photo, if any."""

    text: str
    preset: PresetData | None
    seed: int
    source: Source | None = None


def printable(text: str) -> str:
    """`text` without control characters and lone surrogates (NUL is refused by PostgreSQL)."""
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cs"))


def validate(request: GenerationRequest) -> tuple[str, int | None]:
    """The cleaned user text and seed; ValidationError for anything out of range."""
    text = " ".join(printable(request.prompt or "").split())
    if len(text) > MAX_PROMPT_CHARS:
        raise ValidationError(f"The prompt is too long: at most {MAX_PROMPT_CHARS} characters.")
    if not text and not request.preset:
        raise ValidationError("Write a prompt or pick a preset.")
    if request.seed is not None and not 0 <= request.seed <= MAX_SEED:
        raise ValidationError(f"The seed must be between 0 and {MAX_SEED}.")
    if request.size is not None and not MIN_SIZE <= request.size <= MAX_SIZE:
        raise ValidationError(f"The size must be between {MIN_SIZE} and {MAX_SIZE} pixels.")
    if request.aspect not in ASPECTS:
        parse_aspect(request.aspect)  # raises, naming the choices
    if request.from_photo and request.aspect != SQUARE:
        raise ValidationError("“From my photo” keeps your photo's framing: use the square aspect ratio.")
    key = request.idempotency_key
    if key is not None and not (0 < len(key) <= 128 and printable(key) == key):
        raise ValidationError("An idempotency key is 1-128 printable characters.")
    if request.name.strip():
        clean_name(request.name, "avatar", 120)
    return text, request.seed


def avatar_name(request: GenerationRequest, draft: Draft) -> str:
    """The name given, else the preset's name, else the prompt's first words."""
    if request.name.strip():
        return clean_name(request.name, "avatar", 120)
    if draft.preset is not None:
        return draft.preset.name + (" (from my photo)" if draft.source is not None else "")
    words = draft.text.split()
    return (" ".join(words[:6]) + ("…" if len(words) > 6 else ""))[:120] or "Avatar"


def recipe_request(gen: Generation) -> GenerationRequest:
    """The request that makes a stored avatar again: its recipe (prompt, preset, model, seed, shape)
    in its project. "Use these settings again" and Variations (new seeds) both start here."""
    return GenerationRequest(
        prompt=gen.user_prompt,
        preset=gen.preset_key,
        model=gen.model_key,
        seed=gen.seed,
        aspect=aspect_of(gen.width, gen.height),
        project_id=gen.project_id,
    )
