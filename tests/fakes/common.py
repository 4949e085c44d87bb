"""Pieces shared by the fake providers: the effective-run record, input checks, image bytes."""

from __future__ import annotations

import base64
import binascii
import io
import json
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PIL import Image

FORMATS = {"png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp"), "jpeg": ("JPEG", "image/jpeg")}
EXTENSIONS = {"png": "png", "webp": "webp", "jpeg": "jpg"}


@dataclass(frozen=True)
class EffectiveRun:
    """What the provider really ran for one successful generation call."""

    route: str  # "replicate" | "fal-ai" | "endpoint" | "serverless" | "hf-inference"
    model: str  # replicate/fal: the provider model; endpoint: its base model; else the path's id
    lora: str | None  # the LoRA that ran (as given), None when no LoRA ran
    lora_scale: float | None  # EFFECTIVE scale (replicate: x1.5 with go_fast; fal: loras[0].scale)
    width: int
    height: int
    format: str  # "png" | "webp" | "jpeg"
    steps: int | None
    guidance: float | None
    seed: int | None  # the seed we asked for (None: the provider picked one at random)
    prompt: str
    dropped: tuple[str, ...]  # input names the provider ignored silently (sorted)
    image_input: bytes | None = None  # image-to-image input bytes as received, else None


class Rejected(Exception):  # noqa: N818 - a provider answer, not a bug
    """A provider refusal: the HTTP status and JSON body it answers with; nothing ran."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Field:
    """One declared input: JSON type, default, and the constraints the provider checks."""

    type: str  # "string" | "integer" | "number" | "boolean" | "array" | "object"
    default: Any = None
    choices: tuple[Any, ...] | None = None
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    required: bool = False


@dataclass(frozen=True)
class Problem:
    """Why one value failed its Field (kind: type | choice | ge | le | gt | missing)."""

    name: str
    kind: str
    value: Any
    field: Field


def _is_type(value: Any, kind: str) -> bool:
    """JSON-schema type test (bool is not a number; 3.0 counts as an integer)."""
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float)
    return isinstance(value, {"string": str, "array": list, "object": dict}[kind])


def _coerce(value: Any, kind: str) -> Any:
    """Pydantic-style lax coercion of JSON strings to numbers/booleans (fal); else unchanged."""
    if isinstance(value, str) and kind in ("integer", "number"):
        try:
            return int(value) if kind == "integer" else float(value)
        except ValueError:
            return value
    if isinstance(value, str) and kind == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def check_inputs(
    fields: dict[str, Field], given: dict[str, Any], *, lax: bool = False
) -> tuple[dict[str, Any], tuple[str, ...], list[Problem]]:
    """Split `given` into declared values (defaults filled), dropped names and problems."""
    dropped = tuple(sorted(k for k in given if k not in fields))
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, spec in fields.items():
        if name not in given or (given[name] is None and not spec.required):
            if spec.required:
                problems.append(Problem(name, "missing", None, spec))
            values[name] = spec.default
            continue
        value = _coerce(given[name], spec.type) if lax else given[name]
        kind = _first_problem(value, spec)
        if kind:
            problems.append(Problem(name, kind, value, spec))
            continue
        values[name] = int(value) if spec.type == "integer" else value
    return values, dropped, problems


def _first_problem(value: Any, spec: Field) -> str | None:
    """The first constraint `value` breaks, or None."""
    if not _is_type(value, spec.type):
        return "type"
    if spec.choices is not None and value not in spec.choices:
        return "choice"
    if spec.ge is not None and value < spec.ge:
        return "ge"
    if spec.le is not None and value > spec.le:
        return "le"
    if spec.gt is not None and value <= spec.gt:
        return "gt"
    return None


def compact(value: Any) -> str:
    """JSON without spaces, as serde_json prints values in Cog's messages."""
    return json.dumps(value, separators=(",", ":"))


def seed_colour(seed: int) -> tuple[int, int, int]:
    """A colour that depends on the seed, so two seeds give two different images."""
    rng = random.Random(seed)
    return rng.randrange(256), rng.randrange(256), rng.randrange(256)


@lru_cache(maxsize=64)
def encode(width: int, height: int, fmt: str, colour: tuple[int, int, int]) -> bytes:
    """Real image bytes of that size and format (cached: the suite asks for the same ones)."""
    pil_format, _ = FORMATS[fmt]
    options: dict[str, Any] = {
        "PNG": {"compress_level": 1},
        "WEBP": {"quality": 80, "method": 0},
        "JPEG": {"quality": 90},
    }[pil_format]
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format=pil_format, **options)
    return buffer.getvalue()


def render(width: int, height: int, fmt: str, seed: int) -> bytes:
    """The image a run produces: its size, its format, a colour from its seed."""
    return encode(width, height, fmt, seed_colour(seed))


def png_bytes(width: int = 64, height: int = 64, color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """A valid PNG of the given size."""
    return encode(width, height, "png", color)


def decode_data_url(value: Any) -> bytes | None:
    """The bytes of a `data:<mime>;base64,<...>` URL, None if it is not one."""
    if not isinstance(value, str) or not value.startswith("data:") or "," not in value:
        return None
    header, payload = value.split(",", 1)
    if not header.endswith(";base64"):
        return None
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of image bytes, None if Pillow cannot read them."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except OSError:
        return None


def closest(width: int, height: int, table: list[tuple[int, int]]) -> tuple[int, int]:
    """The (w, h) in `table` whose aspect ratio is closest to width/height."""
    ratio = width / height
    _, w, h = min((abs(ratio - w / h), w, h) for w, h in table)
    return w, h


def round16(value: int, up: bool = False) -> int:
    """Round to a multiple of 16 (down, or up), never below 16."""
    return max(16, (value + 15) // 16 * 16 if up else value // 16 * 16)
