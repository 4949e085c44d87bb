"""Generate tab, presets: a browsable picker (category, search, full names) and the dropdown it fills."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.domain.presets_data import PresetData, search_words
from avatar_core.web.ui.common import ASSETS, HIDDEN

# Filtering runs in the page (no server call per keystroke); a pick sends the preset's key.
PICKER_JS = """
const cards = () => [...element.querySelectorAll('.preset-card')];
const filter = () => {
  const cat = element.querySelector('.preset-category').value;
  const words = element.querySelector('.preset-search').value.trim().toLowerCase().split(/\\s+/);
  let shown = 0;
  for (const card of cards()) {
    const ok = (!cat || card.dataset.category === cat) && words.every(w => card.dataset.search.includes(w));
    card.hidden = !ok;
    shown += ok ? 1 : 0;
  }
  element.querySelector('.preset-none').hidden = shown > 0;
};
element.addEventListener('input', (event) => {
  if (event.target.closest('.preset-filters')) filter();
});
element.addEventListener('click', (event) => {
  const card = event.target.closest('.preset-card');
  if (!card || !element.contains(card)) return;
  cards().forEach(c => c.setAttribute('aria-pressed', String(c === card)));
  trigger('click', { key: card.dataset.key });
});
"""


def preset_choices(app: App) -> list[tuple[str, str]]:
    """'No preset' plus every preset by name (the catalog keeps them grouped by category)."""
    return [("No preset", "")] + [(p.name, p.key) for p in app.catalog.presets()]


def thumbnail_url(key: str) -> str:
    """Where the page loads a preset's thumbnail (assets/presets is an allowed Gradio path)."""
    return f"/gradio_api/file={ASSETS / 'presets' / f'{key}.webp'}"


def _card(p: PresetData) -> str:
    """One preset: a large thumbnail and its full name (wrapped, never cut); `data-search` is what
    the search box matches: name, category, description and the preset's search words."""
    search = html.escape(" ".join((p.name, p.category, p.description, *search_words(p.key))).lower())
    return (
        f'<button type="button" class="preset-card" aria-pressed="false" data-key="{html.escape(p.key)}" '
        f'data-category="{html.escape(p.category)}" data-search="{search}" '
        f'title="{html.escape(p.description)}">'
        f'<img src="{html.escape(thumbnail_url(p.key))}" alt="" loading="lazy">'
        f'<span class="preset-name">{html.escape(p.name)}</span></button>'
    )


def picker_html(presets: list[PresetData]) -> str:
    """The filter bar (category, search) and a card per preset, in catalog order."""
    categories = list(dict.fromkeys(p.category for p in presets))
    options = "".join(
        f'<option value="{html.escape(c)}">{html.escape(c.title())}</option>' for c in categories
    )
    return (
        '<div class="preset-filters">'
        '<label class="preset-filter">Category <select class="preset-category" id="preset-category">'
        f'<option value="">All categories</option>{options}</select></label>'
        '<label class="preset-filter">Search <input type="search" class="preset-search" id="preset-search" '
        'placeholder="job, style, setting… e.g. doctor" autocomplete="off"></label></div>'
        f'<div class="preset-grid">{"".join(_card(p) for p in presets)}</div>'
        '<p class="preset-none" hidden>No preset matches; try another word or category, or describe '
        "it in the prompt instead (e.g. “a chef in a white jacket”).</p>"
    )


def build_preset_picker(app: App) -> Any:
    """The "Presets" accordion (closed: Generate stays in view); wired by `wire_preset_picker`."""
    with gr.Accordion("Presets", open=False, elem_id="preset-browser"):
        return gr.HTML(picker_html(app.catalog.presets()), js_on_load=PICKER_JS, elem_id="preset-gallery")


def wire_preset_picker(app: App, picker: Any, preset: Any) -> None:
    """A card click fills the preset dropdown (as choosing it there would)."""
    keys = {p.key for p in app.catalog.presets()}

    def pick_preset(evt: gr.EventData) -> Any:
        """The picked card's key, if it names a preset (anything else changes nothing)."""
        raw = getattr(evt, "_data", None)
        key = raw.get("key") if isinstance(raw, dict) else None
        return key if isinstance(key, str) and key in keys else gr.skip()

    picker.click(pick_preset, None, preset, api_name="pick_preset", queue=False, **HIDDEN)
