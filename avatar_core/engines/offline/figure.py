"""The figure of an offline portrait: hair, face, features, clothes and accessories."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from avatar_core.engines.offline.garments import glasses
from avatar_core.engines.offline.outfit import paint_clothes
from avatar_core.engines.offline.paint import Geo, Painter, Pt, arc, bezier, mix, shade
from avatar_core.engines.offline.portrait import PortraitFeatures


def _wavy(pts: Sequence[Pt], amp: float, freq: float, cx: float) -> list[Pt]:
    """Pushes points in and out sideways along y, for wavy or curly outlines."""
    dense: list[Pt] = []
    for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
        n = max(1, int(math.hypot(x1 - x0, y1 - y0) / 0.004))
        dense += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n)]
    dense.append(pts[-1])
    return [(x + math.copysign(amp * math.sin(y * freq), x - cx), y) for x, y in dense]


def _back_hair(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Hair behind the head and beside the neck (long styles, bob, afro, ponytail, braids)."""
    cx, cy, fw, fh, hair = g.cx, g.cy, g.fw, g.fh, f.hair_rgb
    if f.hair_style == "afro":
        rng = random.Random(f.scene_seed)
        p.ellipse(cx, cy - 0.04, fw * 1.75, fh * 1.45, hair)
        for a in range(0, 360, 20):
            rr = rng.uniform(0.035, 0.05)
            x, y = arc(cx, cy - 0.04, fw * 1.72, fh * 1.42, a, a, 1)[0]
            p.ellipse(x, y, rr, rr, hair)
        return
    if f.hair_style == "ponytail":
        side = f.part
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
            hair,
        )
        p.ellipse(cx + side * fw * 0.92, cy - fh * 0.78, 0.016, 0.02, f.accent_rgb)
    if f.hair_style == "bald" and f.age > 45:
        for side in (-1, 1):
            p.ellipse(cx + side * fw * 0.9, cy + 0.005, 0.04, 0.065, hair)
    if f.hair_style == "braids":
        for side in (-1, 1):
            for i in range(9):
                y = cy + 0.02 + i * 0.034
                p.ellipse(
                    cx + side * (fw * 1.02 + i * 0.004), y, 0.026, 0.022, shade(hair, 1.0 if i % 2 else 0.85)
                )
    if f.hair_style not in ("long", "bob"):
        return
    bottom = 0.80 if f.hair_style == "long" else cy + fh * 1.05
    width = fw * (1.42 if f.hair_style == "long" else 1.3)
    if f.hair_texture == "curly":
        width *= 1.12
    top = arc(cx, cy - 0.01, fw * 1.16, fh * 1.14, 180, 360, 20)
    right = bezier(
        (cx + fw * 1.16, cy), (cx + fw * 1.25, cy + 0.1), (cx + width, bottom - 0.12), (cx + width, bottom)
    )
    inner = [(cx + fw * 0.85, bottom), (cx + fw * 0.8, cy + fh * 1.0), (cx, cy + fh * 0.9)]
    if f.hair_style == "bob":
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


def _hair_cap(f: PortraitFeatures, g: Geo) -> list[Pt] | None:
    """Outline of the hair on top of the head, down to the hairline; None when bald."""
    cx, cy, fw, fh, part = g.cx, g.cy, g.fw, g.fh, f.part
    style = f.hair_style
    if style in ("bald", "hijab"):
        return None
    if style == "buzz":
        top = arc(cx, cy - 0.004, fw * 1.03, fh * 1.04, 185, 355, 24)
        line = bezier(
            (cx + fw * 0.99, cy - 0.04),
            (cx + fw * 0.6, cy - fh * 0.72),
            (cx - fw * 0.6, cy - fh * 0.72),
            (cx - fw * 0.99, cy - 0.04),
        )
        return top + line
    big = 1.2 if style == "afro" else 1.1
    top = arc(cx, cy - 0.012, fw * big, fh * (big + 0.02), 172, 368, 28)
    down = 0.05 if style in ("long", "bob") else 0.0
    r_temple, l_temple = (cx + fw * 1.0, cy + down - 0.01), (cx - fw * 1.0, cy + down - 0.01)
    if style in ("bun", "ponytail", "braids"):
        return top + bezier(
            r_temple, (cx + fw * 0.7, cy - fh * 0.85), (cx - fw * 0.7, cy - fh * 0.85), l_temple
        )
    peak = (cx + fw * 0.45, cy - fh * 0.66)
    line = bezier(
        r_temple, (cx + fw * 0.95, cy - fh * 0.45), (cx + fw * 0.75, cy - fh * 0.62), peak
    ) + bezier(peak, (cx + fw * 0.1, cy - fh * 0.35), (cx - fw * 0.85, cy - fh * 0.45), l_temple)
    if part < 0:
        line = [(2 * cx - x, y) for x, y in reversed(line)]
    return top + line


