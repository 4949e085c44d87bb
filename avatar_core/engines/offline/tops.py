"""Clothing parts of suits, shirts, lab coats, jackets, hoodies and knitwear (see outfit.OUTFITS)."""

from __future__ import annotations

from collections.abc import Callable

from avatar_core.engines.offline.garments import dark
from avatar_core.engines.offline.paint import Color, Geo, Painter, arc, bezier, shade
from avatar_core.engines.offline.portrait import PortraitFeatures

Part = Callable[[Painter, PortraitFeatures, Geo], None]


def inner_v(color: Color) -> Part:
    """A part: the shirt or top showing in the V of an open jacket."""

    def part(p: Painter, f: PortraitFeatures, g: Geo) -> None:
        p.poly([(g.cx - g.nw * 1.5, g.shoulder_y), (g.cx + g.nw * 1.5, g.shoulder_y), (g.cx, 0.9)], color)

    return part


def tee_v(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The T-shirt showing between the open fronts of a jacket, in the accent colour."""
    tee = f.accent_rgb if f.accent_rgb != f.clothing_rgb else (240, 240, 238)
    p.poly(
        [
            (g.cx - g.sw * 0.5, g.shoulder_y),
            (g.cx + g.sw * 0.5, g.shoulder_y),
            (g.cx + g.sw * 0.5, 1.2),
            (g.cx - g.sw * 0.5, 1.2),
        ],
        tee,
    )


def shirt_collar(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """White shirt collar points."""
    cx, y, nw = g.cx, g.shoulder_y, g.nw
    for side in (-1, 1):
        pts = [
            (cx + side * nw * 1.02, y - 0.04),
            (cx + side * 0.003, y + 0.045),
            (cx + side * nw * 1.35, y + 0.05),
        ]
        p.poly(pts, (250, 250, 252))
        p.line(pts, (200, 204, 212), 0.003)


def collar(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Collar points of a button-down shirt in the shirt's colour."""
    cx, y, nw = g.cx, g.shoulder_y, g.nw
    for side in (-1, 1):
        pts = [
            (cx + side * nw * 1.05, y - 0.045),
            (cx + side * 0.01, y + 0.05),
            (cx + side * nw * 1.9, y + 0.035),
            (cx + side * nw * 1.6, y - 0.01),
        ]
        p.poly(pts, shade(f.clothing_rgb, 1.08))
        p.line(pts + pts[:1], dark(f.clothing_rgb), 0.004)


def tie(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A necktie, when the features have one."""
    if not f.tie:
        return
    cx, y, tie = g.cx, g.shoulder_y, f.accent_rgb
    p.poly(
        [(cx - 0.015, y + 0.035), (cx + 0.015, y + 0.035), (cx + 0.011, y + 0.062), (cx - 0.011, y + 0.062)],
        shade(tie, 0.85),
    )
    p.poly(
        [(cx - 0.011, y + 0.062), (cx + 0.011, y + 0.062), (cx + 0.03, 0.96), (cx, 1.0), (cx - 0.03, 0.96)],
        tie,
    )


def lapels(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Notched lapels of a suit, blazer or lab coat."""
    cx, y, nw, cloth = g.cx, g.shoulder_y, g.nw, f.clothing_rgb
    lapel = shade(cloth, 0.86 if sum(cloth) > 200 else 1.25)
    for side in (-1, 1):
        pts = [
            (cx + side * nw * 1.5, y),
            (cx + side * 0.004, 0.9),
            (cx + side * 0.072, 0.79),
            (cx + side * 0.11, 0.775),
            (cx + side * nw * 2.05, y + 0.02),
        ]
        p.poly(pts, lapel)
        p.line(pts[:2], shade(cloth, 0.7), 0.004)


def buttons(at: tuple[float, ...], size: float = 0.009) -> Part:
    """A part: buttons down the front at heights `at`."""

    def part(p: Painter, f: PortraitFeatures, g: Geo) -> None:
        for y in at:
            p.ellipse(g.cx + 0.004, y, size, size, dark(f.clothing_rgb))

    return part


def stethoscope(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A stethoscope hanging round the neck."""
    cx, y, nw, grey = g.cx, g.shoulder_y, g.nw, (70, 74, 84)
    p.line(
        bezier((cx - nw * 1.3, y - 0.01), (cx - 0.11, y + 0.08), (cx - 0.1, y + 0.16), (cx - 0.07, y + 0.2)),
        grey,
        0.008,
    )
    p.line(
        bezier(
            (cx + nw * 1.3, y - 0.01), (cx + 0.11, y + 0.08), (cx + 0.09, y + 0.14), (cx + 0.085, y + 0.17)
        ),
        grey,
        0.008,
    )
    p.ellipse(cx + 0.085, y + 0.185, 0.018, 0.018, (170, 176, 186))


def hood(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The hood lying round the back of the neck, rising beside it."""
    cx, y, nw = g.cx, g.shoulder_y, g.nw
    p.ellipse(cx, y - 0.02, nw * 2.7, 0.085, dark(f.clothing_rgb))
    p.ellipse(cx, y - 0.005, nw * 2.1, 0.06, shade(f.clothing_rgb, 0.65))


def hood_rim(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The rolled front edge of the hood."""
    p.line(arc(g.cx, g.shoulder_y + 0.006, g.nw * 1.5, 0.04, -15, 195, 18), dark(f.clothing_rgb), 0.02)


def drawstrings(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Two hoodie drawstrings."""
    for side in (-1, 1):
        p.line(
            [(g.cx + side * 0.024, g.shoulder_y + 0.04), (g.cx + side * 0.028, g.shoulder_y + 0.16)],
            (236, 236, 236),
            0.007,
        )


def rib(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A ribbed crew neckband."""
    wide = 0.018 if f.clothing == "sweater" else 0.011
    p.line(arc(g.cx, g.shoulder_y + 0.006, g.nw * 1.35, 0.034, 0, 180, 16), shade(f.clothing_rgb, 0.82), wide)


def knit(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Knitted cable columns down the front of a sweater (inside the torso)."""
    color = dark(f.clothing_rgb)
    for i in range(-4, 5):
        x = g.cx + i * g.sw * 0.16
        p.line([(x + 0.011 * (-1) ** k, g.shoulder_y + 0.06 + k * 0.0225) for k in range(15)], color, 0.005)
