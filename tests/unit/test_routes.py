"""The pure route planner: which route, which provider model, what LoRA claim, which size."""

from __future__ import annotations

import pytest

from avatar_core.engines.base import RenderRequest, RouteTarget
from avatar_core.engines.routes import (
    REPLICATE_ASPECTS,
    HubMapping,
    Mappings,
    RouteConfig,
    build_call,
    ceil16,
    plan_route,
    replicate_size,
)

DEV, SCHNELL, REALISM = (
    "black-forest-labs/FLUX.1-dev",
    "black-forest-labs/FLUX.1-schnell",
    "XLabs-AI/flux-RealismLora",
)
LORA_MAP: Mappings = {
    "replicate": HubMapping(
        "replicate",
        "black-forest-labs/flux-dev-lora",
        adapter="lora",
        adapter_weights_path="lora.safetensors",
    ),
    "fal-ai": HubMapping(
        "fal-ai", "fal-ai/flux-lora", adapter="lora", adapter_weights_path="lora.safetensors"
    ),
}
HUB: dict[str, Mappings] = {
    DEV: {
        "replicate": HubMapping("replicate", "black-forest-labs/flux-dev"),
        "fal-ai": HubMapping("fal-ai", "fal-ai/flux/dev"),
    },
    SCHNELL: {
        "replicate": HubMapping("replicate", "black-forest-labs/flux-schnell"),
        "fal-ai": HubMapping("fal-ai", "fal-ai/flux/schnell"),
    },
    REALISM: LORA_MAP,
}
BASE = RouteTarget(DEV, width=512, height=512)
REALISM_768 = RouteTarget(DEV, REALISM, 0.9, 768, 768)
HD = RouteTarget(DEV, REALISM, 0.9, 1024, 1024)


def lookup(repo: str) -> Mappings:
    return HUB.get(repo, {})


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((512, 512), ("1:1", "0.25", 512, 512)),
        ((768, 768), ("1:1", "1", 1024, 1024)),  # 768² cannot be made: the next size up
        ((1024, 1024), ("1:1", "1", 1024, 1024)),
        ((896, 1152), ("3:4", "1", 896, 1152)),
        ((430, 520), ("4:5", "0.25", 448, 544)),
        ((1344, 768), ("16:9", "1", 1344, 768)),
    ],
)
def test_replicate_size_is_the_smallest_it_can_make_at_or_above(
    size: tuple[int, int], expected: tuple[str, str, int, int]
) -> None:
    assert replicate_size(*size) == expected


