"""Generate tab, presets: the thumbnail picker and the preset dropdown it fills."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.web.ui.common import ASSETS, HIDDEN


def preset_choices(app: App) -> list[tuple[str, str]]:
    """'No preset' plus every preset by name (the catalog keeps them grouped by category)."""
    return [("No preset", "")] + [(p.name, p.key) for p in app.catalog.presets()]


def preset_gallery_items(app: App) -> list[tuple[str, str]]:
    """(thumbnail path, caption) for every preset, in catalog order."""
    return [(str(ASSETS / "presets" / f"{p.key}.webp"), p.name) for p in app.catalog.presets()]


def build_preset_picker(app: App) -> Any:
    """The "Presets" accordion of thumbnails (wired to the dropdown by `wire_preset_picker`)."""
    with gr.Accordion("Presets", open=False):
        return gr.Gallery(
            value=preset_gallery_items(app),
            columns=4,
            height=300,
            allow_preview=False,
            show_label=False,
            elem_id="preset-gallery",
            object_fit="cover",
            buttons=[],
            interactive=False,
        )


def wire_preset_picker(app: App, picker: Any, preset: Any) -> None:
    """A thumbnail click fills the preset dropdown."""
    presets = app.catalog.presets()

    def pick_preset(evt: gr.SelectData) -> str:
        """A preset thumbnail click fills the preset dropdown."""
        return presets[evt.index].key if 0 <= evt.index < len(presets) else ""

    picker.select(pick_preset, None, preset, api_name="pick_preset", queue=False, **HIDDEN)
