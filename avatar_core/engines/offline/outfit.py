"""The clothes of an offline portrait, table-driven: each clothing kind is a list of parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from avatar_core.engines.offline import garments as gm
from avatar_core.engines.offline import tops as tp
from avatar_core.engines.offline.paint import Geo, Painter, Pt, arc, bezier, shade, torso
from avatar_core.engines.offline.portrait import PortraitFeatures
from avatar_core.engines.offline.tops import Part


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


def _gown_top(p: Painter, f: PortraitFeatures, g: Geo) -> tuple[list[Pt], list[Pt]]:
    """(neckline, outline) of a strapless gown's bodice."""
    cx, y, sw = g.cx, g.shoulder_y, g.sw
    top = bezier(
        (cx - sw * 0.62, y + 0.085), (cx - sw * 0.45, y + 0.03), (cx - sw * 0.12, y + 0.04), (cx, y + 0.12)
    ) + bezier(
        (cx, y + 0.12), (cx + sw * 0.12, y + 0.04), (cx + sw * 0.45, y + 0.03), (cx + sw * 0.62, y + 0.085)
    )
    return top, [*top, (cx + sw * 0.66, 1.3), (cx - sw * 0.66, 1.3)]


def _tank_top(p: Painter, f: PortraitFeatures, g: Geo) -> tuple[list[Pt], list[Pt]]:
    """(neckline, outline) of a tank top, painting its straps over the shoulders."""
    cx, y, sw, nw = g.cx, g.shoulder_y, g.sw, g.nw
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
    return top, shape


Bodice = Callable[[Painter, PortraitFeatures, Geo], tuple[list[Pt], list[Pt]]]
BODICES: dict[str, Bodice] = {"gown": _gown_top, "tank": _tank_top}


def _bodice(p: Painter, f: PortraitFeatures, g: Geo, kind: str) -> None:
    """Bare shoulders with the bodice `kind` (BODICES: a strapless gown or a tank top) over them."""
    cx, y, sw, nw = g.cx, g.shoulder_y, g.sw, g.nw
    p.poly(torso(g), f.skin_rgb)
    top, shape = BODICES[kind](p, f, g)
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


PARTS: dict[str, Part] = {
    "shirt_v": tp.inner_v((236, 240, 246)),
    "blouse_v": tp.inner_v((248, 244, 236)),
    "blue_v": tp.inner_v((150, 184, 222)),
    "tee_v": tp.tee_v,
    "shirt_collar": tp.shirt_collar,
    "tie": tp.tie,
    "lapels": tp.lapels,
    "button": tp.buttons((0.9,), 0.011),
    "buttons": tp.buttons((0.8, 0.86, 0.92)),
    "stethoscope": tp.stethoscope,
    "hood": tp.hood,
    "hood_rim": tp.hood_rim,
    "drawstrings": tp.drawstrings,
    "rib": tp.rib,
    "knit": tp.knit,
    "collar": tp.collar,
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
        _bodice(p, f, g, outfit.bodice)
    else:
        p.poly(torso(g), f.clothing_rgb)
    for name in outfit.under:
        PARTS[name](p, f, g)
    _neck(p, f, g, outfit.neck)
    for name in outfit.over:
        PARTS[name](p, f, g)
