"""Fake fal.ai: input schemas of the FLUX apps, what a call really runs, the sync and queue answers.

Sources:
- Input fields and defaults: github.com/fal-ai/fal-js @ 381105e libs/client/src/types/endpoints.ts
  FluxDevInput (13588-13638: image_size default landscape_4_3, output_format "jpeg" | "png" default
  "jpeg", acceleration, sync_mode...), FluxSchnellInput = FluxDevInput (70880), FluxLoraInput
  (14445-14500: loras: LoraWeight[]), LoraWeight (30923-30937: path, scale default 1),
  DevKontextEditInput (8669-8734: image_url, resolution_mode default "match_input", steps default
  28, guidance default 2.5); output unoOutput (60955-60977: images, seed, has_nsfw_concepts,
  prompt, timings) with Image {url, width, height, content_type} (23009-23034).
- Ranges: fal-js @ 5324132 libs/client/src/types/image/zod.gen.ts: dev steps 1..50 (28), guidance
  1..20 (3.5) (16012-16078); schnell steps 1..12 (4) (5534-5600); flux-lora guidance 0..35,
  steps 1..50 (15216-15290); LoraWeight scale 0..4 (200-212); kontext steps 10..50, guidance
  1..20 (28531-28606); num_images 1..4.
- Presets and ImageSize (width/height default 512, gt 0, le 14142): github.com/fal-ai/fal
  projects/fal/src/fal/toolkit/image/image.py (IMAGE_SIZE_PRESETS; content_type image/<format>).
- huggingface_hub 2.4 fal_ai.py: text-to-image posts {prompt, **params}, width/height ->
  image_size {width, height} (289-293), LoRA repos -> loras [{path: <hf resolve URL>, scale: 1}]
  (294-300); image-to-image is a queue job (FalAIQueueTask 195-246) with image_url + image_urls as
  data: URLs (361-367); it polls `<base><response_url path>/status?<query>` every 0.5 s and then GETs
  the result; <base> gets "/fal-ai" only when the host is router.huggingface.co (229), so our
  response_url carries the /fal-ai prefix itself.
Recorded (tests/recordings/, README there): a sync answer is 200 {"images": [{url, width, height,
content_type}], "timings", "seed", "has_nsfw_concepts", "prompt"}; with no output_format asked the
file is a PNG that the answer declares "image/jpeg"; sync_mode gives `data:image/jpeg;base64,...`
URLs; a bad field is 422 {"detail": [{"loc": ["body", ...], "msg", "type"}]}; an unknown app path
is 404 "404: Not Found" (text/plain).
Assumed (not confirmable offline): custom sizes are rounded UP to a multiple of 16; unknown fields
are ignored (pydantic's default) and listed in `dropped`; a bad value -> 422 with a pydantic v2
style {"detail": [{"loc": ["body", ...], "msg", "type"}]}; kontext "match_input" rounds the input
size to the nearest multiple of 16, "auto" picks the closest BFL Kontext resolution and a ratio
uses BFL's table (same tables as replicate.py); queue URLs use the app id (owner/app) + /requests/id.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.common import (
    EffectiveRun,
    Field,
    Problem,
    Rejected,
    check_inputs,
    closest,
    image_size,
    round16,
)
from tests.fakes.replicate import KONTEXT_PREFERRED, KONTEXT_RATIOS

PRESETS = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
_BASE = {
    "prompt": Field("string", required=True),
    "seed": Field("integer", None),
    "num_images": Field("integer", 1, ge=1, le=4),
    "enable_safety_checker": Field("boolean", True),
    "output_format": Field("string", "jpeg", choices=("jpeg", "png")),
    "sync_mode": Field("boolean", False),
    "acceleration": Field("string", "none", choices=("none", "regular", "high")),
}
_T2I = {**_BASE, "image_size": Field("object", "landscape_4_3")}  # dict or preset name (checked apart)
MODELS: dict[str, dict[str, Field]] = {
    "fal-ai/flux/dev": {
        **_T2I,
        "num_inference_steps": Field("integer", 28, ge=1, le=50),
        "guidance_scale": Field("number", 3.5, ge=1, le=20),
    },
    "fal-ai/flux/schnell": {
        **_T2I,
        "num_inference_steps": Field("integer", 4, ge=1, le=12),
        "guidance_scale": Field("number", 3.5, ge=1, le=20),
    },
    "fal-ai/flux-lora": {
        **_T2I,
        "acceleration": Field("string", "none", choices=("none", "regular")),
        "loras": Field("array", ()),
        "num_inference_steps": Field("integer", 28, ge=1, le=50),
        "guidance_scale": Field("number", 3.5, ge=0, le=35),
    },
    "fal-ai/flux-kontext/dev": {
        **_BASE,
        "image_url": Field("string", required=True),
        "num_inference_steps": Field("integer", 28, ge=10, le=50),
        "guidance_scale": Field("number", 2.5, ge=1, le=20),
        "resolution_mode": Field("string", "match_input", choices=("auto", "match_input", *KONTEXT_RATIOS)),
    },
}
_TYPE_MESSAGES = {
    "integer": ("Input should be a valid integer", "int_parsing"),
    "number": ("Input should be a valid number", "float_parsing"),
    "string": ("Input should be a valid string", "string_type"),
    "boolean": ("Input should be a valid boolean", "bool_parsing"),
    "array": ("Input should be a valid list", "list_type"),
    "object": ("Input should be a valid dictionary", "dict_type"),
}


def _error(loc: list[Any], msg: str, kind: str, value: Any) -> dict[str, Any]:
    """One pydantic v2 style error entry."""
    return {"loc": ["body", *loc], "msg": msg, "type": kind, "input": value}


def _pydantic(problem: Problem, loc: list[Any]) -> dict[str, Any]:
    """A Problem as pydantic would word it."""
    spec = problem.field
    if problem.kind == "missing":
        return _error(loc, "Field required", "missing", None)
    if problem.kind == "type":
        return _error(loc, *_TYPE_MESSAGES[spec.type], problem.value)
    if problem.kind == "choice":
        names = [repr(c) for c in spec.choices or ()]
        listed = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
        return _error(loc, f"Input should be {listed}", "literal_error", problem.value)
    bound = {"ge": spec.ge, "le": spec.le, "gt": spec.gt}[problem.kind]
    words = {"ge": "greater than or equal to", "le": "less than or equal to", "gt": "greater than"}
    kinds = {"ge": "greater_than_equal", "le": "less_than_equal", "gt": "greater_than"}
    bound_text = int(bound) if bound is not None and float(bound).is_integer() else bound
    msg = f"Input should be {words[problem.kind]} {bound_text}"
    return _error(loc, msg, kinds[problem.kind], problem.value)


_SIDE = Field("integer", 512, gt=0, le=14142)
_LORA_FIELDS = {"path": Field("string", required=True), "scale": Field("number", 1, ge=0, le=4)}


def _size(value: Any, errors: list[dict[str, Any]]) -> tuple[int, int]:
    """image_size as a preset name or {width, height}; custom sizes rounded up to 16."""
    if isinstance(value, str) and value in PRESETS:
        return PRESETS[value]
    if not isinstance(value, dict):
        presets = ", ".join(repr(p) for p in PRESETS)
        errors.append(
            _error(
                ["image_size"],
                f"Input should be a valid ImageSize or one of {presets}",
                "union_tag_invalid",
                value,
            )
        )
        return 0, 0
    values, _, problems = check_inputs({"width": _SIDE, "height": _SIDE}, value, lax=True)
    errors.extend(_pydantic(p, ["image_size", p.name]) for p in problems)
    if problems:
        return 0, 0
    return round16(values["width"], up=True), round16(values["height"], up=True)


def _loras(value: Any, errors: list[dict[str, Any]]) -> tuple[str | None, float | None]:
    """The first LoRA's path and scale (the effective one), after checking every entry."""
    first: tuple[str | None, float | None] = (None, None)
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            errors.append(_error(["loras", index], *_TYPE_MESSAGES["object"], item))
            continue
        values, _, problems = check_inputs(_LORA_FIELDS, item, lax=True)
        errors.extend(_pydantic(p, ["loras", index, p.name]) for p in problems)
        if index == 0 and not problems:
            first = (values["path"], float(values["scale"]))
    return first


