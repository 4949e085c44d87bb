"""Preset thumbnails: drawn by the offline engine, shipped under avatar_core/assets/presets.

`avatar-creator init` (bootstrap.init) renders the missing ones; the web app only reads them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from avatar_core.domain.presets_data import PresetData
from avatar_core.domain.prompts import build_prompt
from avatar_core.engines.base import Engine, RenderRequest

SIZE = 256
SEED = 2024


def render_preset_thumbnails(
    presets: Iterable[PresetData], out_dir: Path, engine: Engine, overwrite: bool = False
) -> int:
    """Write `<key>.webp` for each preset missing one with `engine`; returns how many were written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for preset in presets:
        target = out_dir / f"{preset.key}.webp"
        if target.exists() and not overwrite:
            continue
        built = build_prompt("", preset=preset)
        request = RenderRequest(
            prompt=built.prompt,
            width=SIZE,
            height=SIZE,
            steps=1,
            guidance_scale=0.0,
            seed=SEED,
            model_id="preset-thumbnail",
            attributes=preset.attributes.as_dict(),
        )
        image = engine.render(request, deadline=time.monotonic() + 30).image
        tmp = target.with_suffix(".tmp")
        image.save(tmp, format="WEBP", quality=85)
        tmp.replace(target)
        written += 1
    return written