def _eye(p: Painter, f: PortraitFeatures, g: Geo, side: int) -> None:
    """One eye: white, clipped iris with pupil and catch-light, lid line and brow."""
    ex, ey, ew, eh = g.cx + side * g.eye_dx + g.dx, g.eye_y, g.ew, g.eh
    tilt = 0.004 if f.gender == "female" else 0.002
    upper = [
        (ex - ew + 2 * ew * i / 16, ey - eh * math.sin(math.pi * i / 16) - side * tilt * (i / 16 - 0.5))
        for i in range(17)
    ]
    lower = [(ex + ew - 2 * ew * i / 16, ey + eh * 0.75 * math.sin(math.pi * i / 16)) for i in range(17)]
    almond = upper + lower
    p.poly(almond, (250, 248, 245))
    ir, ix, iy = eh * 1.05, ex + g.dx * 0.6, ey + eh * 0.1

    def iris(q: Painter) -> None:
        q.ellipse(ix, iy, ir, ir, shade(f.eye_rgb, 0.7))
        q.ellipse(ix, iy, ir * 0.8, ir * 0.8, f.eye_rgb)
        q.ellipse(ix, iy, ir * 0.45, ir * 0.45, (22, 18, 20))
        q.ellipse(ix + ir * 0.35, iy - ir * 0.35, ir * 0.24, ir * 0.24, (255, 255, 255))

    p.masked(iris, (ex - ew, ey - eh * 1.3, ex + ew, ey + eh), lambda q: q.poly(almond, 255))
    p.line(upper, (40, 30, 30), 0.0065 if f.gender == "female" else 0.005)
    if f.gender == "female":
        end = upper[-1] if side > 0 else upper[0]
        p.line([end, (end[0] + side * 0.008, end[1] - 0.006)], (40, 30, 30), 0.004)
    brow_c = shade(f.hair_rgb, 0.7) if sum(f.hair_rgb) < 600 else shade(f.hair_rgb, 0.6)
    by, thick = ey - 0.042, 0.008 if f.gender == "female" else 0.011
    inner, outer = ex - side * ew * 0.9, ex + side * ew * 1.2
    curve = bezier(
        (inner, by + 0.004),
        (ex - side * ew * 0.2, by - 0.008),
        (ex + side * ew * 0.6, by - 0.008),
        (outer, by + 0.003),
        10,
    )
    top = [(x, y - thick * (1 - 0.6 * i / 10) / 2) for i, (x, y) in enumerate(curve)]
    bot = [(x, y + thick * (1 - 0.6 * i / 10) / 2) for i, (x, y) in enumerate(curve)]
    p.poly(top + bot[::-1], brow_c)
    if f.age >= 50:
        for k in (-1, 0, 1):
            x0 = ex + side * ew * 1.15
            p.line(
                [(x0, ey + k * 0.006), (x0 + side * 0.014, ey + k * 0.01)], shade(f.skin_rgb, 0.87), 0.0025
            )


