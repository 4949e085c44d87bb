"""Paints a flat-illustration head-and-shoulders portrait from PortraitFeatures with Pillow."""

from __future__ import annotations

from PIL import Image, ImageFilter

from avatar_core.engines.offline.figure import paint_figure
from avatar_core.engines.offline.paint import Geo, Painter, Place, geometry, torso
from avatar_core.engines.offline.portrait import PortraitFeatures
from avatar_core.engines.offline.scene import paint_scene

SS = 2  # supersampling factor of the figure layer
ZOOM, BODY = 1.12, 0.88  # figure zoom about (0.5, 0.42); body scale about its shoulders


def background(
    f: PortraitFeatures, g: Geo, width: int, height: int, frame: Place, head: Place, body: Place
) -> Image.Image:
    """The blurred setting with the figure's soft drop shadow, at output size."""
    k = max(1.0, min(width, height) / 180)
    bw, bh = max(8, round(width / k)), max(8, round(height / k))
    small = Image.new("RGB", (bw, bh))
    paint_scene(Painter(small, *(v / k for v in frame)), f)
    small = small.filter(ImageFilter.GaussianBlur(6 if f.setting == "studio" else 1.6))
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
        (width * SS, height * SS), Image.Resampling.NEAREST
    )
    p = Painter(canvas, *(v * SS for v in head))
    bp = Painter(canvas, *(v * SS for v in body))
    paint_figure(p, bp, f, g)
    return canvas.reduce(SS)
