"""The seeded model catalog (pure data): DESIGN.md §1's four models and the likeness row."""

from __future__ import annotations

from typing import Any

REALISM_LORA = "XLabs-AI/flux-RealismLora"
DEV_LICENSE = "FLUX.1-dev non-commercial"  # FLUX.1-dev and XLabs-AI/flux-RealismLora
SCHNELL_LICENSE = "Apache-2.0"
LIKENESS_KEY = "avatar-creator:flux-kontext-likeness"

SCHNELL_KEY = "avatar-creator:flux-schnell-fast"

# The four models of DESIGN.md §1, exactly, and the likeness row of issue #14. A FLUX.1-dev row
# the provider refuses (licence not accepted, no subscription) falls back to schnell.
SEED_MODELS: tuple[dict[str, Any], ...] = (
    dict(
        model_key="avatar-creator:flux-dev-base",
        name="FLUX.1-dev Base",
        tier="free",
        credit_cost=8,
        model_id="black-forest-labs/FLUX.1-dev",
        lora_model=None,
        lora_scale=None,
        width=512,
        height=512,
        steps=28,
        guidance_scale=3.5,
        processing_time="30-45s",
        expected_seconds=35,
        license=DEV_LICENSE,
        cost_usd=0.05,
        fallback_key=SCHNELL_KEY,
    ),
    dict(
        model_key="avatar-creator:flux-dev-realism",
        name="FLUX.1-dev + Realism LoRA",
        tier="basic",
        credit_cost=12,
        model_id="black-forest-labs/FLUX.1-dev",
        lora_model=REALISM_LORA,
        lora_scale=0.9,
        width=768,
        height=768,
        steps=30,
        guidance_scale=3.5,
        processing_time="45-60s",
        expected_seconds=50,
        license=DEV_LICENSE,
        cost_usd=0.05,
        fallback_key=SCHNELL_KEY,
    ),
    dict(
        model_key="avatar-creator:flux-dev-hd-realism",
        name="FLUX.1-dev HD + Realism LoRA",
        tier="pro",
        credit_cost=15,
        model_id="black-forest-labs/FLUX.1-dev",
        lora_model=REALISM_LORA,
        lora_scale=0.9,
        width=1024,
        height=1024,
        steps=35,
        guidance_scale=3.5,
        processing_time="60-90s",
        expected_seconds=75,
        license=DEV_LICENSE,
        cost_usd=0.05,
        fallback_key=SCHNELL_KEY,
    ),
    dict(
        model_key=SCHNELL_KEY,
        name="FLUX.1-schnell Fast",
        tier="basic",
        credit_cost=6,
        model_id="black-forest-labs/FLUX.1-schnell",
        lora_model=None,
        lora_scale=None,
        width=512,
        height=512,
        steps=4,
        guidance_scale=0.0,
        processing_time="5-15s",
        expected_seconds=10,
        license=SCHNELL_LICENSE,
        cost_usd=0.01,
        fallback_key=None,
    ),
    # Likeness (issue #14): an avatar from the user's own photo with FLUX.1 Kontext [dev].
    dict(
        model_key=LIKENESS_KEY,
        name="FLUX.1 Kontext Likeness",
        tier="basic",
        credit_cost=14,
        model_id="black-forest-labs/FLUX.1-Kontext-dev",
        lora_model=None,
        lora_scale=None,
        width=1024,
        height=1024,
        steps=28,
        guidance_scale=2.5,
        processing_time="20-40s",
        expected_seconds=30,
        license=DEV_LICENSE,
        cost_usd=0.05,
        fallback_key=None,  # Kontext, not FLUX.1-dev: no fallback
    ),
)
SEED_CAPABILITIES: dict[str, dict[str, Any]] = {LIKENESS_KEY: {"likeness": True}}
