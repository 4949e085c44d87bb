"""Fake Replicate: Cog input schemas of the FLUX models and what a prediction really runs.

Sources (cog-flux = github.com/replicate/cog-flux @ 51e81e0, predict.py unless named):
- Shared inputs `Inputs` (lines 84-162): aspect_ratio choices = ASPECT_RATIOS (69-81), default "1:1";
  num_outputs 1..4; seed default None; output_format webp|jpg|png default "webp"; output_quality
  0..100 (80); go_fast default per model; lora_scale -1..3 (1.0); megapixels "1"|"0.25" ("1").
- Size: `size_from_aspect_megapixels` (218-225): ASPECT_RATIOS[ar], both halved (//2) for "0.25".
- flux-schnell = SchnellPredictor (317-362): steps 1..4 (4), no guidance, go_fast True.
  flux-dev = DevPredictor (365-426): image, prompt_strength, steps 1..50 (28), guidance 0..10 (3).
  flux-dev-lora = DevLoraPredictor (488-598): + lora_weights, lora_scale, extra_lora(_scale),
  hf_api_token, civitai_api_token; extra_lora equal to lora_weights is ignored (562-568).
  flux-krea-dev = FluxKreaDevPredictor (1012-1080): DevPredictor's inputs. All return List[Path].
  An `image` turns go_fast off (403-405, 557-559, 1067-1069); its size is kept, scaled to <= 1440
  and rounded to the nearest multiple of 16 (bfl_predictor.py:639-660).
- go_fast x1.5: bfl_predictor.py LoraMixin.handle_loras multiplies lora_scale by
  `lora_scale_multiplier` (line 82), which BflFp8Flux (the go_fast model) sets to 1.5 (line 525);
  bf16 keeps 1.0. A missing lora_weights with an extra_lora promotes the extra one (73-80).
- flux-kontext-dev = github.com/replicate/cog-flux-kontext @ b9063c1 predict.py:81-127: input_image
  (required), aspect_ratio (flux/util.py:628-641, default "match_input_image" -> the closest
  PREFERED_KONTEXT_RESOLUTIONS, util.py:608-626, sampling.py:230-237), steps 4..50 (28), guidance
  0..10 (2.5), go_fast; no LoRA inputs; returns ONE Path (a string output). Replicate's web page of
  an older version lists steps default 30 and no go_fast: we follow the source.
- Cog (github.com/replicate/cog @ 6110c91, crates/coglet/src/transport/http/routes.rs:421-450 and
  service.rs:425-459): unknown inputs are stripped silently "to match Replicate's historical API
  behavior". Invalid declared inputs: Replicate's API answers before Cog does, 422
  `application/problem+json` {"detail": "- input: text is required\n", "status": 422, "title":
  "Input validation failed", "invalid_fields": [{"type", "field", "description"}]} (recorded in
  huggingface.js's tapes, tests/recordings/).
- huggingface_hub 2.4 replicate.py: POST /v1/models/<id>/predictions with `Prefer: wait` (17-25),
  body {"input": {"prompt", **params}} (31), lora_weights = https://huggingface.co/<repo> (58-59),
  image-to-image sends image, images, input_image, input_images as data: URLs (143-153).
Recorded (tests/recordings/, README there): a `Prefer: wait` POST that finished within the wait
answers 201 with `status: "processing"` and `output` already set (a list of URLs for images, a
string for one-file models), `Preference-Applied: wait=60`, and `urls` naming api.replicate.com
and stream.replicate.com even through the router; one that did not finish answers 202 ("wait time
exceeded") with `status: "starting"`, `output: null` and `Location` = its api.replicate.com URL.
Assumed (no recording): `msg` texts copy jsonschema-rs wording; the `version` value is made up; a
poll (GET of the prediction) answers as the POST does, "processing" until its polls are used up,
then "succeeded" (no recording shows a poll, through the router or not); cancel answers the
prediction with status "canceled".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakes.common import (
    EffectiveRun,
    Field,
    Problem,
    Rejected,
    check_inputs,
    closest,
    compact,
    image_size,
)

ASPECT_RATIOS = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "21:9": (1536, 640),
    "3:2": (1216, 832),
    "2:3": (832, 1216),
    "4:5": (896, 1088),
    "5:4": (1088, 896),
    "3:4": (896, 1152),
    "4:3": (1152, 896),
    "9:16": (768, 1344),
    "9:21": (640, 1536),
}
KONTEXT_RATIOS = {
    "1:1": (1024, 1024),
    "16:9": (1328, 800),
    "21:9": (1568, 672),
    "3:2": (1248, 832),
    "2:3": (832, 1248),
    "4:5": (944, 1104),
    "5:4": (1104, 944),
    "3:4": (880, 1184),
    "4:3": (1184, 880),
    "9:16": (800, 1328),
    "9:21": (672, 1568),
}
KONTEXT_PREFERRED = [
    (672, 1568),
    (688, 1504),
    (720, 1456),
    (752, 1392),
    (800, 1328),
    (832, 1248),
    (880, 1184),
    (944, 1104),
    (1024, 1024),
    (1104, 944),
    (1184, 880),
    (1248, 832),
    (1328, 800),
    (1392, 752),
    (1456, 720),
    (1504, 688),
    (1568, 672),
]
MAX_IMAGE_SIZE = 1440

_COMMON = {
    "prompt": Field("string", required=True),
    "aspect_ratio": Field("string", "1:1", choices=tuple(ASPECT_RATIOS)),
    "num_outputs": Field("integer", 1, ge=1, le=4),
    "seed": Field("integer", None),
    "output_format": Field("string", "webp", choices=("webp", "jpg", "png")),
    "output_quality": Field("integer", 80, ge=0, le=100),
    "disable_safety_checker": Field("boolean", False),
    "go_fast": Field("boolean", True),
    "megapixels": Field("string", "1", choices=("1", "0.25")),
}
_DEV = {
    **_COMMON,
    "image": Field("string", None),
    "prompt_strength": Field("number", 0.8, ge=0.0, le=1.0),
    "num_inference_steps": Field("integer", 28, ge=1, le=50),
    "guidance": Field("number", 3, ge=0, le=10),
}
_LORA = {
    "lora_weights": Field("string", None),
    "lora_scale": Field("number", 1.0, ge=-1.0, le=3.0),
    "extra_lora": Field("string", None),
    "extra_lora_scale": Field("number", 1.0, ge=-1.0, le=3.0),
    "hf_api_token": Field("string", None),
    "civitai_api_token": Field("string", None),
}
_KONTEXT = {
    "prompt": Field("string", required=True),
    "input_image": Field("string", required=True),
    "aspect_ratio": Field("string", "match_input_image", choices=(*KONTEXT_RATIOS, "match_input_image")),
    "num_inference_steps": Field("integer", 28, ge=4, le=50),
    "guidance": Field("number", 2.5, ge=0.0, le=10.0),
    "seed": Field("integer", None),
    "output_format": Field("string", "webp", choices=("webp", "jpg", "png")),
    "output_quality": Field("integer", 80, ge=0, le=100),
    "disable_safety_checker": Field("boolean", False),
    "go_fast": Field("boolean", True),
}
MODELS: dict[str, dict[str, Field]] = {
    "black-forest-labs/flux-schnell": {**_COMMON, "num_inference_steps": Field("integer", 4, ge=1, le=4)},
    "black-forest-labs/flux-dev": _DEV,
    "black-forest-labs/flux-dev-lora": {**_DEV, **_LORA},
    "black-forest-labs/flux-krea-dev": _DEV,
    "black-forest-labs/flux-kontext-dev": _KONTEXT,
}
KONTEXT = "black-forest-labs/flux-kontext-dev"


@dataclass(frozen=True)
class Plan:
    """What a valid prediction will run and how many images it returns."""

    run: EffectiveRun
    count: int


def _message(problem: Problem) -> str:
    """A jsonschema-rs style message for one bad input."""
    spec, value = problem.field, compact(problem.value)
    return {
        "missing": "Field required",
        "type": f'{value} is not of type "{spec.type}"',
        "choice": f"{value} is not one of {compact(list(spec.choices or ()))}",
        "ge": f"{value} is less than the minimum of {spec.ge}",
        "le": f"{value} is greater than the maximum of {spec.le}",
        "gt": f"{value} is less than or equal to the minimum of {spec.gt}",
    }[problem.kind]


def problem(fields: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Replicate's API 422 (`application/problem+json`), as recorded: one `- <field>: <what>`
    line per invalid field in `detail`, and `invalid_fields` [{type, field, description}].
    `fields` holds (type, field, description) triples."""
    return {
        "detail": "".join(f"- {f}: {d}\n" if f else f"- {d}\n" for _t, f, d in fields),
        "status": 422,
        "title": "Input validation failed",
        "invalid_fields": [{"type": t, "field": f, "description": d} for t, f, d in fields],
    }


