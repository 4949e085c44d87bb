"""The figure of an offline portrait: back hair, clothes, face, hair, headscarf and glasses."""

from __future__ import annotations

from avatar_core.engines.offline.accessories import glasses
from avatar_core.engines.offline.face import paint_face
from avatar_core.engines.offline.hair import paint_back_hair, paint_hair
from avatar_core.engines.offline.outfit import paint_clothes
from avatar_core.engines.offline.paint import Geo, Painter, arc, bezier, mix, shade
from avatar_core.engines.offline.portrait import PortraitFeatures


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


def paint_figure(p: Painter, bp: Painter, f: PortraitFeatures, geos: tuple[Geo, Geo]) -> None:
    """Paints the whole figure: `p` draws in head units, `bp` in (smaller) body units; `geos`
    places the figure in each."""
    g, body = geos
    paint_back_hair(p, f, g)
    paint_clothes(bp, f, body)
    if f.hair_style == "hijab":
        _hijab(p, f, g, front=False)
    paint_face(p, f, g)
    paint_hair(p, f, g)
    if f.hair_style == "hijab":
        _hijab(p, f, g, front=True)
    if f.glasses != "none":
        glasses(p, f, g)
