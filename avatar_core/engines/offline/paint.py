"""Drawing primitives in portrait units, and the proportions of the figure."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw

from avatar_core.engines.offline.portrait import PortraitFeatures

Pt = tuple[float, float]
Place = tuple[float, float, float]  # pixel x and y of the unit origin, pixels per unit
Color = tuple[int, ...]
Turn = tuple[float, float, float, float]  # cos and sin of a tilt, and its pivot in units


def shade(c: Sequence[int], k: float, alpha: int | None = None) -> Color:
    """`c` scaled by `k` (k < 1 darkens), optionally with an alpha."""
    rgb = tuple(max(0, min(255, round(v * k))) for v in c[:3])
    return rgb if alpha is None else (*rgb, alpha)


def mix(a: Sequence[int], b: Sequence[int], t: float) -> Color:
    """Linear blend from `a` (t=0) to `b` (t=1)."""
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))


def bezier(p0: Pt, p1: Pt, p2: Pt, p3: Pt, n: int = 14) -> list[Pt]:
    """Points along a cubic Bézier curve, both ends included."""
    out = []
    for i in range(n + 1):
        t = i / n
        u = 1 - t
        out.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return out


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> list[Pt]:
    """Points along an ellipse from angle a0 to a1 (degrees, y down)."""
    return [
        (
            cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)),
            cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n)),
        )
        for i in range(n + 1)
    ]


class Painter:
    """Draws in portrait units (the figure's square is 0..1) onto an image or a mask."""

    def __init__(
        self, im: Image.Image, ox: float, oy: float, scale: float, *, turn: Turn | None = None
    ) -> None:
        self.im, self.ox, self.oy, self.s, self.turn = im, ox, oy, scale, turn
        self.d = ImageDraw.Draw(im, "RGBA" if im.mode == "RGB" else None)

    def tilted(self, degrees: float, pivot: Pt) -> Painter:
        """The same painter with everything it draws rotated by `degrees` about `pivot`."""
        a = math.radians(degrees)
        return Painter(self.im, self.ox, self.oy, self.s, turn=(math.cos(a), math.sin(a), *pivot))

    def px(self, pts: Sequence[Pt]) -> list[Pt]:
        """Unit points to pixels (rotated first when the painter is tilted)."""
        ox, oy, s = self.ox, self.oy, self.s
        if self.turn is None:
            return [(ox + x * s, oy + y * s) for x, y in pts]
        c, n, qx, qy = self.turn
        return [
            (ox + (qx + (x - qx) * c - (y - qy) * n) * s, oy + (qy + (x - qx) * n + (y - qy) * c) * s)
            for x, y in pts
        ]

    def box(self, cx: float, cy: float, rx: float, ry: float) -> tuple[float, float, float, float]:
        """The pixel box of half-size rx×ry around the unit point (cx, cy); a tilt moves it whole."""
        ((x, y),) = self.px([(cx, cy)])
        return (x - rx * self.s, y - ry * self.s, x + rx * self.s, y + ry * self.s)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: object) -> None:
        """A filled ellipse."""
        self.d.ellipse(self.box(cx, cy, rx, ry), fill=fill)  # type: ignore[arg-type]

    def poly(self, pts: Sequence[Pt], fill: object) -> None:
        """A filled polygon."""
        self.d.polygon(self.px(pts), fill=fill)  # type: ignore[arg-type]

    def line(self, pts: Sequence[Pt], fill: object, width: float) -> None:
        """A stroked polyline with round joints and caps."""
        w = max(1, round(width * self.s))
        xy = self.px(pts)
        self.d.line(xy, fill=fill, width=w, joint="curve")  # type: ignore[arg-type]
        r = w / 2 - 0.5
        if r > 1:
            for x, y in (xy[0], xy[-1]):
                self.d.ellipse((x - r, y - r, x + r, y + r), fill=fill)  # type: ignore[arg-type]

    def masked(
        self,
        fill: Color | Callable[[Painter], None],
        box: tuple[float, float, float, float],
        shape: Callable[[Painter], None],
        clip: Callable[[Painter], None] | None = None,
    ) -> None:
        """Paint `fill` (a colour or a painting) through the mask `shape` (∩ `clip`) in `box`."""
        corners = self.px([box[:2], box[2:], (box[0], box[3]), (box[2], box[1])])
        x0, y0 = min(x for x, _ in corners), min(y for _, y in corners)
        x1, y1 = max(x for x, _ in corners), max(y for _, y in corners)
        ix0, iy0 = max(0, int(x0)), max(0, int(y0))
        ix1, iy1 = min(self.im.width, int(x1) + 1), min(self.im.height, int(y1) + 1)
        if ix1 <= ix0 or iy1 <= iy0:
            return
        mask = Image.new("L", (ix1 - ix0, iy1 - iy0), 0)
        shape(Painter(mask, self.ox - ix0, self.oy - iy0, self.s, turn=self.turn))
        if clip is not None:
            clip_mask = Image.new("L", mask.size, 0)
            clip(Painter(clip_mask, self.ox - ix0, self.oy - iy0, self.s, turn=self.turn))
            mask = ImageChops.darker(mask, clip_mask)
        if callable(fill):
            region = self.im.crop((ix0, iy0, ix1, iy1))
            fill(Painter(region, self.ox - ix0, self.oy - iy0, self.s, turn=self.turn))
            self.im.paste(region, (ix0, iy0), mask)
        else:
            self.im.paste(fill, (ix0, iy0, ix1, iy1), mask)


