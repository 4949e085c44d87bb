"""The Hub side: `inferenceProviderMapping` per repo and the model-info JSON the library parses.

huggingface_hub 2.4 asks `GET /api/models/<repo>?expand=inferenceProviderMapping` (hf_api.py
`model_info`, path built at lines 3202-3206; `/revision/<rev>` only when a revision is given) and
parses `inferenceProviderMapping` either as a dict keyed by provider or as a list with a `provider`
key (hf_api.py:932-949; "API returns a dict on model_info and a list on list_models") -> we serve
the dict. Entry keys read by `InferenceProviderMapping.__init__` (hf_api.py:784-794): `providerId`,
`status`, `task`, `adapter`, `adapterWeightsPath`. The hf-inference provider ignores the mapping and
checks `pipeline_tag` from a plain `model_info(repo)` instead (hf_inference.py:173-206).
"""

from __future__ import annotations

import copy
import zlib
from typing import Any

DEV, SCHNELL, KREA, KONTEXT = (
    "black-forest-labs/FLUX.1-dev",
    "black-forest-labs/FLUX.1-schnell",
    "black-forest-labs/FLUX.1-Krea-dev",
    "black-forest-labs/FLUX.1-Kontext-dev",
)
REALISM = "XLabs-AI/flux-RealismLora"
LORA_WEIGHTS_FILE = "lora.safetensors"
LORA_PROVIDER_IDS = {"replicate": "black-forest-labs/flux-dev-lora", "fal-ai": "fal-ai/flux-lora"}
RepoMapping = dict[str, dict[str, Any]]


def entry(provider_id: str, task: str = "text-to-image", status: str = "live") -> dict[str, Any]:
    """One provider's mapping entry, as the Hub sends it."""
    return {"providerId": provider_id, "status": status, "task": task}


def lora_entry(provider: str, status: str = "live") -> dict[str, Any]:
    """A LoRA repo's entry: the provider's LoRA model plus the adapter fields."""
    return {
        **entry(LORA_PROVIDER_IDS[provider], status=status),
        "adapter": "lora",
        "adapterWeightsPath": LORA_WEIGHTS_FILE,
    }


def default_mappings() -> dict[str, RepoMapping | None]:
    """A fresh copy of the repos this fake knows; `fake.mappings` starts from it."""
    known: dict[str, RepoMapping | None] = {
        DEV: {
            "replicate": entry("black-forest-labs/flux-dev"),
            "fal-ai": entry("fal-ai/flux/dev"),
            "hf-inference": entry(DEV),
        },
        SCHNELL: {
            "replicate": entry("black-forest-labs/flux-schnell"),
            "fal-ai": entry("fal-ai/flux/schnell"),
            "hf-inference": entry(SCHNELL),
        },
        KREA: {"replicate": entry("black-forest-labs/flux-krea-dev")},
        KONTEXT: {
            "replicate": entry("black-forest-labs/flux-kontext-dev", task="image-to-image"),
            "fal-ai": entry("fal-ai/flux-kontext/dev", task="image-to-image"),
        },
        REALISM: {"replicate": lora_entry("replicate"), "fal-ai": lora_entry("fal-ai")},
    }
    return copy.deepcopy(known)


def model_info(repo: str, mapping: RepoMapping, expand: list[str]) -> dict[str, Any]:
    """`GET /api/models/<repo>`: only the expanded properties (plus ids) when `expand` is given."""
    tasks = [value.get("task") for value in mapping.values() if isinstance(value, dict)]
    is_lora = any(isinstance(v, dict) and v.get("adapter") == "lora" for v in mapping.values())
    tags = ["diffusers", "safetensors", tasks[0] if tasks else "text-to-image"]
    if is_lora:
        tags += ["lora", f"base_model:adapter:{DEV}"]
    full = {
        "_id": f"fake{zlib.crc32(repo.encode()):08x}",
        "id": repo,
        "modelId": repo,
        "author": repo.split("/")[0],
        "private": False,
        "gated": False,
        "pipeline_tag": tasks[0] if tasks else "text-to-image",
        "library_name": "diffusers",
        "tags": tags,
        "inferenceProviderMapping": mapping,
    }
    if not expand:
        return full
    return {k: v for k, v in full.items() if k in ("_id", "id", *expand)}


NOT_FOUND_HEADERS = {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"}
