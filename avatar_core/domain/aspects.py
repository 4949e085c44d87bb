"""The aspect ratios a user can ask for, and the size a catalog row makes at each (pure rules)."""

from __future__ import annotations

import math
from typing import Literal, cast, get_args

from avatar_core.domain.errors import ValidationError

Aspect = Literal["1:1", "3:4", "4:5", "4:3"]
ASPECTS: tuple[Aspect, ...] = get_args(Aspect)
SQUARE: Aspect = "1:1"
# Portrait 3:4 and 4:5, landscape 4:3: each is in cog-flux's ASPECT_RATIOS and fal takes any WxH.
LABELS: dict[Aspect, str] = {
    "1:1": "Square 1:1",
    "3:4": "Portrait 3:4",
    "4:5": "Portrait 4:5",
    "4:3": "Landscape 4:3",
}


def parse_aspect(value: str | None) -> Aspect:
    """`value` as an Aspect (None or "" is square); ValidationError naming the choices otherwise."""
    if value is None or value == "":
        return SQUARE
    if value in ASPECTS:
        return cast(Aspect, value)
    raise ValidationError(f"The aspect ratio must be one of {', '.join(ASPECTS)}.")


def round16(value: float) -> int:
    """`value` rounded to the nearest multiple of 16 (FLUX latents are 16-pixel aligned), at least 16."""
    return max(16, int(round(value / 16)) * 16)


def shaped(width: int, height: int, aspect: Aspect) -> tuple[int, int]:
    """The catalog size `width` x `height` reshaped to `aspect` at about the same area (multiples of 16).

    A square row asked for square keeps its size exactly.
    """
    if aspect == SQUARE and width == height:
        return width, height
    w, h = (int(part) for part in aspect.split(":"))
    area = width * height
    return round16(math.sqrt(area * w / h)), round16(math.sqrt(area * h / w))


def aspect_of(width: int, height: int) -> Aspect:
    """The offered aspect ratio closest to a made size (896x1088 is 4:5)."""
    return min(ASPECTS, key=lambda a: abs(math.log(width / height * int(a[2]) / int(a[0]))))
