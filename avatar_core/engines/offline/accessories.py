"""Accessories worn on the face of an offline portrait, table-driven: glasses and sunglasses."""

from __future__ import annotations

import random
from dataclasses import dataclass

from avatar_core.engines.offline.paint import Color, Geo, Painter, arc
from avatar_core.engines.offline.portrait import PortraitFeatures


@dataclass(frozen=True)
class Spectacles:
    """One kind of glasses: the lens fill and the frame colours (one is picked by the seed)."""

    lens: Color
    frames: tuple[Color, ...]


SPECTACLES: dict[str, Spectacles] = {
    "sunglasses": Spectacles((20, 24, 30, 215), ((34, 32, 36),)),
    "glasses": Spectacles((255, 255, 255, 40), ((34, 32, 36), (120, 70, 40), (150, 120, 60), (60, 70, 110))),
}


def glasses(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Glasses or sunglasses over the eyes, as SPECTACLES describes them."""
    kind = SPECTACLES.get(f.glasses, SPECTACLES["glasses"])
    frame = kind.frames[0] if len(kind.frames) == 1 else random.Random(f.scene_seed).choice(kind.frames)
    lens = kind.lens
    for side in (-1, 1):
        ex = g.cx + side * g.eye_dx + g.dx
        flat = p.box(ex, g.eye_y + 0.001, 0.04, 0.027)
        p.d.rounded_rectangle(flat, radius=0.016 * p.s, fill=lens)  # type: ignore[arg-type]
        p.d.rounded_rectangle(
            flat,
            radius=0.016 * p.s,
            outline=frame,  # type: ignore[arg-type]
            width=max(1, round(0.006 * p.s)),
        )
        p.line(
            [(ex + side * 0.04, g.eye_y - 0.015), (g.cx + side * g.fw * 0.99, g.eye_y - 0.005)], frame, 0.006
        )
    p.line(arc(g.cx + g.dx, g.eye_y - 0.008, 0.015, 0.008, 200, 340, 8), frame, 0.006)