@dataclass(frozen=True)
class Plan:
    """A valid call: the run, how many images, the seed actually used, data-URI output or not."""

    run: EffectiveRun
    count: int
    seed: int
    sync_mode: bool
    declared: str = ""  # the content_type the answer states (recorded: not always the file's)


def plan(model: str, body: Any, load: Callable[[Any], bytes | None]) -> Plan:
    """Validate like fal and work out the effective run (raises Rejected with fal's answer)."""
    if not isinstance(body, dict):
        raise Rejected(422, {"detail": [_error([], *_TYPE_MESSAGES["object"], body)]})
    values, dropped, problems = check_inputs(MODELS[model], body, lax=True)
    errors = [_pydantic(p, [p.name]) for p in problems if p.name != "image_size"]
    width = height = 0
    if "image_size" in MODELS[model]:
        given = body.get("image_size")
        width, height = _size(given if given is not None else values["image_size"], errors)
    lora, scale = _loras(values.get("loras") or (), errors)
    image_input = None
    if "image_url" in values and values["image_url"] is not None:
        image_input = load(values["image_url"])
        size = image_size(image_input) if image_input else None
        if size is None:
            errors.append(_error(["image_url"], "Could not load the image", "image_load_error", None))
        else:
            mode = values["resolution_mode"]
            width, height = (
                (round16(round(size[0] / 16) * 16), round16(round(size[1] / 16) * 16))
                if mode == "match_input"
                else closest(*size, KONTEXT_PREFERRED)
                if mode == "auto"
                else KONTEXT_RATIOS[mode]
            )
    if errors:
        raise Rejected(422, {"detail": errors})
    run = EffectiveRun(
        route="fal-ai",
        model=model,
        lora=lora,
        lora_scale=scale,
        width=width,
        height=height,
        # recorded (tests/recordings/): with no output_format asked, FLUX apps store a PNG
        # (`.png` URLs, PNG bytes) and their answer declares "image/jpeg" (the schema's default)
        format=values["output_format"] if "output_format" in body else "png",
        steps=values["num_inference_steps"],
        guidance=float(values["guidance_scale"]),
        seed=values["seed"],
        prompt=values["prompt"],
        dropped=dropped,
        image_input=image_input,
    )
    seed = values["seed"] if values["seed"] is not None else random.randrange(2**31)
    declared = f"image/{values['output_format']}"
    return Plan(run, values["num_images"], seed, bool(values["sync_mode"]), declared)