def _detail(problems: list[Problem]) -> dict[str, Any]:
    """The 422 for invalid declared inputs (recorded: "required"; the other types are gojsonschema's
    names, unverified)."""
    kinds = {"missing": "required", "type": "invalid_type", "choice": "enum", "ge": "number_gte"}
    kinds |= {"le": "number_lte", "gt": "number_gt"}
    return problem(
        [
            ("required", "input", f"{p.name} is required")
            if p.kind == "missing"
            else (kinds[p.kind], f"input.{p.name}", _message(p))
            for p in problems
        ]
    )


def _image(name: str, ref: Any, load: Callable[[Any], bytes | None]) -> tuple[bytes, int, int]:
    """Bytes and size of an image input, or a 422 like Cog's when it cannot be read."""
    data = load(ref)
    size = image_size(data) if data else None
    if data is None or size is None:
        raise Rejected(
            422, problem([("invalid", f"input.{name}", f"could not read image {str(ref)[:40]!r}")])
        )
    return data, *size


def plan(model: str, body: Any, load: Callable[[Any], bytes | None]) -> Plan:
    """Validate like Cog and work out the effective run (raises Rejected with Cog's answer)."""
    if not isinstance(body, dict) or not isinstance(body.get("input"), dict):
        raise Rejected(422, problem([("required", "", "input is required")]))
    fields = MODELS[model]
    values, dropped, problems = check_inputs(fields, body["input"])
    if problems:
        raise Rejected(422, _detail(problems))
    go_fast, image_input = values["go_fast"], None
    if model == KONTEXT:
        image_input, in_w, in_h = _image("input_image", values["input_image"], load)
        ratio = values["aspect_ratio"]
        width, height = (
            closest(in_w, in_h, KONTEXT_PREFERRED)
            if ratio == "match_input_image"
            else (KONTEXT_RATIOS[ratio])
        )
    elif values.get("image"):
        image_input, width, height = _image("image", values["image"], load)
        go_fast = False  # "img2img not supported with fp8 quantization; running with bf16"
        shrink = min(MAX_IMAGE_SIZE / width, MAX_IMAGE_SIZE / height, 1)
        width, height = (round(int(width * shrink) / 16) * 16, round(int(height * shrink) / 16) * 16)
    else:
        width, height = ASPECT_RATIOS[values["aspect_ratio"]]
        if values["megapixels"] == "0.25":
            width, height = width // 2, height // 2
    lora, scale = values.get("lora_weights"), values.get("lora_scale", 1.0)
    if not lora and values.get("extra_lora"):
        lora, scale = values["extra_lora"], values["extra_lora_scale"]
    lora_scale = float(scale) * (1.5 if go_fast else 1.0) if lora else None
    run = EffectiveRun(
        route="replicate",
        model=model,
        lora=lora or None,
        lora_scale=lora_scale,
        width=width,
        height=height,
        format="jpeg" if values["output_format"] == "jpg" else values["output_format"],
        steps=values["num_inference_steps"],
        guidance=float(values["guidance"]) if "guidance" in values else None,
        seed=values["seed"],
        prompt=values["prompt"],
        dropped=dropped,
        image_input=image_input,
    )
    return Plan(run, values.get("num_outputs", 1))


