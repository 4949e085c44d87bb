"""The face of an offline portrait: ears, skin, eyes, nose, mouth, lines and facial hair."""

from __future__ import annotations

import math
from dataclasses import dataclass

from avatar_core.engines.offline.paint import Geo, Painter, arc, bezier, mix, shade
from avatar_core.engines.offline.portrait import PortraitFeatures


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
        p.d.pieslice(p.box(mx, my, 0.034, 0.03), 0, 180, fill=(96, 32, 42))
        p.ellipse(mx, my + 0.022, 0.018, 0.008, (214, 110, 120))
        p.d.pieslice(p.box(mx, my, 0.03, 0.012), 0, 180, fill=(252, 252, 250))
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


@dataclass(frozen=True)
class Whiskers:
    """How one kind of facial hair is drawn: chin hair, a moustache, a faint shadow (stubble)."""

    chin: str = ""  # "", "full" (jaw and chin) or "goatee" (chin only)
    moustache: bool = False
    faint: bool = False


FACIAL_HAIR: dict[str, Whiskers] = {
    "beard": Whiskers("full", moustache=True),
    "stubble": Whiskers("full", faint=True),
    "goatee": Whiskers("goatee", moustache=True),
    "moustache": Whiskers(moustache=True),
}
COVERED_EARS = ("long", "bob", "hijab", "afro")  # styles whose hair hides the ears (afro: women's)


def _ears(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Both ears, with earrings when the features have them, unless the hair covers them."""
    if f.hair_style in COVERED_EARS and not (f.hair_style == "afro" and f.gender == "male"):
        return
    for side in (-1, 1):
        ex = g.cx + side * (g.fw * 0.97) - g.dx * 0.5
        p.ellipse(ex, g.cy + 0.018, 0.022, 0.036, f.skin_rgb)
        p.ellipse(ex + side * 0.004, g.cy + 0.02, 0.011, 0.022, shade(f.skin_rgb, 0.85))
        if f.earrings:
            p.ellipse(ex, g.cy + 0.058, 0.007, 0.007, (214, 176, 84))


def _nose_and_lines(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Blushed cheeks, the nose, and forehead and smile lines from fifty on."""
    cx, cy, skin = g.cx, g.cy, f.skin_rgb
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
    if f.age < 50:
        return
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


def _chin_hair(p: Painter, f: PortraitFeatures, g: Geo, whiskers: Whiskers) -> None:
    """A full beard (or its stubble) along the jaw, or a goatee on the chin."""
    cx, cy, fw = g.cx, g.cy, g.fw
    color = shade(f.hair_rgb, 0.8, 80) if whiskers.faint else f.hair_rgb
    if whiskers.chin == "goatee":
        beard = arc(cx + g.dx, cy + 0.118 + 0.03, 0.03, 0.035, 0, 180, 12)
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


def _moustache(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A moustache over the mouth."""
    mx, my = g.cx + g.dx * 1.1, g.cy + 0.118
    p.poly(
        bezier((mx - 0.042, my + 0.004), (mx - 0.03, my - 0.03), (mx - 0.01, my - 0.03), (mx, my - 0.018))
        + bezier((mx, my - 0.018), (mx + 0.01, my - 0.03), (mx + 0.03, my - 0.03), (mx + 0.042, my + 0.004))
        + [(mx, my - 0.008)],
        f.hair_rgb,
    )


def paint_face(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Ears, face, features, wrinkles and facial hair (as FACIAL_HAIR lists it)."""
    whiskers = FACIAL_HAIR.get(f.facial_hair, Whiskers())
    _ears(p, f, g)
    p.poly(g.face(), f.skin_rgb)
    _nose_and_lines(p, f, g)
    if whiskers.chin:
        _chin_hair(p, f, g, whiskers)
    for side in (-1, 1):
        _eye(p, f, g, side)
    _mouth(p, f, g)
    if whiskers.moustache:
        _moustache(p, f, g)