def test_every_replicate_size_is_a_cog_flux_size() -> None:
    sizes = set(REPLICATE_ASPECTS.values()) | {(w // 2, h // 2) for w, h in REPLICATE_ASPECTS.values()}
    for w in range(256, 1400, 64):
        for h in range(256, 1400, 96):
            _, _, pw, ph = replicate_size(w, h)
            assert (pw, ph) in sizes


def test_replicate_lora_runs_on_flux_dev_lora_with_the_catalog_scale() -> None:
    plan = plan_route(REALISM_768, RouteConfig("replicate"), lookup)
    assert (plan.route, plan.provider_model, plan.lora, plan.lora_scale) == (
        "replicate",
        "black-forest-labs/flux-dev-lora",
        REALISM,
        0.9,
    )
    assert (plan.size, plan.servable, plan.negative_prompt) == ("1024x1024", True, False)
    call = build_call(
        plan, RenderRequest("p", 768, 768, 30, 3.5, 7, DEV, "ugly", REALISM, 0.9), RouteConfig("replicate")
    )
    assert call.model == REALISM  # the LoRA repo: the library then adds lora_weights
    assert call.parameters == {
        "aspect_ratio": "1:1",
        "megapixels": "1",
        "num_outputs": 1,
        "num_inference_steps": 30,
        "guidance": 3.5,
        "seed": 7,
        "output_format": "png",
        "go_fast": False,
        "lora_scale": 0.9,
    }


def test_replicate_schnell_gets_no_guidance_and_at_most_4_steps() -> None:
    target = RouteTarget(SCHNELL, width=512, height=512)
    plan = plan_route(target, RouteConfig("replicate"), lookup)
    call = build_call(plan, RenderRequest("p", 512, 512, 8, 0.0, 1, SCHNELL), RouteConfig("replicate"))
    assert "guidance" not in call.parameters and call.parameters["num_inference_steps"] == 4
    assert call.parameters["megapixels"] == "0.25"


def test_fal_lora_runs_at_scale_one_and_says_so() -> None:
    plan = plan_route(REALISM_768, RouteConfig("fal-ai"), lookup)
    assert (plan.provider_model, plan.lora_scale, plan.size) == ("fal-ai/flux-lora", 1.0, "768x768")
    assert any("scale 1.0" in n and "0.9" in n for n in plan.notes)
    call = build_call(
        plan, RenderRequest("p", 768, 768, 30, 3.5, 7, DEV, "", REALISM, 0.9), RouteConfig("fal-ai")
    )
    assert call.model == REALISM and call.parameters["output_format"] == "png"


@pytest.mark.parametrize(
    ("hub", "why"),
    [
        ({REALISM: {}}, "not mapped as a LoRA adapter"),
        (
            {REALISM: {"replicate": HubMapping("replicate", "black-forest-labs/flux-dev")}},
            "not mapped as a LoRA adapter",
        ),
        ({REALISM: None}, "could not be checked"),
        (
            {REALISM: {"replicate": HubMapping("replicate", "someone/unknown-lora", adapter="lora")}},
            "no known LoRA inputs",
        ),
    ],
)
def test_a_lora_row_without_evidence_is_not_sold(hub: dict[str, Mappings], why: str) -> None:
    plan = plan_route(REALISM_768, RouteConfig("replicate"), lambda repo: hub.get(repo, {}))
    assert not plan.servable and why in plan.why and plan.lora is None


def test_lora_on_a_provider_without_lora_support_is_not_sold() -> None:
    plan = plan_route(HD, RouteConfig("hf-inference"), lookup)
    assert not plan.servable and "cannot run a LoRA" in plan.why


def test_auto_picks_the_first_mapped_provider() -> None:
    only_fal: dict[str, Mappings] = {DEV: {"fal-ai": HubMapping("fal-ai", "fal-ai/flux/dev")}}
    assert plan_route(BASE, RouteConfig("auto"), lambda r: only_fal.get(r, {})).route == "fal-ai"
    assert plan_route(BASE, RouteConfig(""), lookup).route == "replicate"


def test_unmapped_base_model_is_not_sold_but_an_unreachable_hub_still_tries() -> None:
    assert not plan_route(BASE, RouteConfig("replicate"), lambda r: {}).servable
    unknown = plan_route(BASE, RouteConfig("replicate"), lambda r: None)
    assert unknown.servable and unknown.status == "unknown"


@pytest.mark.parametrize(("handler", "sold"), [("default", False), ("avatar-creator", True)])
def test_dedicated_endpoint_sells_a_lora_only_with_our_handler(handler: str, sold: bool) -> None:
    target = RouteTarget(DEV, REALISM, 0.9, 770, 770, "https://e.example/x", handler)
    plan = plan_route(target, RouteConfig("replicate"), lookup)
    assert (plan.route, plan.servable, plan.size) == ("endpoint", sold, "784x784")
    if sold:
        request = RenderRequest(
            "p",
            770,
            770,
            30,
            3.5,
            7,
            DEV,
            "",
            REALISM,
            0.9,
            endpoint_url="https://e.example/x",
            endpoint_handler=handler,
        )
        call = build_call(plan, request, RouteConfig())
        assert call.model == "https://e.example/x"  # posted to the URL itself
        assert call.parameters["lora_weights"] == REALISM and call.parameters["lora_scale"] == 0.9


def test_base_url_route_keeps_the_serverless_shape() -> None:
    config = RouteConfig("", "http://gpu.local:8080", "avatar-creator")
    plan = plan_route(HD, config, lookup)
    call = build_call(plan, RenderRequest("p", 1024, 1024, 35, 3.5, 1, DEV, "", REALISM, 0.9), config)
    assert (plan.route, call.model) == ("serverless", f"http://gpu.local:8080/models/{DEV}")
    assert not plan_route(HD, RouteConfig("", "http://gpu.local:8080"), lookup).servable


def test_ceil16() -> None:
    assert [ceil16(v) for v in (1, 16, 17, 768, 770)] == [16, 16, 32, 768, 784]


@pytest.mark.parametrize(
    ("route", "provider_model", "expected"),
    [
        (
            "replicate",
            "black-forest-labs/flux-kontext-dev",
            {
                "prompt": "p",
                "aspect_ratio": "match_input_image",
                "num_inference_steps": 28,
                "guidance": 2.5,
                "seed": 1,
                "output_format": "png",
                "go_fast": False,
                "disable_safety_checker": False,
            },
        ),
        (
            "fal-ai",
            "fal-ai/flux-kontext/dev",
            {
                "prompt": "p",
                "num_inference_steps": 28,
                "guidance_scale": 2.5,
                "seed": 1,
                "output_format": "png",
                "enable_safety_checker": True,
                "num_images": 1,
                "resolution_mode": "match_input",
            },
        ),
    ],
)
def test_likeness_calls_send_the_photo_with_the_safety_checker_on(
    route: str, provider_model: str, expected: dict[str, object]
) -> None:
    kontext = "black-forest-labs/FLUX.1-Kontext-dev"
    hub = {kontext: {route: HubMapping(route, provider_model, task="image-to-image")}}
    plan = plan_route(RouteTarget(kontext), RouteConfig(route), lambda r: hub.get(r, {}))
    request = RenderRequest("p", 1024, 1024, 28, 2.5, 1, kontext, image=b"jpeg")
    call = build_call(plan, request, RouteConfig(route))
    assert (call.task, call.image, call.model, call.parameters) == (
        "image-to-image",
        b"jpeg",
        kontext,
        expected,
    )
