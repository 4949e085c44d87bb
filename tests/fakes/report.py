"""Print docs/providers.md's two tables, measured against the provider-faithful fake.

    .venv/bin/python -m tests.fakes.report

1. Route x catalog row: what really ran (the fake's effective run) and what the engine claimed.
2. The fault matrix: per route, what a fault costs (generation calls made, polls, downloads) and
   what the user is told.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pytest

from avatar_core.engines.base import EngineError, RenderRequest, RenderResult
from avatar_core.engines.hf import HFEngine
from avatar_core.services.catalog import SEED_MODELS
from tests.fakes.fake_hf import FakeHF, Reply
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub

ROUTES = ("replicate", "fal-ai", "endpoint (our handler)", "endpoint (default handler)", "hf-inference")


def requests() -> dict[str, RenderRequest]:
    """One render request per seed catalog row, as the generation service builds it."""
    return {
        row["model_key"].split(":")[-1]: RenderRequest(
            "portrait",
            row["width"],
            row["height"],
            row["steps"],
            row["guidance_scale"],
            42,
            row["model_id"],
            lora_model=row["lora_model"],
            lora_scale=row["lora_scale"],
        )
        for row in SEED_MODELS
    }


def setup(fake: FakeHF, route: str, request: RenderRequest) -> tuple[HFEngine, RenderRequest]:
    """The engine and request for one route."""
    common: dict[str, object] = dict(
        token=FAKE_TOKEN, timeout=5.0, sleep=lambda _s: None, poll_interval=0.01, backoff_base=0.01
    )
    if route.startswith("endpoint"):
        handler = "avatar-creator" if "our" in route else "default"
        url = fake.add_endpoint(f"e{len(fake.endpoints)}", base_model=request.model_id, handler=handler)
        return HFEngine(**common), replace(request, endpoint_url=url, endpoint_handler=handler)  # type: ignore[arg-type]
    return HFEngine(provider=route, **common), request  # type: ignore[arg-type]


def run_table(fake: FakeHF) -> list[str]:
    """Markdown rows of the route x model table."""
    out = [
        "| route | catalog row | sold | model that ran | LoRA that ran | effective scale | size "
        "made (catalog) | format | inputs dropped | claimed = ran |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for route in ROUTES:
        for key, request in requests().items():
            eng, req = setup(fake, route, request)
            catalog = f"{request.width}²"
            try:
                result = eng.render(req, deadline=time.monotonic() + 20)
            except EngineError as err:
                out.append(f"| {route} | {key} | no: {err.detail} | — | — | — | — ({catalog}) | — | — | — |")
                continue
            run = fake.last_run()
            same = (result.provider_model, result.lora_scale_applied, result.image.size) == (
                run.model,
                run.lora_scale,
                (run.width, run.height),
            )
            lora = run.lora.rsplit("huggingface.co/", 1)[-1] if run.lora else "—"
            out.append(
                f"| {route} | {key} | yes | {run.model} | {lora} | "
                f"{run.lora_scale if run.lora_scale is not None else '—'} | "
                f"{run.width}×{run.height} ({catalog}) | {run.format} | "
                f"{', '.join(run.dropped) or 'none'} | {'yes' if same else 'NO'} |"
            )
    return out


FAULTS: dict[str, Callable[[FakeHF], None]] = {
    "prediction still starting (3 polls)": lambda f: f.script([Reply.starting(polls=3)]),
    "429 with HF RateLimit t=7, then 200": lambda f: f.script([Reply.rate_limited_hf(t=7), Reply.png()]),
    "503 loading, then 200": lambda f: f.script([Reply.loading(0.01), Reply.png()]),
    "500 forever": lambda f: setattr(f, "default", Reply.status(500)),
    "dropped connection forever": lambda f: setattr(f, "default", Reply.drop()),
    "400 (content filter)": lambda f: f.script([Reply.status(400, {"error": "NSFW content detected"})]),
    "400 (other)": lambda f: f.script([Reply.status(400, {"error": "bad request"})]),
    "401 token rejected": lambda f: f.script([Reply.status(401)]),
    "403 gated": lambda f: f.script([Reply.status(403, {"error": "gated"})]),
    "prediction failed (NSFW)": lambda f: f.script([Reply.prediction_failed()]),
    "result download fails twice": lambda f: f.script_downloads([Reply.status(500), Reply.drop()]),
    "result download fails always": lambda f: f.script_downloads([Reply.status(500)] * 3),
    "garbage body forever": lambda f: setattr(f, "default", Reply.garbage()),
}


def fault_table(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Markdown rows of the fault matrix on the Replicate and endpoint routes."""
    out = [
        "| route | fault | outcome | generation calls | polls | downloads | user sees |",
        "|---|---|---|---|---|---|---|",
    ]
    base = requests()["flux-dev-base"]
    for route in ("replicate", "fal-ai", "endpoint (our handler)"):
        for name, apply in FAULTS.items():
            if "prediction" in name and route != "replicate":
                continue
            if "download" in name and route.startswith("endpoint"):
                continue
            with fake_hub(monkeypatch) as fake:
                eng, req = setup(fake, route, base)
                apply(fake)
                outcome: RenderResult | EngineError
                try:
                    outcome = eng.render(req, deadline=time.monotonic() + 20)
                    said, result = "—", f"image ({outcome.attempts} attempt(s))"
                except EngineError as err:
                    said, result = err.user_message, f"failed: {err.kind}, refunded"
                polls = sum(r.method == "GET" and "/v1/predictions/" in r.path for r in fake.requests)
                downloads = sum(r.path.startswith("/files/") for r in fake.requests)
                out.append(
                    f"| {route} | {name} | {result} | {len(fake.inference_calls())} | "
                    f"{polls} | {downloads} | {said} |"
                )
    return out


def main() -> None:
    """Print both tables."""
    with pytest.MonkeyPatch.context() as mp:
        with fake_hub(mp) as fake:
            print("\n".join(run_table(fake)))
        print()
        print("\n".join(fault_table(mp)))


if __name__ == "__main__":
    main()