def _now() -> str:
    """An RFC 3339 timestamp like Replicate's."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Prediction:
    """One prediction's state: polls left before it succeeds, outputs, the run to log once."""

    id: str
    model: str
    input: Any
    status: str
    outputs: list[str] = field(default_factory=list)
    run: EffectiveRun | None = None
    polls_left: int = 0
    error: str | None = None
    logged: bool = False
    ready: bool = False  # the output is there (shown even while "processing", as recorded)
    created_at: str = field(default_factory=_now)
    completed_at: str | None = None

    def deliver(self) -> EffectiveRun | None:
        """What a `Prefer: wait` POST answers when the image was made within the wait, as every
        recording shows: still "processing", the output already set (the run, once)."""
        run = self.succeed()
        self.status, self.completed_at, self.ready = "processing", None, True
        return run

    def poll(self) -> EffectiveRun | None:
        """Advance one GET: processing while polls are left, then succeeded (the run, once)."""
        if self.status not in ("starting", "processing"):
            return None
        if self.polls_left > 0:
            self.polls_left -= 1
            self.status = "processing"
            return None
        return self.succeed()

    def succeed(self) -> EffectiveRun | None:
        """Mark succeeded; return the run the first time only."""
        self.status, self.completed_at = "succeeded", _now()
        if self.logged:
            return None
        self.logged = True
        return self.run

    def fail(self, error: str | None) -> None:
        """Mark failed with the model's error; nothing ran."""
        self.status, self.error, self.completed_at = "failed", error, _now()

    def to_json(self, base: str) -> dict[str, Any]:
        """The prediction as Replicate's API shows it."""
        done = self.status == "succeeded"
        output: Any = None
        if done or self.ready:
            output = self.outputs[0] if self.model == KONTEXT else list(self.outputs)
        # As recorded: the prediction's own URLs name api.replicate.com, also through the router.
        get = f"{API}/v1/predictions/{self.id}"
        answer = {
            "id": self.id,
            "model": self.model,
            "version": hashlib.sha256(self.model.encode()).hexdigest(),
            "input": self.input,
            "logs": "",
            "output": output,
            "data_removed": False,
            "error": self.error,
            "status": self.status,
            "created_at": self.created_at,
            "urls": {"get": get, "cancel": f"{get}/cancel", "stream": f"{STREAM}/v1/files/{self.id}"},
        }  # the keys of every recorded "starting" / "processing" answer
        if self.status in ("succeeded", "failed", "canceled"):  # unverified: Replicate's HTTP API docs
            answer.update(
                started_at=self.created_at,
                completed_at=self.completed_at,
                metrics={"predict_time": 0.01, "image_count": len(self.outputs)} if done else {},
            )
        return answer


API, STREAM = "https://api.replicate.com", "https://stream.replicate.com"
NOT_FOUND = {"title": "Not found", "detail": "The requested resource could not be found.", "status": 404}
