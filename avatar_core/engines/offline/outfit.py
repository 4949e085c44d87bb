"""The clothes of an offline portrait, table-driven: each clothing kind is a list of parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from avatar_core.engines.offline import garments as gm
from avatar_core.engines.offline.garments import dark as _dark
from avatar_core.engines.offline.paint import Color, Geo, Painter, arc, bezier, shade, torso
from avatar_core.engines.offline.portrait import PortraitFeatures

Part = Callable[[Painter, PortraitFeatures, Geo], None]


@dataclass(frozen=True)
class Outfit:
    """How one clothing kind is drawn: the bodice over bare shoulders, neckline and parts."""

    bodice: str = ""  # "" when the clothes cover the shoulders, else "gown" or "tank"
    neck: str = "crew"  # the skin cut out at the neck: crew, v, deep, scoop or none
    under: tuple[str, ...] = ()  # parts drawn before the neck
    over: tuple[str, ...] = ()  # parts drawn after the neck


OUTFITS: dict[str, Outfit] = {
    "suit": Outfit(neck="none", under=("shirt_v",), over=("shirt_collar", "tie", "lapels")),
    "blazer": Outfit(neck="none", under=("blouse_v",), over=("lapels", "button")),
    "labcoat": Outfit(neck="none", under=("blue_v",), over=("shirt_collar", "tie", "lapels", "stethoscope")),
    "jacket": Outfit(under=("tee_v",), over=("jacket_fronts", "stand_collar")),
    "hoodie": Outfit(under=("hood",), over=("hood_rim", "drawstrings")),
    "cardigan": Outfit(neck="none", under=("shirt_v",), over=("cardigan_edges", "buttons")),
    "sweater": Outfit(over=("knit", "rib")),
    "shirt": Outfit(neck="v", over=("placket", "collar")),
    "casual": Outfit(over=("rib", "necklace")),
    "scrubs": Outfit(neck="deep", over=("v_trim", "pocket", "necklace")),
    "sporty": Outfit(neck="none", over=("stripes", "mock_collar")),
    "tank": Outfit(bodice="tank", neck="none", over=("necklace",)),
    "gown": Outfit(bodice="gown", neck="none", over=("sheen", "necklace")),
    "dress": Outfit(neck="scoop", over=("cap_sleeves", "necklace")),
    "abaya": Outfit(neck="none", over=("folds", "trim", "mock_collar")),
    "kimono": Outfit(neck="deep", over=("cross_collar", "obi")),
    "sari": Outfit(neck="scoop", over=("pallu",)),
    "robe": Outfit(over=("kente", "drape", "rib")),
    "raincoat": Outfit(neck="none", over=("gloss", "placket_wide", "toggles", "storm_collar")),
}


def _bodice(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Bare shoulders with a strapless gown or a tank top over them."""
    cx, y, sw, nw = g.cx, g.shoulder_y, g.sw, g.nw
    p.poly(torso(g), f.skin_rgb)
    if f.clothing == "gown":
        top = bezier(
            (cx - sw * 0.62, y + 0.085),
            (cx - sw * 0.45, y + 0.03),
            (cx - sw * 0.12, y + 0.04),
            (cx, y + 0.12),
        ) + bezier(
            (cx, y + 0.12),
            (cx + sw * 0.12, y + 0.04),
            (cx + sw * 0.45, y + 0.03),
            (cx + sw * 0.62, y + 0.085),
        )
        shape = [*top, (cx + sw * 0.66, 1.3), (cx - sw * 0.66, 1.3)]
    else:
        top = arc(cx, y + 0.02, nw * 1.9, 0.09, 180, 0, 16)
        shape = [
            (cx - sw * 0.55, y + 0.12),
            *top,
            (cx + sw * 0.55, y + 0.12),
            (cx + sw * 0.6, 1.3),
            (cx - sw * 0.6, 1.3),
        ]
        for side in (-1, 1):
            p.poly(
                [
                    (cx + side * nw * 1.3, y - 0.012),
                    (cx + side * nw * 2.5, y - 0.004),
                    (cx + side * sw * 0.55, y + 0.12),
                    (cx + side * nw * 1.9, y + 0.03),
                ],
                f.clothing_rgb,
            )
    crease = shade(f.skin_rgb, 0.86)
    p.line(arc(cx, y - 0.005, nw * 2.2, 0.02, 20, 160, 12), crease, 0.004)
    for side in (-1, 1):
        p.line(
            bezier(
                (cx + side * sw * 0.6, y + 0.1),
                (cx + side * sw * 0.66, y + 0.16),
                (cx + side * sw * 0.68, y + 0.24),
                (cx + side * sw * 0.7, y + 0.36),
            ),
            crease,
            0.006,
        )
    p.poly(shape, f.clothing_rgb)
    p.line(top, shade(f.clothing_rgb, 0.75), 0.006)


