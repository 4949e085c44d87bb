"""The studio backdrop of an offline portrait: its colours from the words, its look from the seed.

The words say the colour ("navy backdrop") and how light it is ("dark studio background"); the
seed picks one of BACKDROPS (how it is lit), nudges the hue a little and says where the light is.
"""

from __future__ import annotations

import colorsys
import random
from collections.abc import Callable

from avatar_core.engines.offline.paint import Painter, mix
from avatar_core.engines.offline.portrait import RGB, PortraitFeatures

Look = Callable[[Painter, PortraitFeatures, random.Random, RGB], None]
PLAIN: tuple[RGB, RGB] = ((246, 246, 248), (222, 224, 230))


def _rgb(h: float, lightness: float, s: float) -> RGB:
    """An RGB colour from hue, lightness and saturation (HLS, lightness kept in 0.02..0.98)."""
    r, g, b = colorsys.hls_to_rgb(h % 1.0, min(0.98, max(0.02, lightness)), s)
    return round(r * 255), round(g * 255), round(b * 255)


def backdrop_colors(f: PortraitFeatures) -> tuple[RGB, RGB, RGB]:
    """(top, bottom, glow) of a studio or plain backdrop: the named colour (its hue nudged by
    the seed) or the seed's hue, as light as the words ask, else as light as the colour is."""
    rng = random.Random(f.scene_seed ^ 0x5EED)
    if f.background_rgb is not None:
        h, lightness, s = colorsys.rgb_to_hls(*(v / 255 for v in f.background_rgb))
        h += rng.uniform(-0.012, 0.012)
    elif f.setting == "plain":
        if f.bg_tone is None:
            return (*PLAIN, PLAIN[0])
        h, lightness, s = 0.62, 0.0, 0.06
    elif f.bg_tone is None:  # the seed's pastel
        top = colorsys.hsv_to_rgb(f.bg_hue, 0.28, 0.93)
        bottom = colorsys.hsv_to_rgb((f.bg_hue + 0.06) % 1, 0.45, 0.72)
        t: RGB = (round(top[0] * 255), round(top[1] * 255), round(top[2] * 255))
        b: RGB = (round(bottom[0] * 255), round(bottom[1] * 255), round(bottom[2] * 255))
        return t, b, mix(t, (255, 255, 255), 0.35)  # type: ignore[return-value]
    else:
        h, lightness, s = f.bg_hue, 0.0, 0.28 if f.bg_tone < 0.5 else 0.42
    if f.bg_tone is not None:
        lightness = f.bg_tone
    lightness += rng.uniform(-0.025, 0.025)
    if lightness < 0.5:  # a dark backdrop, its light a dim glow
        return _rgb(h, lightness + 0.03, s), _rgb(h + 0.02, lightness * 0.6, s), _rgb(h, lightness + 0.13, s)
    upper = min(lightness, 0.92)  # room for the light to show on white
    return _rgb(h, upper, s), _rgb(h + 0.02, upper - 0.1, s), _rgb(h, lightness + 0.07, s)


def _sweep(p: Painter, f: PortraitFeatures, rng: random.Random, glow: RGB) -> None:
    """A paper sweep with a soft halo behind the head."""
    p.ellipse(0.5 + rng.uniform(-0.08, 0.08), 0.42, 0.42, 0.42, (*glow, 150))


def _spot(p: Painter, f: PortraitFeatures, rng: random.Random, glow: RGB) -> None:
    """A spotlight thrown on the backdrop from the key light's side."""
    x = 0.5 + f.light * 0.35
    for k, alpha in ((0.62, 70), (0.44, 90), (0.28, 110)):
        p.ellipse(x, 0.3 + rng.uniform(-0.05, 0.05), k, k * 0.9, (*glow, alpha))


def _mottled(p: Painter, f: PortraitFeatures, rng: random.Random, glow: RGB) -> None:
    """A hand-painted canvas backdrop: large soft clouds of light and shade."""
    shadow = mix(glow, (0, 0, 0), 0.35)
    for _ in range(7):
        r = rng.uniform(0.16, 0.32)
        p.ellipse(
            rng.uniform(-0.1, 1.1),
            rng.uniform(-0.1, 1.0),
            r,
            r * rng.uniform(0.7, 1.1),
            (*rng.choice((glow, glow, shadow)), rng.randint(60, 110)),
        )


def _beam(p: Painter, f: PortraitFeatures, rng: random.Random, glow: RGB) -> None:
    """Window light falling across the backdrop in slanted bands."""
    side = 1 if f.light >= 0 else -1
    x = 0.5 + side * rng.uniform(0.1, 0.35)
    for k in range(rng.choice((1, 2, 2, 3))):
        x0 = x + side * k * 0.22
        w = rng.uniform(0.08, 0.16)
        skew = -side * 0.45
        p.poly([(x0, -0.2), (x0 + w, -0.2), (x0 + w + skew, 1.2), (x0 + skew, 1.2)], (*glow, 120))


LOOKS: dict[str, Look] = {"sweep": _sweep, "spot": _spot, "mottled": _mottled, "beam": _beam}


def paint_backdrop(p: Painter, f: PortraitFeatures, rng: random.Random) -> None:
    """A plain or studio backdrop; a studio's is lit as the seed's look (LOOKS) says."""
    top, bottom, glow = backdrop_colors(f)
    gradient(p, top, bottom, 0, 1)
    if f.setting != "plain":
        LOOKS.get(f.backdrop, _sweep)(p, f, rng, glow)


def gradient(
    p: Painter, top: tuple[int, ...], bottom: tuple[int, ...], y0: float = -1.0, y1: float = 2.0
) -> None:
    """A vertical gradient filling the image between unit heights y0 and y1."""
    for row in range(p.im.height):
        t = min(1.0, max(0.0, ((row - p.oy) / p.s - y0) / (y1 - y0)))
        p.d.line((0, row, p.im.width, row), fill=mix(top, bottom, t))  # type: ignore[arg-type]