def response(plan: Plan, urls: list[str]) -> dict[str, Any]:
    """fal's answer for a finished call."""
    run = plan.run
    image = {"width": run.width, "height": run.height, "content_type": plan.declared or f"image/{run.format}"}
    return {
        "images": [{"url": url, **image} for url in urls],
        "timings": {"inference": 0.01},
        "seed": plan.seed,
        "has_nsfw_concepts": [False] * len(urls),
        "prompt": run.prompt,
    }


def app_of(model: str) -> str:
    """The queue app id: owner/app without the sub-path ("fal-ai/flux-kontext")."""
    return "/".join(model.split("/")[:2])


@dataclass
class Job:
    """One queued request: polls left before COMPLETED, its answer, the run to log once."""

    id: str
    app: str
    answer: dict[str, Any]
    run: EffectiveRun | None
    polls_left: int
    completed: bool = False
    logged: bool = False

    def urls(self, base: str) -> dict[str, str]:
        """response/status/cancel URLs (with the router's /fal-ai prefix)."""
        response_url = f"{base}/fal-ai/{self.app}/requests/{self.id}"
        return {
            "response_url": response_url,
            "status_url": f"{response_url}/status",
            "cancel_url": f"{response_url}/cancel",
        }

    def poll(self) -> tuple[dict[str, Any], EffectiveRun | None]:
        """Advance one status GET: IN_PROGRESS while polls are left, then COMPLETED."""
        if not self.completed and self.polls_left > 0:
            self.polls_left -= 1
            return {"status": "IN_PROGRESS", "request_id": self.id, "logs": None}, None
        return {"status": "COMPLETED", "request_id": self.id, "logs": None, "metrics": {}}, self.finish()

    def finish(self) -> EffectiveRun | None:
        """Mark completed; the run the first time only."""
        self.completed = True
        if self.logged:
            return None
        self.logged = True
        return self.run


NOT_FOUND = b"404: Not Found"  # text/plain, as recorded for an unknown app path
IN_PROGRESS = {"detail": "Request is still in progress"}
