"""`avatar-creator verify`: what the old service's verify script checked, as one report."""

from __future__ import annotations

from sqlalchemy import text

from .bootstrap import App
from .db import current_revision, head_revision
from .selection import ModelSpec


def model_problems(model: ModelSpec) -> list[str]:
    """What is wrong with one catalog row's configuration (empty when fine)."""
    problems = []
    if model.lora_model and model.lora_scale is None:
        problems.append("LoRA without a scale")
    if model.lora_scale is not None and not 0 < model.lora_scale <= 2:
        problems.append(f"LoRA scale {model.lora_scale} outside (0, 2]")
    if not (256 <= model.width <= 2048 and 256 <= model.height <= 2048):
        problems.append(f"size {model.width}x{model.height} outside 256..2048")
    if not 1 <= model.steps <= 100:
        problems.append(f"steps {model.steps} outside 1..100")
    if model.credit_cost < 0:
        problems.append("negative price")
    return problems


def run_checks(app: App) -> tuple[str, bool]:
    """The verify report and whether the deployment is healthy."""
    from .cli import table, tier_matrix

    lines: list[str] = []
    healthy = True

    def check(ok: bool, label: str) -> None:
        nonlocal healthy
        healthy &= ok
        lines.append(f"[{'ok' if ok else 'FAIL'}] {label}")

    try:
        with app.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        check(True, f"database reachable ({app.db.engine.dialect.name})")
    except Exception as err:  # noqa: BLE001 - report, don't crash
        check(False, f"database unreachable: {type(err).__name__}")
        return "\n".join(lines), False
    rev, head = current_revision(app.db), head_revision()
    check(rev == head, f"schema at revision {rev} (code head {head})"
          + ("" if rev == head else ": run `avatar-creator init`"))  # fmt: skip
    if rev != head:
        return "\n".join(lines), False
    models = app.catalog.models()
    enabled = [m for m in models if m.enabled]
    check(bool(enabled), f"{len(models)} models, {len(enabled)} enabled")
    rows = []
    for m in models:
        problems = model_problems(m)
        healthy &= not problems
        rows.append((m.model_key, m.tier, m.credit_cost, m.model_id, f"{m.width}x{m.height}",
                     m.steps, m.guidance_scale,
                     f"{m.lora_model} @{m.lora_scale}" if m.lora_model else "-",
                     "yes" if m.enabled else "no", "; ".join(problems) or "ok"))  # fmt: skip
    lines += ["", table(["model", "tier", "credits", "model id", "size", "steps", "guidance",
                         "lora", "enabled", "config"], rows), ""]  # fmt: skip
    s = app.settings
    check(True, f"HF token {'present' if s.hf_token else 'not set'}")
    if s.engine_kind == "local":
        lines.append("[ok] engine: local (offline previews; set HF_TOKEN to use FLUX on Hugging Face)")
    else:
        provider = s.hf_provider or "replicate/auto"
        route = f"base URL {s.hf_base_url}" if s.hf_base_url else f"provider {provider}"
        lines.append(f"[ok] engine: Hugging Face InferenceClient, {route}")
    check(bool(app.catalog.presets()), f"{len(app.catalog.presets())} presets")
    lines += ["", "Tier access matrix (credits per image, - = locked):", tier_matrix(app)]
    lines.append("" if healthy else "\nUNHEALTHY")
    return "\n".join(lines).rstrip() + "\n", healthy
