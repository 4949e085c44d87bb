"""Aspect ratios: the catalog area reshaped, then what each route can really make (pure)."""

from __future__ import annotations

import pytest

from avatar_core.domain.aspects import ASPECTS, SQUARE, parse_aspect, shaped
from avatar_core.domain.errors import ValidationError
from avatar_core.engines.base import RouteTarget
from avatar_core.engines.offline.engine import LocalEngine
from avatar_core.engines.routes import RouteConfig, plan_route, replicate_size
from tests.unit.test_routes import DEV, REALISM, lookup

# catalog side -> aspect -> (asked WxH, Replicate (aspect_ratio, megapixels, W, H), fal WxH)
TABLE = {
    (512, "1:1"): ((512, 512), ("1:1", "0.25", 512, 512)),
    (512, "3:4"): ((448, 592), ("3:4", "0.25", 448, 576)),
    (512, "4:5"): ((464, 576), ("4:5", "0.25", 448, 544)),
    (512, "4:3"): ((592, 448), ("4:3", "0.25", 576, 448)),
    (768, "1:1"): ((768, 768), ("1:1", "1", 1024, 1024)),
    (768, "3:4"): ((672, 880), ("3:4", "1", 896, 1152)),
    (768, "4:5"): ((688, 864), ("4:5", "1", 896, 1088)),
    (768, "4:3"): ((880, 672), ("4:3", "1", 1152, 896)),
    (1024, "1:1"): ((1024, 1024), ("1:1", "1", 1024, 1024)),
    (1024, "3:4"): ((880, 1184), ("3:4", "1", 896, 1152)),
    (1024, "4:5"): ((912, 1152), ("4:5", "1", 896, 1088)),
    (1024, "4:3"): ((1184, 880), ("4:3", "1", 1152, 896)),
}


@pytest.mark.parametrize(("side", "aspect"), list(TABLE))
def test_size_per_route(side: int, aspect: str) -> None:
    asked, replicate = TABLE[(side, aspect)]
    w, h = shaped(side, side, parse_aspect(aspect))
    assert (w, h) == asked and w % 16 == 0 and h % 16 == 0
    assert abs(w * h - side * side) / (side * side) < 0.04  # about the catalog's area
    assert replicate_size(w, h) == replicate  # Replicate: its aspect_ratio at 1 or 0.25 MP
    lora = REALISM if side > 512 else None
    target = RouteTarget(DEV, lora, 0.9 if lora else None, w, h)
    rep = plan_route(target, RouteConfig("replicate"), lookup)
    fal = plan_route(target, RouteConfig("fal-ai"), lookup)
    assert (rep.servable, rep.width, rep.height) == (True, *replicate[2:])
    assert (fal.servable, fal.width, fal.height) == (True, w, h)  # fal: the exact WxH
    offline = LocalEngine().plan(target)
    assert (offline.width, offline.height) == (w, h)  # the painter draws any size


@pytest.mark.parametrize("aspect", ASPECTS)
def test_endpoint_default_handler_makes_square_only(aspect: str) -> None:
    w, h = shaped(768, 768, parse_aspect(aspect))
    default = plan_route(RouteTarget(DEV, width=w, height=h, endpoint_url="http://e"), RouteConfig(), lookup)
    ours = plan_route(
        RouteTarget(DEV, width=w, height=h, endpoint_url="http://e", endpoint_handler="avatar-creator"),
        RouteConfig(),
        lookup,
    )
    assert default.servable == (aspect == SQUARE)
    if aspect != SQUARE:
        assert "square images only" in default.why
    assert (ours.servable, ours.width, ours.height) == (True, w, h)


def test_bad_aspect_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValidationError, match="1:1, 3:4, 4:5, 4:3"):
        parse_aspect("16:9")
    assert parse_aspect(None) == parse_aspect("") == SQUARE


def test_non_square_catalog_rows_keep_their_area() -> None:
    assert shaped(1024, 768, "1:1") == (880, 880)
    assert shaped(640, 640, "1:1") == (640, 640)
