"""Paints a flat-illustration head-and-shoulders portrait from PortraitFeatures with Pillow."""

from __future__ import annotations

import colorsys
import random
from collections.abc import Sequence

from PIL import Image, ImageFilter

from avatar_core.engines.portrait import RGB, PortraitFeatures
from avatar_core.engines.portrait_figure import paint_figure
from avatar_core.engines.portrait_paint import Geo, Painter, Place, geometry, mix, shade, torso

SS = 2  # supersampling factor of the figure layer
ZOOM, BODY = 1.12, 0.88  # figure zoom about (0.5, 0.42); body scale about its shoulders


def _scene_colors(f: PortraitFeatures) -> tuple[RGB, RGB]:
    """Top and bottom colours of a studio backdrop."""
    if f.background_rgb is not None:
        base = f.background_rgb
        return mix(base, (255, 255, 255), 0.35), shade(base, 0.8)  # type: ignore[return-value]
    top = colorsys.hsv_to_rgb(f.bg_hue, 0.28, 0.93)
    bottom = colorsys.hsv_to_rgb((f.bg_hue + 0.06) % 1, 0.45, 0.72)
    return (tuple(round(v * 255) for v in top),  # type: ignore[return-value]
            tuple(round(v * 255) for v in bottom))


def _gradient(p: Painter, top: Sequence[int], bottom: Sequence[int], y0: float = -1.0,
              y1: float = 2.0) -> None:
    """A vertical gradient filling the image between unit heights y0 and y1."""
    h = p.im.height
    for row in range(h):
        y = (row - p.oy) / p.s
        t = min(1.0, max(0.0, (y - y0) / (y1 - y0)))
        p.d.line((0, row, p.im.width, row), fill=mix(top, bottom, t))  # type: ignore[arg-type]


def _scene(p: Painter, f: PortraitFeatures) -> None:
    """Paints the setting behind the figure (later blurred)."""
    rng = random.Random(f.scene_seed)
    s, r = f.setting, rng.uniform
    if s == "office":
        _gradient(p, (236, 232, 224), (200, 192, 180), 0, 1)
        x = rng.choice((-0.3, 0.72))
        p.poly([(x, 0.05), (x + 0.55, 0.05), (x + 0.55, 0.62), (x, 0.62)], (200, 222, 236))
        for i in range(1, 3):
            p.line([(x + 0.55 * i / 3, 0.05), (x + 0.55 * i / 3, 0.62)], (150, 150, 150), 0.02)
        p.line([(x, 0.34), (x + 0.55, 0.34)], (150, 150, 150), 0.02)
        px = 0.92 if x < 0 else 0.08
        p.poly([(px - 0.06, 0.8), (px + 0.06, 0.8), (px + 0.045, 1.0), (px - 0.045, 1.0)],
               (120, 90, 70))
        for _ in range(7):
            p.ellipse(px + r(-0.1, 0.1), r(0.55, 0.78), 0.06, 0.045, (70, 130, 70))
        p.poly([(-1, 0.86), (2, 0.86), (2, 3), (-1, 3)], (150, 118, 90))
    elif s in ("outdoor", "garden"):
        _gradient(p, (150, 196, 236), (214, 234, 244), 0, 0.5)
        p.poly([(-1, 0.55), (2, 0.55), (2, 3), (-1, 3)], (120, 170, 90))
        for _ in range(9):
            x = rng.choice((r(-0.4, 0.25), r(0.75, 1.4)))
            p.ellipse(x, r(0.2, 0.55), r(0.12, 0.2), r(0.14, 0.22), (60, 120, 60))
        if s == "garden":
            for _ in range(40):
                p.ellipse(r(-0.5, 1.5), r(0.6, 1.0), 0.018, 0.018,
                          rng.choice(((240, 120, 160), (250, 220, 90), (250, 250, 250),
                                      (200, 90, 200))))
    elif s == "beach":
        _gradient(p, (120, 180, 232), (210, 232, 246), 0, 0.55)
        p.ellipse(rng.choice((0.12, 0.88)), 0.15, 0.07, 0.07, (255, 246, 210))
        p.poly([(-1, 0.56), (2, 0.56), (2, 0.7), (-1, 0.7)], (60, 160, 190))
        p.poly([(-1, 0.7), (2, 0.7), (2, 3), (-1, 3)], (232, 212, 170))
    elif s == "city":
        _gradient(p, (70, 80, 130), (230, 150, 120), 0, 0.8)
        x = -1.0
        while x < 2:
            w, roof = r(0.1, 0.22), r(0.1, 0.5)
            p.poly([(x, roof), (x + w, roof), (x + w, 3), (x, 3)],
                   rng.choice(((50, 56, 80), (64, 70, 96), (40, 44, 66))))
            for _ in range(int(w * 40)):
                p.ellipse(x + r(0.02, w - 0.02), r(roof + 0.03, 1.2), 0.008, 0.01,
                          (250, 214, 120))
            x += w + r(0.0, 0.03)
    elif s == "gym":
        _gradient(p, (70, 72, 80), (40, 42, 48), 0, 1)
        p.poly([(-1, 0.5), (2, 0.5), (2, 0.56), (-1, 0.56)], rng.choice(((200, 60, 60),
                                                                          (240, 180, 40))))
        for i in range(-4, 9):
            p.line([(i * 0.14, 0.62), (i * 0.14, 1.2)], (110, 112, 118), 0.015)
        for _ in range(8):
            p.ellipse(r(-0.4, 1.4), r(0.05, 0.2), 0.03, 0.03, (255, 236, 200))
    elif s == "hospital":
        _gradient(p, (230, 242, 240), (196, 222, 220), 0, 1)
        p.poly([(-1, 0.6), (2, 0.6), (2, 0.64), (-1, 0.64)], (150, 190, 190))
        dx = rng.choice((0.05, 0.78))
        p.poly([(dx, 0.15), (dx + 0.18, 0.15), (dx + 0.18, 1.1), (dx, 1.1)], (206, 226, 226))
        p.poly([(dx + 0.04, 0.22), (dx + 0.14, 0.22), (dx + 0.14, 0.42), (dx + 0.04, 0.42)],
               (180, 214, 230))
    elif s == "library":
        _gradient(p, (110, 76, 50), (70, 48, 34), 0, 1)
        y = -0.1
        while y < 1.2:
            x = -1.0
            while x < 2:
                w, h = r(0.025, 0.05), r(0.12, 0.17)
                p.poly([(x, y + 0.19 - h), (x + w, y + 0.19 - h), (x + w, y + 0.19),
                        (x, y + 0.19)], rng.choice(((150, 50, 40), (40, 80, 120), (60, 110, 70),
                                                    (190, 150, 70), (110, 60, 100),
                                                    (200, 190, 160))))
                x += w + 0.004
            p.poly([(-1, y + 0.19), (2, y + 0.19), (2, y + 0.22), (-1, y + 0.22)],
                   (80, 54, 36))
            y += 0.22
    elif s == "plain":
        _gradient(p, (246, 246, 248), (222, 224, 230), 0, 1)
    else:
        top, bottom = _scene_colors(f)
        _gradient(p, top, bottom, 0, 1)
        p.ellipse(0.5, 0.42, 0.42, 0.42, mix(top, (255, 255, 255), 0.35) + (150,))