@dataclass(frozen=True)
class Geo:
    """Where the parts of the figure sit, in portrait units."""

    cx: float
    cy: float
    fw: float
    fh: float
    taper: float
    dx: float
    eye_y: float
    eye_dx: float
    ew: float
    eh: float
    nw: float
    sw: float
    shoulder_y: float

    def face(self, grow: float = 1.0, dy: float = 0.0, n: int = 48) -> list[Pt]:
        """The face outline: round above, tapering to the chin below."""
        pts = []
        for i in range(n):
            t = 2 * math.pi * i / n
            s = math.sin(t)
            k = 1 - self.taper * s**3 if s > 0 else 1.0
            pts.append(
                (
                    self.cx + self.fw * grow * math.cos(t) * k,
                    self.cy + dy + self.fh * grow * s * (1.0 if s < 0 else 1.02),
                )
            )
        return pts


def geometry(f: PortraitFeatures) -> Geo:
    """The figure's proportions for these features."""
    female = f.gender == "female"
    broad = {"slim": -0.03, "average": 0.0, "broad": 0.035}[f.body]
    return Geo(
        cx=0.5 + f.shift,
        cy=0.40,
        fw=(0.122 if female else 0.13) + broad * 0.15,
        fh=0.168,
        taper=0.32 if female else 0.2,
        dx=f.turn * 0.012,
        eye_y=0.413,
        eye_dx=0.054,
        ew=0.027,
        eh=0.016 if female else 0.014,
        nw=(0.056 if female else 0.068) + broad * 0.2,
        sw=(0.34 if female else 0.4) + broad,
        shoulder_y=0.645,
    )


def torso(g: Geo) -> list[Pt]:
    """Shoulders and chest outline, running off the bottom of the picture."""
    cx, y = g.cx, g.shoulder_y
    left = bezier(
        (cx - g.nw * 1.4, y - 0.01),
        (cx - g.sw * 0.3, y + 0.005),
        (cx - g.sw * 0.5, y + 0.01),
        (cx - g.sw * 0.68, y + 0.03),
        8,
    )
    left += bezier(
        (cx - g.sw * 0.68, y + 0.03),
        (cx - g.sw * 0.9, y + 0.045),
        (cx - g.sw, y + 0.08),
        (cx - g.sw * 1.03, y + 0.2),
        10,
    )[1:]
    right = [(2 * cx - x, yy) for x, yy in left]
    return [(cx - g.sw * 1.08, 3.0), *reversed(left), *right, (cx + g.sw * 1.08, 3.0)]
