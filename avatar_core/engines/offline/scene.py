"""The settings behind an offline portrait, one painting function per setting (SCENES)."""

from __future__ import annotations

import random
from collections.abc import Callable

from avatar_core.engines.offline.backdrop import gradient, paint_backdrop
from avatar_core.engines.offline.paint import Painter, mix, shade
from avatar_core.engines.offline.portrait import RGB, PortraitFeatures

Scene = Callable[[Painter, PortraitFeatures, random.Random], None]


def _office(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """A window with mullions, a potted plant and a wooden floor."""
    r = rng.uniform
    gradient(p, (236, 232, 224), (200, 192, 180), 0, 1)
    x = rng.choice((rng.uniform(-0.4, -0.15), rng.uniform(0.6, 0.85)))
    p.poly([(x, 0.05), (x + 0.55, 0.05), (x + 0.55, 0.62), (x, 0.62)], (200, 222, 236))
    for i in range(1, 3):
        p.line([(x + 0.55 * i / 3, 0.05), (x + 0.55 * i / 3, 0.62)], (150, 150, 150), 0.02)
    p.line([(x, 0.34), (x + 0.55, 0.34)], (150, 150, 150), 0.02)
    px = 0.92 if x < 0 else 0.08
    p.poly([(px - 0.06, 0.8), (px + 0.06, 0.8), (px + 0.045, 1.0), (px - 0.045, 1.0)], (120, 90, 70))
    for _ in range(7):
        p.ellipse(px + r(-0.1, 0.1), r(0.55, 0.78), 0.06, 0.045, (70, 130, 70))
    p.poly([(-1, 0.86), (2, 0.86), (2, 3), (-1, 3)], (150, 118, 90))


def _outdoor(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """Sky, grass and trees; flowers in a garden."""
    r = rng.uniform
    gradient(p, (150, 196, 236), (214, 234, 244), 0, 0.5)
    p.poly([(-1, 0.55), (2, 0.55), (2, 3), (-1, 3)], (120, 170, 90))
    for _ in range(9):
        x = rng.choice((r(-0.4, 0.25), r(0.75, 1.4)))
        p.ellipse(x, r(0.2, 0.55), r(0.12, 0.2), r(0.14, 0.22), (60, 120, 60))
    if f.setting == "garden":
        for _ in range(40):
            p.ellipse(
                r(-0.5, 1.5),
                r(0.6, 1.0),
                0.018,
                0.018,
                rng.choice(((240, 120, 160), (250, 220, 90), (250, 250, 250), (200, 90, 200))),
            )


def _beach(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """Sky, sun, sea and sand."""
    gradient(p, (120, 180, 232), (210, 232, 246), 0, 0.55)
    p.ellipse(
        rng.choice((rng.uniform(0.05, 0.25), rng.uniform(0.75, 0.95))),
        rng.uniform(0.08, 0.3),
        0.07,
        0.07,
        (255, 246, 210),
    )
    p.poly([(-1, 0.56), (2, 0.56), (2, 0.7), (-1, 0.7)], (60, 160, 190))
    p.poly([(-1, 0.7), (2, 0.7), (2, 3), (-1, 3)], (232, 212, 170))


def _city(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """A dusk skyline with lit windows."""
    r = rng.uniform
    gradient(p, (70, 80, 130), (230, 150, 120), 0, 0.8)
    x = -1.0
    while x < 2:
        w, roof = r(0.1, 0.22), r(0.1, 0.5)
        p.poly(
            [(x, roof), (x + w, roof), (x + w, 3), (x, 3)],
            rng.choice(((50, 56, 80), (64, 70, 96), (40, 44, 66))),
        )
        for _ in range(int(w * 40)):
            p.ellipse(x + r(0.02, w - 0.02), r(roof + 0.03, 1.2), 0.008, 0.01, (250, 214, 120))
        x += w + r(0.0, 0.03)


def _gym(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """A dark gym wall with a stripe, racks and ceiling lights."""
    r = rng.uniform
    gradient(p, (70, 72, 80), (40, 42, 48), 0, 1)
    y, stripe = r(0.38, 0.56), rng.choice(GYM_STRIPES)
    p.poly([(-1, y), (2, y), (2, y + 0.06), (-1, y + 0.06)], stripe)
    step, x0 = r(0.11, 0.17), r(0.0, 0.1)
    for i in range(-4, 11):
        p.line([(x0 + i * step, y + 0.12), (x0 + i * step, 1.2)], (110, 112, 118), 0.015)
    for _ in range(8):
        p.ellipse(r(-0.4, 1.4), r(0.05, 0.2), 0.03, 0.03, (255, 236, 200))


def _hospital(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """A pale corridor (its walls in one of HOSPITAL_WALLS) with a handrail and a door."""
    top, bottom, rail = rng.choice(HOSPITAL_WALLS)
    gradient(p, top, bottom, 0, 1)
    y = rng.uniform(0.56, 0.66)
    p.poly([(-1, y), (2, y), (2, y + 0.04), (-1, y + 0.04)], rail)
    dx = rng.choice((rng.uniform(-0.05, 0.12), rng.uniform(0.7, 0.88)))
    door = mix(top, rail, 0.25)
    p.poly([(dx, 0.15), (dx + 0.18, 0.15), (dx + 0.18, 1.1), (dx, 1.1)], door)
    p.poly([(dx + 0.04, 0.22), (dx + 0.14, 0.22), (dx + 0.14, 0.42), (dx + 0.04, 0.42)], (180, 214, 230))


def _library(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """Shelves of coloured books."""
    books = ((150, 50, 40), (40, 80, 120), (60, 110, 70), (190, 150, 70), (110, 60, 100), (200, 190, 160))
    gradient(p, (110, 76, 50), (70, 48, 34), 0, 1)
    y = -0.1
    while y < 1.2:
        x = -1.0
        while x < 2:
            w, h = rng.uniform(0.025, 0.05), rng.uniform(0.12, 0.17)
            p.poly(
                [(x, y + 0.19 - h), (x + w, y + 0.19 - h), (x + w, y + 0.19), (x, y + 0.19)],
                rng.choice(books),
            )
            x += w + 0.004
        p.poly([(-1, y + 0.19), (2, y + 0.19), (2, y + 0.22), (-1, y + 0.22)], (80, 54, 36))
        y += 0.22


GYM_STRIPES: tuple[RGB, ...] = ((200, 60, 60), (240, 180, 40), (40, 150, 200), (90, 190, 110))
# (top, bottom, rail) of a corridor's walls: mint, sky blue, warm cream.
HOSPITAL_WALLS: tuple[tuple[RGB, RGB, RGB], ...] = (
    ((230, 242, 240), (196, 222, 220), (150, 190, 190)),
    ((228, 238, 248), (196, 212, 232), (140, 170, 206)),
    ((246, 240, 228), (222, 212, 196), (186, 164, 140)),
)
# Warm interiors seen out of focus: (top, bottom, light colours) of the bokeh.
BOKEH: dict[str, tuple[RGB, RGB, tuple[RGB, ...]]] = {
    "gala": ((58, 34, 40), (24, 16, 22), ((255, 214, 140), (250, 180, 110), (255, 240, 200))),
    "cafe": ((150, 104, 70), (86, 58, 40), ((255, 222, 160), (250, 200, 120))),
    "boutique": ((236, 220, 214), (204, 178, 172), ((255, 250, 240), (246, 214, 206))),
}


def _bokeh(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """A gala, cafe or boutique interior: soft round lights on a warm gradient."""
    top, bottom, lights = BOKEH[f.setting]
    gradient(p, top, bottom, 0, 1)
    glow = mix(top, lights[0], 0.5)
    x = 0.5 + f.light * 0.4  # the room is brighter on the key light's side
    for k in (0.7, 0.5, 0.32):
        p.ellipse(x, rng.uniform(0.1, 0.4), k, k, (*glow, 60))
    lo, hi = rng.choice(((-0.3, 0.7), (0.3, 1.3), (-0.3, 1.3)))  # where the lights gather
    for _ in range(rng.randint(16, 32)):
        size = rng.uniform(0.03, 0.09)
        p.ellipse(
            rng.uniform(lo, hi),
            rng.uniform(-0.05, 0.75),
            size,
            size,
            (*rng.choice(lights), rng.randint(70, 170)),
        )


RAIL_COLORS: tuple[RGB, ...] = (
    (196, 120, 128),
    (120, 140, 180),
    (226, 200, 160),
    (90, 90, 100),
    (170, 190, 160),
    (236, 236, 230),
    (150, 96, 120),
)


def _boutique(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """A shop interior: a rail of clothes on hangers on one side, soft lights over it."""
    _bokeh(p, f, rng)
    x, end = (rng.uniform(-0.4, -0.2), 0.3) if rng.random() < 0.5 else (rng.uniform(0.7, 0.85), 1.5)
    rail = rng.uniform(0.2, 0.32)
    p.line([(x - 0.05, rail), (end + 0.05, rail)], (150, 140, 136), 0.01)
    while x < end:
        w, hem = rng.uniform(0.07, 0.1), rail + rng.uniform(0.32, 0.46)
        color = rng.choice(RAIL_COLORS)
        p.line([(x + w / 2, rail), (x + w / 2, rail + 0.03)], (120, 110, 106), 0.006)  # the hanger
        p.poly(
            [
                (x + w * 0.3, rail + 0.03),
                (x + w * 0.7, rail + 0.03),
                (x + w, rail + 0.06),
                (x + w * 1.05, hem),
                (x - w * 0.05, hem),
                (x, rail + 0.06),
            ],
            color,
        )
        p.line([(x + w, rail + 0.07), (x + w * 1.05, hem)], shade(color, 0.8), 0.008)
        x += w * rng.uniform(0.55, 0.8)  # packed on the rail, each half behind the next


SCENES: dict[str, Scene] = {
    "office": _office,
    "outdoor": _outdoor,
    "garden": _outdoor,
    "beach": _beach,
    "city": _city,
    "gym": _gym,
    "hospital": _hospital,
    "library": _library,
    "gala": _bokeh,
    "cafe": _bokeh,
    "boutique": _boutique,
    "plain": paint_backdrop,
    "studio": paint_backdrop,
}


def paint_scene(p: Painter, f: PortraitFeatures) -> None:
    """Paints the setting behind the figure (later blurred)."""
    SCENES.get(f.setting, paint_backdrop)(p, f, random.Random(f.scene_seed))
