"""Paints a flat-illustration head-and-shoulders portrait from PortraitFeatures with Pillow."""

from __future__ import annotations

import dataclasses
import functools

from PIL import Image, ImageChops, ImageFilter

from avatar_core.engines.offline.figure import paint_figure
from avatar_core.engines.offline.paint import Geo, Painter, Place, geometry, torso
from avatar_core.engines.offline.portrait import PortraitFeatures
from avatar_core.engines.offline.scene import paint_scene

SS = 2  # supersampling factor of the figure layer
ZOOM, BODY = 1.12, 0.88  # figure zoom about (0.5, 0.42); body scale about its shoulders


def background(
    f: PortraitFeatures, g: tuple[Geo, Geo], width: int, height: int, frame: Place, head: Place, body: Place
) -> Image.Image:
    """The blurred setting with the figure's soft drop shadow, at output size."""
    k = max(1.0, min(width, height) / 180)
    bw, bh = max(8, round(width / k)), max(8, round(height / k))
    small = Image.new("RGB", (bw, bh))
    paint_scene(Painter(small, *(v / k for v in frame)), f)
    small = lit(toned(small, f), f.light, f.warmth, 38)
    small = small.filter(ImageFilter.GaussianBlur(6 if f.setting == "studio" else 1.6))
    mask = Image.new("L", (bw, bh), 0)
    dx, dy = 0.025 * frame[2], 0.015 * frame[2]
    (gh, gb), pivot = g, (g[0].cx, g[0].cy + g[0].fh * 1.35)
    m = Painter(mask, (head[0] + dx) / k, (head[1] + dy) / k, head[2] / k).tilted(f.tilt, pivot)
    m.ellipse(gh.cx, gh.cy - 0.01, gh.fw * 1.4, gh.fh * 1.25, 110)
    Painter(mask, (body[0] + dx) / k, (body[1] + dy) / k, body[2] / k).poly(torso(gb), 110)
    mask = mask.filter(ImageFilter.GaussianBlur(0.03 * frame[2] / k))
    small = Image.composite(shade_image(small, 0.55), small, mask)
    return small.resize((width, height), Image.Resampling.BILINEAR)


def shade_image(im: Image.Image, k: float) -> Image.Image:
    """The image with every channel scaled by `k`."""
    return im.point([round(v * k) for v in range(256)] * 3)


def toned(scene: Image.Image, f: PortraitFeatures) -> Image.Image:
    """A painted place (not a backdrop, which is painted in its tone) as dark or light as asked."""
    if f.bg_tone is None or f.setting in ("studio", "plain"):
        return scene
    if f.bg_tone < 0.5:  # dusk to night: darker and a little blue
        return scene.point(
            [round(v * k) for k in (0.3 + f.bg_tone, 0.32 + f.bg_tone, 0.45 + f.bg_tone) for v in range(256)]
        )
    return Image.blend(scene, Image.new("RGB", scene.size, (255, 255, 255)), max(0.0, f.bg_tone - 0.75))


@functools.cache
def _across() -> Image.Image:
    """A 256×1 float ramp, 0 at the left to 255 at the right."""
    return Image.linear_gradient("L").rotate(90).resize((256, 1)).convert("F")


def lit(im: Image.Image, light: float, warmth: float, strength: float) -> Image.Image:
    """`im` lit from one side (`light` -1 left .. 1 right), brighter there and darker across, and
    tinted warm or cool by `warmth`; `strength` is the overlay's swing at the edges (of 128)."""
    k = light * strength
    bands = [
        _across().point(lambda v, b=128 + tint - k: v * (2 * k / 255) + b).convert("L")
        for tint in (warmth * 6, warmth * 2, -warmth * 6)
    ]
    ramp = Image.merge("RGB", bands).resize(im.size, Image.Resampling.BILINEAR)
    return ImageChops.overlay(im, ramp)


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
    gb = dataclasses.replace(g, cx=0.5 + (g.cx - 0.5) / BODY)  # the same place in body units
    frame, head, body = placement(width, height, g.shoulder_y)
    canvas = background(f, (g, gb), width, height, frame, head, body).resize(
        (width * SS, height * SS), Image.Resampling.NEAREST
    )
    p = Painter(canvas, *(v * SS for v in head)).tilted(f.tilt, (g.cx, g.cy + g.fh * 1.35))
    bp = Painter(canvas, *(v * SS for v in body))
    paint_figure(p, bp, f, (g, gb))
    return canvas.reduce(SS)
