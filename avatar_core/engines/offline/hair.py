"""The hair of an offline portrait, table-driven: what each style draws behind and on the head."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from avatar_core.engines.offline.paint import Geo, Painter, Pt, arc, bezier, mix, shade
from avatar_core.engines.offline.portrait import PortraitFeatures

BackHair = Callable[[Painter, PortraitFeatures, Geo], None]
CapLine = Callable[[PortraitFeatures, Geo], list[Pt]]


def _wavy(pts: Sequence[Pt], amp: float, freq: float, cx: float) -> list[Pt]:
    """Pushes points in and out sideways along y, for wavy or curly outlines."""
    dense: list[Pt] = []
    for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
        n = max(1, int(math.hypot(x1 - x0, y1 - y0) / 0.004))
        dense += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n)]
    dense.append(pts[-1])
    return [(x + math.copysign(amp * math.sin(y * freq), x - cx), y) for x, y in dense]


def _afro(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A round cloud of curls behind the head."""
    rng = random.Random(f.scene_seed)
    p.ellipse(g.cx, g.cy - 0.04, g.fw * 1.75, g.fh * 1.45, f.hair_rgb)
    for a in range(0, 360, 20):
        rr = rng.uniform(0.035, 0.05)
        x, y = arc(g.cx, g.cy - 0.04, g.fw * 1.72, g.fh * 1.42, a, a, 1)[0]
        p.ellipse(x, y, rr, rr, f.hair_rgb)


