"""Clothing parts of traditional, sports, formal-wear and outdoor outfits (see portrait_outfit)."""

from __future__ import annotations

import random
from collections.abc import Callable

from avatar_core.engines.offline.paint import Color, Geo, Painter, arc, bezier, mix, shade, torso
from avatar_core.engines.offline.portrait import PortraitFeatures

GOLD = (214, 176, 84)
WHITE_COLLAR = (246, 244, 236)


def dark(c: Color) -> Color:
    """A fold or seam shade of `c` (lighter on very dark cloth)."""
    return shade(c, 0.8 if sum(c) > 200 else 1.4)


def in_torso(p: Painter, g: Geo, fill: Color | Callable[[Painter], None]) -> None:
    """Paint `fill` (a colour or a painting) clipped to the torso."""
    p.masked(
        fill,
        (g.cx - g.sw * 1.1, g.shoulder_y - 0.06, g.cx + g.sw * 1.1, 1.2),
        lambda q: q.poly(torso(g), 255),
    )


def stripes(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Contrast stripes over the shoulders and a zip of a sports top."""
    cx, y = g.cx, g.shoulder_y
    acc = f.accent_rgb if f.accent_rgb != f.clothing_rgb else (240, 240, 240)

    def paint(q: Painter) -> None:
        for side in (-1, 1):
            q.line([(cx + side * g.nw * 1.3, y - 0.01), (cx + side * g.sw * 1.1, y + 0.2)], acc, 0.026)

    in_torso(p, g, paint)
    p.line([(cx, y + 0.02), (cx, 1.2)], shade(dark(f.clothing_rgb), 0.8), 0.006)


def mock_collar(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A high band collar round the base of the neck."""
    cx, y, nw = g.cx, g.shoulder_y, g.nw
    p.poly(
        [
            (cx - nw * 1.12, y - 0.035),
            (cx + nw * 1.12, y - 0.035),
            (cx + nw * 1.25, y + 0.02),
            (cx - nw * 1.25, y + 0.02),
        ],
        dark(f.clothing_rgb),
    )


def v_trim(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The piped edge of a scrubs V-neck."""
    cx, y, nw = g.cx, g.shoulder_y, g.nw
    p.line([(cx - nw * 1.2, y - 0.01), (cx, y + 0.1), (cx + nw * 1.2, y - 0.01)], dark(f.clothing_rgb), 0.014)


def pocket(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A chest pocket."""
    y = g.shoulder_y
    p.poly(
        [(g.cx + 0.1, y + 0.13), (g.cx + 0.17, y + 0.13), (g.cx + 0.17, 1.1), (g.cx + 0.1, 1.1)],
        dark(f.clothing_rgb),
    )


def necklace(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A fine gold chain with a pendant, when the features have one."""
    if f.necklace:
        cx, y = g.cx, g.shoulder_y
        p.line(arc(cx, y - 0.02, g.nw * 1.1, 0.05, 20, 160, 16), GOLD, 0.004)
        p.ellipse(cx, y + 0.032, 0.007, 0.009, GOLD)


def sheen(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Satin highlights on a gown's bodice."""
    light = mix(f.clothing_rgb, (255, 255, 255), 0.28)
    for side, k in ((-1, 1.0), (1, 0.6)):
        x = g.cx + side * g.sw * 0.3
        p.line(
            bezier((x, g.shoulder_y + 0.09), (x + 0.01, 0.8), (x - 0.01, 0.88), (x, 1.0)), light, 0.012 * k
        )


def cap_sleeves(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Seams of short cap sleeves and a waist seam of a dress."""
    cx, y, sw = g.cx, g.shoulder_y, g.sw
    for side in (-1, 1):
        p.line(
            bezier(
                (cx + side * sw * 0.62, y + 0.02),
                (cx + side * sw * 0.58, y + 0.1),
                (cx + side * sw * 0.6, y + 0.2),
                (cx + side * sw * 0.66, y + 0.3),
            ),
            dark(f.clothing_rgb),
            0.006,
        )
    p.line(arc(cx, 0.93, sw * 0.55, 0.02, 0, 180, 16), dark(f.clothing_rgb), 0.008)


def folds(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Long soft folds of a flowing robe."""
    color = dark(f.clothing_rgb)
    for x in (-0.55, -0.3, 0.3, 0.55):
        x0 = g.cx + x * g.sw
        p.line(
            bezier((x0, g.shoulder_y + 0.05), (x0 + 0.02, 0.8), (x0 - 0.02, 0.9), (x0 + 0.01, 1.1)),
            color,
            0.006,
        )


def trim(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Embroidered bands down the front opening of an abaya."""
    band = mix(f.clothing_rgb, f.accent_rgb, 0.6)
    for side in (-1, 1):
        x = g.cx + side * 0.03
        p.line([(x, g.shoulder_y), (x + side * 0.01, 1.1)], band, 0.018)
        for k in range(6):
            p.ellipse(x + side * 0.004, g.shoulder_y + 0.04 + k * 0.05, 0.005, 0.005, GOLD)


def cross_collar(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A kimono's crossed collar: a white under-collar and the wide collar band, left over right."""
    cx, y, nw = g.cx, g.shoulder_y, g.nw
    band = dark(f.clothing_rgb)
    for side in (-1, 1):
        p.line([(cx + side * nw * 1.15, y - 0.035), (cx - side * 0.03, 0.9)], WHITE_COLLAR, 0.034)
    for side in (-1, 1):
        p.line([(cx + side * nw * 1.6, y - 0.03), (cx - side * 0.005, 0.96)], band, 0.03)


def obi(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A wide obi sash with a cord."""
    color = f.accent_rgb if f.accent_rgb != f.clothing_rgb else GOLD
    x0, x1 = g.cx - g.sw * 1.02, g.cx + g.sw * 1.02
    p.poly([(x0, 0.9), (x1, 0.9), (x1, 1.2), (x0, 1.2)], color)
    p.line([(x0, 0.925), (x1, 0.925)], shade(color, 0.75), 0.008)


def pallu(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A sari's pallu draped from the left shoulder across the chest, with a gold border."""
    cx, y, sw = g.cx, g.shoulder_y, g.sw
    drape = mix(f.clothing_rgb, (255, 255, 255), 0.12)
    border = GOLD if f.accent_rgb == f.clothing_rgb else f.accent_rgb
    top, low = (cx - sw * 0.62, y + 0.01), (cx + sw * 0.75, 1.05)

    def paint(q: Painter) -> None:
        q.poly([(top[0] - 0.06, top[1] + 0.05), (cx - g.nw * 1.4, y - 0.02), low, (low[0] - 0.2, 1.2)], drape)
        q.line([(cx - g.nw * 1.4, y - 0.02), low], border, 0.02)
        q.line([(cx - g.nw * 1.4 + 0.03, y + 0.005), (low[0] + 0.03, low[1])], border, 0.006)

    in_torso(p, g, paint)


def kente(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Woven kente blocks and bands in the cloth and accent colours (inside the torso)."""
    acc = f.accent_rgb if f.accent_rgb != f.clothing_rgb else (40, 120, 70)
    top, x0, x1 = g.shoulder_y + 0.1, g.cx - g.sw, g.cx + g.sw
    for i in range(-int(g.sw / 0.07), int(g.sw / 0.07)):
        x = g.cx + i * 0.07
        p.poly([(x, top), (x + 0.022, top), (x + 0.022, 1.2), (x, 1.2)], acc)
    for k in range(4):
        yy = top + k * 0.08
        p.poly([(x0, yy), (x1, yy), (x1, yy + 0.025), (x0, yy + 0.025)], (40, 36, 34))
        p.line([(x0, yy + 0.045), (x1, yy + 0.045)], (200, 60, 50), 0.008)


def drape(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The edge of a cloth thrown over one shoulder."""
    cx, y = g.cx, g.shoulder_y
    p.line(
        bezier(
            (cx + g.nw * 1.4, y - 0.02),
            (cx + 0.02, y + 0.12),
            (cx - g.sw * 0.5, 0.85),
            (cx - g.sw * 0.7, 1.05),
        ),
        shade(f.clothing_rgb, 0.6),
        0.016,
    )


def storm_collar(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A raincoat's big pointed collar, turned up round the neck."""
    cx, y, nw, cloth = g.cx, g.shoulder_y, g.nw, f.clothing_rgb
    for side in (-1, 1):
        pts = [
            (cx + side * nw * 1.0, y - 0.075),
            (cx + side * nw * 1.15, y + 0.02),
            (cx + side * 0.005, y + 0.075),
            (cx + side * nw * 2.4, y + 0.065),
            (cx + side * nw * 2.1, y - 0.005),
            (cx + side * nw * 1.6, y - 0.06),
        ]
        p.poly(pts, shade(cloth, 0.9))
        p.line(pts + pts[:1], shade(cloth, 0.7), 0.005)


def placket_wide(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The wide double-breasted front of a coat."""
    p.poly(
        [
            (g.cx - 0.035, g.shoulder_y + 0.05),
            (g.cx + 0.05, g.shoulder_y + 0.05),
            (g.cx + 0.05, 1.2),
            (g.cx - 0.035, 1.2),
        ],
        shade(f.clothing_rgb, 0.94),
    )
    p.line([(g.cx + 0.05, g.shoulder_y + 0.05), (g.cx + 0.05, 1.2)], shade(f.clothing_rgb, 0.7), 0.005)


def toggles(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Snap fasteners down a coat's front."""
    for k in range(4):
        yy = g.shoulder_y + 0.1 + k * 0.075
        for x in (-0.012, 0.03):
            p.ellipse(g.cx + x, yy, 0.008, 0.008, shade(f.clothing_rgb, 0.6))


def gloss(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Glossy streaks of a waterproof coat."""
    light = mix(f.clothing_rgb, (255, 255, 255), 0.45)
    for x, w in ((-0.62, 0.02), (-0.5, 0.008), (0.55, 0.014)):
        x0 = g.cx + x * g.sw
        p.line([(x0, g.shoulder_y + 0.08), (x0 + 0.015, 1.1)], light, w)


def jacket_fronts(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The open zipped fronts of a casual jacket."""
    cx, y = g.cx, g.shoulder_y
    for side in (-1, 1):
        edge = [(cx + side * g.nw * 1.3, y), (cx + side * 0.06, y + 0.12), (cx + side * 0.07, 1.1)]
        p.poly([*edge, (cx + side * g.sw, 1.1), (cx + side * g.sw, y)], f.clothing_rgb)
        p.line(edge, shade(f.clothing_rgb, 0.6), 0.008)
        p.line(edge, (200, 200, 204), 0.003)


def stand_collar(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The folded collar of a jacket."""
    for side in (-1, 1):
        p.poly(
            [
                (g.cx + side * g.nw * 1.0, g.shoulder_y - 0.05),
                (g.cx + side * g.nw * 1.35, g.shoulder_y + 0.01),
                (g.cx + side * g.nw * 2.4, g.shoulder_y + 0.01),
                (g.cx + side * g.nw * 1.8, g.shoulder_y - 0.04),
            ],
            dark(f.clothing_rgb),
        )


def cardigan_edges(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The ribbed V edges of a cardigan."""
    for side in (-1, 1):
        p.line(
            [
                (g.cx + side * g.nw * 1.5, g.shoulder_y),
                (g.cx + side * 0.004, 0.9),
                (g.cx + side * 0.004, 1.1),
            ],
            dark(f.clothing_rgb),
            0.014,
        )


def placket(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A shirt's button placket."""
    y = g.shoulder_y
    p.line([(g.cx, y + 0.06), (g.cx, 1.1)], dark(f.clothing_rgb), 0.005)
    for k in range(5):
        p.ellipse(g.cx + 0.012, y + 0.09 + k * 0.06, 0.006, 0.006, (236, 232, 224))


def glasses(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Glasses or sunglasses over the eyes."""
    frame = (
        (34, 32, 36)
        if f.glasses == "sunglasses"
        else random.Random(f.scene_seed).choice(((34, 32, 36), (120, 70, 40), (150, 120, 60), (60, 70, 110)))
    )
    lens = (20, 24, 30, 215) if f.glasses == "sunglasses" else (255, 255, 255, 40)
    boxes = []
    for side in (-1, 1):
        ex = g.cx + side * g.eye_dx + g.dx
        box = p.px([(ex - 0.04, g.eye_y - 0.026), (ex + 0.04, g.eye_y + 0.028)])
        boxes.append(box)
        flat = (box[0][0], box[0][1], box[1][0], box[1][1])
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