def _neck(p: Painter, f: PortraitFeatures, g: Geo, kind: str) -> None:
    """The neck, the neckline cut in the clothes, and the shadow under the chin."""
    cx, y, nw, neck = g.cx, g.shoulder_y, g.nw, shade(f.skin_rgb, 0.92)
    cuts = {
        "crew": arc(cx, y + 0.006, nw * 1.35, 0.034, 0, 360, 20),
        "v": [(cx - nw * 1.1, y - 0.01), (cx + nw * 1.1, y - 0.01), (cx, y + 0.06)],
        "deep": [(cx - nw * 1.2, y - 0.01), (cx + nw * 1.2, y - 0.01), (cx, y + 0.1)],
        "scoop": arc(cx, y - 0.01, nw * 2.0, 0.09, 0, 180, 20),
    }
    if kind in cuts:
        p.poly(cuts[kind], neck)
    p.poly([(cx - nw, g.cy), (cx + nw, g.cy), (cx + nw, y + 0.01), (cx - nw, y + 0.01)], neck)
    p.ellipse(cx, g.cy + g.fh * 0.82, nw, 0.05, shade(f.skin_rgb, 0.8))


def _inner_v(color: Color) -> Part:
    """A part: the shirt or top showing in the V of an open jacket."""

    def part(p: Painter, f: PortraitFeatures, g: Geo) -> None:
        p.poly([(g.cx - g.nw * 1.5, g.shoulder_y), (g.cx + g.nw * 1.5, g.shoulder_y), (g.cx, 0.9)], color)

    return part