def _ponytail(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A ponytail swinging out on the side of the parting, with its band."""
    cx, cy, fw, fh, side = g.cx, g.cy, g.fw, g.fh, f.part
    p.poly(
        bezier(
            (cx + side * fw * 0.7, cy - fh * 0.85),
            (cx + side * fw * 1.7, cy - fh),
            (cx + side * fw * 1.55, cy + 0.12),
            (cx + side * fw * 1.25, cy + 0.26),
        )
        + bezier(
            (cx + side * fw * 1.25, cy + 0.26),
            (cx + side * fw * 1.1, cy + 0.1),
            (cx + side * fw * 1.1, cy - fh * 0.2),
            (cx + side * fw * 0.6, cy - fh * 0.5),
        ),
        f.hair_rgb,
    )
    p.ellipse(cx + side * fw * 0.92, cy - fh * 0.78, 0.016, 0.02, f.accent_rgb)


def _bald_fringe(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The hair left above the ears of an older bald head."""
    if f.age > 45:
        for side in (-1, 1):
            p.ellipse(g.cx + side * g.fw * 0.9, g.cy + 0.005, 0.04, 0.065, f.hair_rgb)


def _braids(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Two braids hanging beside the neck."""
    for side in (-1, 1):
        for i in range(9):
            y = g.cy + 0.02 + i * 0.034
            p.ellipse(
                g.cx + side * (g.fw * 1.02 + i * 0.004),
                y,
                0.026,
                0.022,
                shade(f.hair_rgb, 1.0 if i % 2 else 0.85),
            )


def _flowing(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Long hair or a bob falling behind the head, straight, wavy or curly."""
    cx, cy, fw, fh, hair = g.cx, g.cy, g.fw, g.fh, f.hair_rgb
    long = f.hair_style == "long"
    bottom = 0.80 if long else cy + fh * 1.05
    width = fw * (1.42 if long else 1.3)
    if f.hair_texture == "curly":
        width *= 1.12
    top = arc(cx, cy - 0.01, fw * 1.16, fh * 1.14, 180, 360, 20)
    right = bezier(
        (cx + fw * 1.16, cy), (cx + fw * 1.25, cy + 0.1), (cx + width, bottom - 0.12), (cx + width, bottom)
    )
    inner = [(cx + fw * 0.85, bottom), (cx + fw * 0.8, cy + fh * 1.0), (cx, cy + fh * 0.9)]
    if not long:
        inner = [(cx + fw * 0.9, bottom), (cx, bottom - 0.02)]
    half = right + inner
    mirror = [(2 * cx - x, y) for x, y in reversed(half)]
    outline = top + half + mirror[1:]
    if f.hair_texture in ("wavy", "curly"):
        amp = 0.01 if f.hair_texture == "wavy" else 0.016
        outline = _wavy(outline, amp, 60 if f.hair_texture == "wavy" else 110, cx)
    p.poly(outline, hair)
    if f.hair_texture == "curly":
        for x, y in outline[::2]:
            if y > cy - fh * 0.5:
                p.ellipse(x, y, 0.02, 0.02, hair)


# What each style draws behind the head and beside the neck (other styles: nothing).
BACK_HAIR: dict[str, BackHair] = {
    "afro": _afro,
    "ponytail": _ponytail,
    "bald": _bald_fringe,
    "braids": _braids,
    "long": _flowing,
    "bob": _flowing,
}


def paint_back_hair(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Hair behind the head and beside the neck, as BACK_HAIR lists it for the style."""
    if back := BACK_HAIR.get(f.hair_style):
        back(p, f, g)


def _buzz_line(f: PortraitFeatures, g: Geo) -> list[Pt]:
    """A close crop: a thin cap with a rounded hairline."""
    cx, cy, fw, fh = g.cx, g.cy, g.fw, g.fh
    top = arc(cx, cy - 0.004, fw * 1.03, fh * 1.04, 185, 355, 24)
    line = bezier(
        (cx + fw * 0.99, cy - 0.04),
        (cx + fw * 0.6, cy - fh * 0.72),
        (cx - fw * 0.6, cy - fh * 0.72),
        (cx - fw * 0.99, cy - 0.04),
    )
    return top + line


def _cap_top(f: PortraitFeatures, g: Geo) -> list[Pt]:
    """The crown of a full head of hair (bigger for an afro)."""
    big = 1.2 if f.hair_style == "afro" else 1.1
    return arc(g.cx, g.cy - 0.012, g.fw * big, g.fh * (big + 0.02), 172, 368, 28)


def _temples(f: PortraitFeatures, g: Geo) -> tuple[Pt, Pt]:
    """Where the hairline meets the temples, right and left (lower for long hair and bobs)."""
    down = 0.05 if f.hair_style in ("long", "bob") else 0.0
    return (g.cx + g.fw * 1.0, g.cy + down - 0.01), (g.cx - g.fw * 1.0, g.cy + down - 0.01)


def _tied_line(f: PortraitFeatures, g: Geo) -> list[Pt]:
    """Hair pulled back (bun, ponytail, braids): a smooth arch over the forehead."""
    cx, cy, fw, fh = g.cx, g.cy, g.fw, g.fh
    r_temple, l_temple = _temples(f, g)
    return _cap_top(f, g) + bezier(
        r_temple, (cx + fw * 0.7, cy - fh * 0.85), (cx - fw * 0.7, cy - fh * 0.85), l_temple
    )


def _parted_line(f: PortraitFeatures, g: Geo) -> list[Pt]:
    """Loose hair: a hairline swept from a side parting (mirrored for a left parting)."""
    cx, cy, fw, fh = g.cx, g.cy, g.fw, g.fh
    r_temple, l_temple = _temples(f, g)
    peak = (cx + fw * 0.45, cy - fh * 0.66)
    line = bezier(
        r_temple, (cx + fw * 0.95, cy - fh * 0.45), (cx + fw * 0.75, cy - fh * 0.62), peak
    ) + bezier(peak, (cx + fw * 0.1, cy - fh * 0.35), (cx - fw * 0.85, cy - fh * 0.45), l_temple)
    if f.part < 0:
        line = [(2 * cx - x, y) for x, y in reversed(line)]
    return _cap_top(f, g) + line


# The outline of the hair on top of the head per style (None: no hair there; others: parted).
HAIR_CAPS: dict[str, CapLine | None] = {
    "bald": None,
    "hijab": None,
    "buzz": _buzz_line,
    "bun": _tied_line,
    "ponytail": _tied_line,
    "braids": _tied_line,
}


def hair_cap(f: PortraitFeatures, g: Geo) -> list[Pt] | None:
    """Outline of the hair on top of the head, down to the hairline; None when bald."""
    cap = HAIR_CAPS.get(f.hair_style, _parted_line)
    return None if cap is None else cap(f, g)


def paint_hair(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The hair on top of the head with its shadow on the forehead, or a bald head's shine."""
    cap = hair_cap(f, g)
    if cap is None:
        if f.hair_style == "bald":
            p.line(
                arc(g.cx, g.cy - 0.01, g.fw * 0.8, g.fh * 0.9, 215, 250, 8),
                mix(f.skin_rgb, (255, 255, 255), 0.25),
                0.012,
            )
        return
    face = g.face()
    p.masked(
        shade(f.skin_rgb, 0.82),
        (g.cx - g.fw, g.cy - g.fh, g.cx + g.fw, g.cy + g.fh),
        lambda q: q.poly([(x, y + 0.012) for x, y in cap], 255),
        lambda q: q.poly(face, 255),
    )
    if f.hair_style == "bun":
        p.ellipse(g.cx, g.cy - g.fh * 1.15, 0.055, 0.05, f.hair_rgb)
    color = mix(f.skin_rgb, f.hair_rgb, 0.75) if f.hair_style == "buzz" else f.hair_rgb
    p.poly(cap, color)
    if f.hair_texture == "curly" and f.hair_style not in ("buzz", "bun", "ponytail"):
        for x, y in cap[::3]:
            p.ellipse(x, y, 0.022, 0.022, color)
    if f.hair_style != "buzz" and f.hair_texture != "curly":
        sheen = mix(color, (255, 255, 255), 0.18 if sum(color) < 300 else 0.3)
        p.line(arc(g.cx, g.cy - 0.012, g.fw * 0.86, g.fh * 0.96, 218, 250, 8), sheen, 0.008)