def _mouth(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Smile, grin or soft closed mouth."""
    mx, my = g.cx + g.dx * 1.1, g.cy + 0.118
    lip = mix(f.skin_rgb, (196, 72, 86), 0.5 if f.gender == "female" else 0.3)
    dark = shade(f.skin_rgb, 0.45)
    if f.mouth == "grin":
        p.d.pieslice(
            [*p.px([(mx - 0.034, my - 0.03)]), *p.px([(mx + 0.034, my + 0.03)])], 0, 180, fill=(96, 32, 42)
        )  # type: ignore[arg-type]
        p.ellipse(mx, my + 0.022, 0.018, 0.008, (214, 110, 120))
        p.d.pieslice(
            [*p.px([(mx - 0.03, my - 0.012)]), *p.px([(mx + 0.03, my + 0.012)])], 0, 180, fill=(252, 252, 250)
        )  # type: ignore[arg-type]
        p.line([(mx - 0.034, my), (mx + 0.034, my)], lip, 0.005)
        p.line(arc(mx, my, 0.034, 0.03, 5, 175, 16), lip, 0.005)
        return
    width = 0.03 if f.mouth == "smile" else 0.022
    if f.gender == "female":
        p.poly(arc(mx, my - 0.002, width, 0.016, 0, 180, 16), lip)
        p.poly(
            [
                (mx - width, my - 0.002),
                (mx - width * 0.4, my - 0.011),
                (mx, my - 0.007),
                (mx + width * 0.4, my - 0.011),
                (mx + width, my - 0.002),
            ],
            shade(lip, 0.9),
        )
    curve = arc(mx, my - 0.012, width, 0.014 if f.mouth == "smile" else 0.006, 20, 160, 16)
    p.line(curve, dark, 0.004)
    if f.gender != "female":
        p.line(arc(mx, my + 0.012, width * 0.45, 0.004, 30, 150, 8), shade(f.skin_rgb, 0.84), 0.004)


def _face(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Ears, face, features, wrinkles and facial hair."""
    cx, cy, fw, skin = g.cx, g.cy, g.fw, f.skin_rgb
    covered_ears = f.hair_style in ("long", "bob", "hijab", "afro") and not (
        f.hair_style == "afro" and f.gender == "male"
    )
    if not covered_ears:
        for side in (-1, 1):
            ex = cx + side * (fw * 0.97) - g.dx * 0.5
            p.ellipse(ex, cy + 0.018, 0.022, 0.036, skin)
            p.ellipse(ex + side * 0.004, cy + 0.02, 0.011, 0.022, shade(skin, 0.85))
            if f.earrings:
                p.ellipse(ex, cy + 0.058, 0.007, 0.007, (214, 176, 84))
    p.poly(g.face(), skin)
    for side in (-1, 1):
        p.ellipse(
            cx + side * 0.072 + g.dx,
            cy + 0.062,
            0.028,
            0.016,
            (236, 110, 110, 28 if f.gender == "female" else 14),
        )
    nx, ny = cx + g.dx * 1.3, cy + 0.078
    p.line([(nx - g.dx * 0.3 + 0.004, g.eye_y + 0.01), (nx + 0.006, ny - 0.01)], shade(skin, 0.86), 0.005)
    p.line(arc(nx, ny - 0.004, 0.015, 0.009, 10, 170, 12), shade(skin, 0.72), 0.005)
    if f.age >= 50:
        line = shade(skin, 0.88)
        for k in range(2):
            p.line(arc(cx, g.eye_y - 0.075 - k * 0.014, 0.05, 0.008, 200, 340, 12), line, 0.003)
        for side in (-1, 1):
            p.line(
                bezier(
                    (nx + side * 0.022, ny - 0.008),
                    (nx + side * 0.04, ny + 0.01),
                    (nx + side * 0.045, ny + 0.03),
                    (nx + side * 0.042, ny + 0.05),
                ),
                line,
                0.0035,
            )
    if f.facial_hair in ("beard", "stubble", "goatee"):
        color = shade(f.hair_rgb, 0.8, 80) if f.facial_hair == "stubble" else f.hair_rgb
        my = cy + 0.118
        if f.facial_hair == "goatee":
            beard = arc(cx + g.dx, my + 0.03, 0.03, 0.035, 0, 180, 12)
        else:
            outer = [pt for pt in g.face(1.03, 0.004, 64) if pt[1] > cy + 0.01]
            outer.sort(key=lambda pt: -math.atan2(pt[1] - cy, pt[0] - cx))
            inner = bezier(
                (cx - fw * 0.9, cy + 0.02),
                (cx - 0.05, cy + 0.12),
                (cx + 0.05, cy + 0.12),
                (cx + fw * 0.9, cy + 0.02),
            )
            beard = outer + inner
        p.poly(beard, color)
    for side in (-1, 1):
        _eye(p, f, g, side)
    _mouth(p, f, g)
    if f.facial_hair in ("beard", "moustache", "goatee"):
        mx, my = cx + g.dx * 1.1, cy + 0.118
        p.poly(
            bezier((mx - 0.042, my + 0.004), (mx - 0.03, my - 0.03), (mx - 0.01, my - 0.03), (mx, my - 0.018))
            + bezier(
                (mx, my - 0.018), (mx + 0.01, my - 0.03), (mx + 0.03, my - 0.03), (mx + 0.042, my + 0.004)
            )
            + [(mx, my - 0.008)],
            f.hair_rgb,
        )


def _hijab(p: Painter, f: PortraitFeatures, g: Geo, front: bool) -> None:
    """A headscarf: the drape over the neck and shoulders, or the frame around the face."""
    cx, cy, fw, fh, scarf = g.cx, g.cy, g.fw, g.fh, f.scarf_rgb
    rx, ry, ocy = fw * 1.34, fh * 1.2, cy - 0.012
    if not front:
        side = bezier(
            (cx + rx, cy + 0.02),
            (cx + rx, cy + 0.15),
            (cx + g.sw * 0.7, g.shoulder_y),
            (cx + g.sw * 0.7, 0.78),
            10,
        )
        drape = (
            arc(cx, ocy, rx, ry, 180, 360, 24)
            + side
            + arc(cx, 0.76, g.sw * 0.7, 0.07, 0, 180, 20)[1:-1]
            + [(2 * cx - x, y) for x, y in reversed(side)]
        )
        p.poly(drape, scarf)
        fold = shade(scarf, 0.82 if sum(scarf) > 200 else 1.4)
        for k in range(3):
            p.line(arc(cx, cy + fh * 1.1 + k * 0.035, fw * (1.0 + 0.25 * k), 0.04, 20, 160, 14), fold, 0.005)
        return

    def frame(q: Painter) -> None:
        q.ellipse(cx, ocy, rx, ry, 255)
        q.ellipse(cx, cy + 0.04, fw * 0.94, fh * 1.05, 0)

    p.masked(scarf, (cx - rx, ocy - ry, cx + rx, ocy + ry), frame)
    p.line(arc(cx, ocy, rx * 0.86, ry * 0.9, 212, 246, 10), mix(scarf, (255, 255, 255), 0.16), 0.012)
    p.line(
        arc(cx, cy + 0.04, fw * 0.94, fh * 1.05, 180, 360, 30),
        shade(scarf, 0.85 if sum(scarf) > 200 else 1.3),
        0.006,
    )


def _hair(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The hair on top of the head with its shadow on the forehead, or a bald head's shine."""
    cap = _hair_cap(f, g)
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


def paint_figure(p: Painter, bp: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Paints the whole figure: `p` draws in head units, `bp` in (smaller) body units."""
    _back_hair(p, f, g)
    paint_clothes(bp, f, g)
    if f.hair_style == "hijab":
        _hijab(p, f, g, front=False)
    _face(p, f, g)
    _hair(p, f, g)
    if f.hair_style == "hijab":
        _hijab(p, f, g, front=True)
    if f.glasses != "none":
        glasses(p, f, g)