def background(f: PortraitFeatures, g: Geo, width: int, height: int, frame: Place,
               head: Place, body: Place) -> Image.Image:
    """The blurred setting with the figure's soft drop shadow, at output size."""
    k = max(1.0, min(width, height) / 180)
    bw, bh = max(8, round(width / k)), max(8, round(height / k))
    small = Image.new("RGB", (bw, bh))
    _scene(Painter(small, *(v / k for v in frame)), f)
    small = small.filter(ImageFilter.GaussianBlur(1.6 if f.setting != "studio" else 6))
    mask = Image.new("L", (bw, bh), 0)
    dx, dy = 0.025 * frame[2], 0.015 * frame[2]
    m = Painter(mask, (head[0] + dx) / k, (head[1] + dy) / k, head[2] / k)
    m.ellipse(g.cx, g.cy - 0.01, g.fw * 1.4, g.fh * 1.25, 110)
    Painter(mask, (body[0] + dx) / k, (body[1] + dy) / k, body[2] / k).poly(torso(g), 110)
    mask = mask.filter(ImageFilter.GaussianBlur(0.03 * frame[2] / k))
    small = Image.composite(shade_image(small, 0.55), small, mask)
    return small.resize((width, height), Image.Resampling.BILINEAR)


def shade_image(im: Image.Image, k: float) -> Image.Image:
    """The image with every channel scaled by `k`."""
    return im.point([round(v * k) for v in range(256)] * 3)



def placement(width: int, height: int, shoulder_y: float = 0.645) -> tuple[Place, Place, Place]:
    """Pixel placement of the backdrop square, the head units and the body units."""
    size = float(min(width, height))
    frame = ((width - size) / 2, (height - size) * 0.65, size)
    hs = size * ZOOM
    head = (frame[0] + 0.5 * (size - hs), frame[1] + 0.42 * (size - hs), hs)
    body = (head[0] + 0.5 * hs * (1 - BODY), head[1] + shoulder_y * hs * (1 - BODY), hs * BODY)
    return frame, head, body


def head_to_pixel(width: int, height: int, x: float, y: float) -> tuple[int, int]:
    """Where a point given in head units (as in `Geo`) lands in a width×height portrait."""
    ox, oy, s = placement(width, height)[1]
    return int(ox + x * s), int(oy + y * s)


def draw_portrait(features: PortraitFeatures, width: int, height: int) -> Image.Image:
    """An RGB `width`×`height` illustrated head-and-shoulders portrait of `features`."""
    f, g = features, geometry(features)
    frame, head, body = placement(width, height, g.shoulder_y)
    canvas = background(f, g, width, height, frame, head, body).resize(
        (width * SS, height * SS), Image.Resampling.NEAREST)
    p = Painter(canvas, *(v * SS for v in head))
    bp = Painter(canvas, *(v * SS for v in body))
    paint_figure(p, bp, f, g)
    return canvas.reduce(SS)