def _tee_v(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The T-shirt showing between the open fronts of a jacket, in the accent colour."""
    tee = f.accent_rgb if f.accent_rgb != f.clothing_rgb else (240, 240, 238)
    p.poly(
        [
            (g.cx - g.sw * 0.5, g.shoulder_y),
            (g.cx + g.sw * 0.5, g.shoulder_y),
            (g.cx + g.sw * 0.5, 1.2),
            (g.cx - g.sw * 0.5, 1.2),
        ],
        tee,
    )


def _shirt_collar(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """White shirt collar points."""
    cx, y, nw = g.cx, g.shoulder_y, g.nw
    for side in (-1, 1):
        pts = [
            (cx + side * nw * 1.02, y - 0.04),
            (cx + side * 0.003, y + 0.045),
            (cx + side * nw * 1.35, y + 0.05),
        ]
        p.poly(pts, (250, 250, 252))
        p.line(pts, (200, 204, 212), 0.003)


def _collar(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Collar points of a button-down shirt in the shirt's colour."""
    cx, y, nw = g.cx, g.shoulder_y, g.nw
    for side in (-1, 1):
        pts = [
            (cx + side * nw * 1.05, y - 0.045),
            (cx + side * 0.01, y + 0.05),
            (cx + side * nw * 1.9, y + 0.035),
            (cx + side * nw * 1.6, y - 0.01),
        ]
        p.poly(pts, shade(f.clothing_rgb, 1.08))
        p.line(pts + pts[:1], _dark(f.clothing_rgb), 0.004)


def _tie(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A necktie, when the features have one."""
    if not f.tie:
        return
    cx, y, tie = g.cx, g.shoulder_y, f.accent_rgb
    p.poly(
        [(cx - 0.015, y + 0.035), (cx + 0.015, y + 0.035), (cx + 0.011, y + 0.062), (cx - 0.011, y + 0.062)],
        shade(tie, 0.85),
    )
    p.poly(
        [(cx - 0.011, y + 0.062), (cx + 0.011, y + 0.062), (cx + 0.03, 0.96), (cx, 1.0), (cx - 0.03, 0.96)],
        tie,
    )


def _lapels(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Notched lapels of a suit, blazer or lab coat."""
    cx, y, nw, cloth = g.cx, g.shoulder_y, g.nw, f.clothing_rgb
    lapel = shade(cloth, 0.86 if sum(cloth) > 200 else 1.25)
    for side in (-1, 1):
        pts = [
            (cx + side * nw * 1.5, y),
            (cx + side * 0.004, 0.9),
            (cx + side * 0.072, 0.79),
            (cx + side * 0.11, 0.775),
            (cx + side * nw * 2.05, y + 0.02),
        ]
        p.poly(pts, lapel)
        p.line(pts[:2], shade(cloth, 0.7), 0.004)


def _buttons(at: tuple[float, ...], size: float = 0.009) -> Part:
    """A part: buttons down the front at heights `at`."""

    def part(p: Painter, f: PortraitFeatures, g: Geo) -> None:
        for y in at:
            p.ellipse(g.cx + 0.004, y, size, size, _dark(f.clothing_rgb))

    return part


def _stethoscope(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A stethoscope hanging round the neck."""
    cx, y, nw, grey = g.cx, g.shoulder_y, g.nw, (70, 74, 84)
    p.line(
        bezier((cx - nw * 1.3, y - 0.01), (cx - 0.11, y + 0.08), (cx - 0.1, y + 0.16), (cx - 0.07, y + 0.2)),
        grey,
        0.008,
    )
    p.line(
        bezier(
            (cx + nw * 1.3, y - 0.01), (cx + 0.11, y + 0.08), (cx + 0.09, y + 0.14), (cx + 0.085, y + 0.17)
        ),
        grey,
        0.008,
    )
    p.ellipse(cx + 0.085, y + 0.185, 0.018, 0.018, (170, 176, 186))


def _hood(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The hood lying round the back of the neck, rising beside it."""
    cx, y, nw = g.cx, g.shoulder_y, g.nw
    p.ellipse(cx, y - 0.02, nw * 2.7, 0.085, _dark(f.clothing_rgb))
    p.ellipse(cx, y - 0.005, nw * 2.1, 0.06, shade(f.clothing_rgb, 0.65))


def _hood_rim(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The rolled front edge of the hood."""
    p.line(arc(g.cx, g.shoulder_y + 0.006, g.nw * 1.5, 0.04, -15, 195, 18), _dark(f.clothing_rgb), 0.02)


def _drawstrings(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Two hoodie drawstrings."""
    for side in (-1, 1):
        p.line(
            [(g.cx + side * 0.024, g.shoulder_y + 0.04), (g.cx + side * 0.028, g.shoulder_y + 0.16)],
            (236, 236, 236),
            0.007,
        )


def _rib(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """A ribbed crew neckband."""
    wide = 0.018 if f.clothing == "sweater" else 0.011
    p.line(arc(g.cx, g.shoulder_y + 0.006, g.nw * 1.35, 0.034, 0, 180, 16), shade(f.clothing_rgb, 0.82), wide)


def _knit(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """Knitted cable columns down the front of a sweater (inside the torso)."""
    color = _dark(f.clothing_rgb)
    for i in range(-4, 5):
        x = g.cx + i * g.sw * 0.16
        p.line([(x + 0.011 * (-1) ** k, g.shoulder_y + 0.06 + k * 0.0225) for k in range(15)], color, 0.005)


PARTS: dict[str, Part] = {
    "shirt_v": _inner_v((236, 240, 246)),
    "blouse_v": _inner_v((248, 244, 236)),
    "blue_v": _inner_v((150, 184, 222)),
    "tee_v": _tee_v,
    "shirt_collar": _shirt_collar,
    "tie": _tie,
    "lapels": _lapels,
    "button": _buttons((0.9,), 0.011),
    "buttons": _buttons((0.8, 0.86, 0.92)),
    "stethoscope": _stethoscope,
    "hood": _hood,
    "hood_rim": _hood_rim,
    "drawstrings": _drawstrings,
    "rib": _rib,
    "knit": _knit,
    "collar": _collar,
    "stripes": gm.stripes,
    "mock_collar": gm.mock_collar,
    "v_trim": gm.v_trim,
    "pocket": gm.pocket,
    "necklace": gm.necklace,
    "sheen": gm.sheen,
    "cap_sleeves": gm.cap_sleeves,
    "folds": gm.folds,
    "trim": gm.trim,
    "cross_collar": gm.cross_collar,
    "obi": gm.obi,
    "pallu": gm.pallu,
    "kente": gm.kente,
    "drape": gm.drape,
    "storm_collar": gm.storm_collar,
    "placket_wide": gm.placket_wide,
    "toggles": gm.toggles,
    "gloss": gm.gloss,
    "jacket_fronts": gm.jacket_fronts,
    "stand_collar": gm.stand_collar,
    "cardigan_edges": gm.cardigan_edges,
    "placket": gm.placket,
}


def paint_clothes(p: Painter, f: PortraitFeatures, g: Geo) -> None:
    """The torso in its clothes, the neck and the outfit's parts, as OUTFITS lists them."""
    outfit = OUTFITS.get(f.clothing, OUTFITS["casual"])
    if outfit.bodice:
        _bodice(p, f, g)
    else:
        p.poly(torso(g), f.clothing_rgb)
    for name in outfit.under:
        PARTS[name](p, f, g)
    _neck(p, f, g, outfit.neck)
    for name in outfit.over:
        PARTS[name](p, f, g)
