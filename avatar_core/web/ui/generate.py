"""The Generate tab: prompt, presets, photo, model and preferences, the quote and the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.domain.aspects import ASPECTS, LABELS, SQUARE
from avatar_core.web.handlers import AUTO, PREVIEW_NOTE, Handlers, model_choices
from avatar_core.web.ui.common import HIDDEN, REFRESH_SECONDS
from avatar_core.web.ui.photo import PhotoView, build_photo
from avatar_core.web.ui.presets import build_preset_picker, preset_choices, wire_preset_picker

EMPTY_RESULT = '<div class="avatar-empty">Your avatar appears here</div>'
# Client-side only: one preference at a time (the ticked one wins), a draft kept for re-login,
# the draft restored after logging in again, Generate disabled at once, a phone scrolled to the result.
ONE_PREF_JS = "(me, a, b) => me ? [false, false] : [a, b]"
DRAFT_JS = "(p, s) => { window.avatarDraft = {prompt: p, preset: s}; return []; }"
RESTORE_JS = (
    "(p, s) => { const d = window.avatarTakeDraft ? window.avatarTakeDraft() : null; "
    "return d ? [d.prompt || p, d.preset || s] : [p, s]; }"
)
# A Generate click is one request to the server (the generation); before and after it the page
# does the rest itself: Generate disabled (and labelled "Generating…" by style.css) at once, then
# usable again, a phone scrolled to the result, the seed used shown in the Seed box, and the new
# balance in the greeting, from the generation's own record.
BUSY_JS = "() => { window.avatarBusy && window.avatarBusy(true); return []; }"
READY_JS = "() => { window.avatarBusy && window.avatarBusy(false); return []; }"
DONE_JS = "(d, s, g) => window.avatarGenerated ? window.avatarGenerated(d, s, g) : [s, g]"
# The prompt's words reach the quote once typing pauses (0.6 s) or the box loses focus, never per
# keystroke (.change fires per keystroke; trigger_mode cannot hold back a fast server): the page
# clicks the hidden #quote-words when the box's value settles, also when the page set it (a draft).
PROMPT_SETTLED_JS = """() => { if (window.avatarPromptWatch) return [];
  let seen = null, since = 0, quoted = "";
  const tick = (now) => { const box = document.querySelector("#prompt textarea");
    const go = document.getElementById("quote-words"); if (!box || !go) return;
    if (box.value !== seen) { seen = box.value; since = Date.now(); }
    if (seen !== quoted && (now === true || Date.now() - since >= 600)) { quoted = seen; go.click(); } };
  window.avatarPromptWatch = setInterval(tick, 200);
  document.addEventListener("focusout", (e) => { if (e.target.closest("#prompt")) tick(true); });
  return []; }"""
RESUMED_JS = (  # after a page load: only when it followed something (no scroll, no seed change);
    # body[data-followed] says the page is done with what was in progress (tests wait for it)
    "(d, s, g) => { document.body.dataset.followed = 'yes'; return d && typeof d === 'object'"
    " && window.avatarGenerated ? window.avatarGenerated(d, s, g) : [s, g]; }"
)


@dataclass(frozen=True)
class GenerateView:
    """The Generate tab's components that other parts of the page read or fill."""

    banner: Any
    prompt: Any
    preset: Any
    model: Any
    prefs: tuple[Any, Any, Any]  # realism, hd, fast
    seed: Any
    random_seed: Any
    aspect: Any
    count: Any
    locked: Any
    quote: Any
    project: Any
    photo: PhotoView

    @property
    def quote_inputs(self) -> list[Any]:
        """What the quote depends on: model, preset, the preferences, from-photo, aspect, images,
        and the prompt (its words may replace some of the preset's)."""
        choices = [self.model, self.preset, *self.prefs, self.photo.from_photo, self.aspect, self.count]
        return [*choices, self.prompt]


def _choices(app: App) -> tuple[Any, Any, Any]:
    """The preset and model dropdowns, and the line naming locked models."""
    with gr.Row():
        preset = gr.Dropdown(preset_choices(app), value="", label="Preset", interactive=True, min_width=200)
        model = gr.Dropdown(
            model_choices(app.catalog.models()), value=AUTO, label="Model", interactive=True, min_width=200
        )
    locked = gr.Markdown(elem_classes="locked-note", elem_id="locked-note")
    return preset, model, locked


def _preferences() -> tuple[tuple[Any, Any, Any], Any, Any]:
    """The three one-at-a-time preferences, the seed and "Random seed"."""
    with gr.Row(elem_classes="align-end"):
        with gr.Group(elem_id="prefs"):
            realism = gr.Checkbox(label="Prefer realism", value=False, elem_id="pref-realism")
            hd = gr.Checkbox(label="Prefer HD", value=False, elem_id="pref-hd")
            fast = gr.Checkbox(label="Fast", value=False, elem_id="pref-fast")
        with gr.Group(elem_id="seed-group"):
            random_seed = gr.Checkbox(label="Random seed", value=True, elem_id="random-seed", min_width=120)
            seed = gr.Number(
                value=-1,
                precision=0,
                label="Seed",
                info="Untick “Random seed” to reuse a seed (the last one used is shown here)",
                interactive=False,
                min_width=160,
                elem_id="seed",
            )
    return (realism, hd, fast), seed, random_seed


def _shape() -> tuple[Any, Any]:
    """The aspect ratio and how many images one click makes."""
    with gr.Row():
        aspect = gr.Radio(
            [(LABELS[a], a) for a in ASPECTS],
            value=SQUARE,
            label="Aspect ratio",
            elem_id="aspect",
            min_width=240,
        )
        count = gr.Radio(
            [1, 2, 3, 4],
            value=1,
            label="Images",
            info="each image is its own avatar, charged on its own",
            elem_id="count",
            min_width=160,
        )
    return aspect, count


def seed_box(random_seed: bool) -> dict[str, Any]:
    """The seed number is editable only when "Random seed" is off."""
    return gr.update(interactive=not random_seed)


def _naming() -> tuple[Any, Any]:
    """Where the avatar goes (project) and what it is called."""
    with gr.Row():
        project = gr.Dropdown(
            [("My avatars", "")],
            value="",
            label="Project",
            interactive=True,
            min_width=160,
            elem_id="project",
        )
        name = gr.Textbox(
            "",
            label="Avatar name (optional)",
            max_length=120,
            placeholder="from the preset or prompt",
            min_width=160,
            elem_id="avatar-name",
        )
    return project, name


def _prompt() -> Any:
    """The prompt box."""
    return gr.Textbox(
        label="Prompt",
        lines=3,
        max_length=1000,
        elem_id="prompt",
        placeholder="e.g. a smiling woman with curly red hair and glasses, green sweater, garden background",
    )


def _actions() -> tuple[Any, Any, tuple[Any, Any], Any, Any]:
    """The quote line, Generate, the two Cancels (leave Gradio's queue; stop a job that runs), the
    refresh button and its timer. The quote and Generate stay in view (style.css, "price in view"):
    sticky on a desktop; on a phone Generate and the quote's first line (app.js) in a bar."""
    with gr.Column(elem_id="price-dock", min_width=0):
        quote = gr.Markdown(elem_classes="quote", elem_id="quote")
        with gr.Column(elem_id="price-bar", min_width=0):
            gr.HTML('<p id="price-line" aria-hidden="true"></p>', elem_id="price-line-box", padding=False)
            go = gr.Button("Generate", variant="primary", elem_id="generate-btn")
    cancel = gr.Button(
        "Cancel: leave the queue (nothing is charged)",
        elem_id="cancel-btn",
        elem_classes="cancel-queued",
        size="sm",
    )
    stop = gr.Button(
        "Cancel: stop this avatar (your credits are refunded)",
        elem_id="stop-btn",
        elem_classes="cancel-running",
        size="sm",
    )
    refresh_now = gr.Button("Refresh balance", elem_id="refresh-balance", elem_classes="offscreen")
    return quote, go, (cancel, stop), refresh_now, gr.Timer(REFRESH_SECONDS)


def build_generate(app: App, demo: gr.Blocks, h: Handlers, greeting: Any, limit: int | str) -> GenerateView:
    """The tab's components and events (the page load that fills them is wired by the page)."""
    banner = gr.Markdown(
        PREVIEW_NOTE, elem_classes="offline-note", elem_id="offline-note", visible=app.offline
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=320):
            prompt = _prompt()
            picker = build_preset_picker(app)
            photo = build_photo(app, h)
            preset, model, locked = _choices(app)
            aspect, count = _shape()
            prefs, seed, random_seed = _preferences()
            project, name = _naming()
        with gr.Column(scale=6, min_width=320, elem_id="result-column"):
            # The quote and Generate head the result column (issue #11) and stay in view: sticky on
            # a desktop, in a bar at the bottom on a phone (style.css, "price in view"; #23).
            quote, go, (cancel, stop), refresh_now, timer = _actions()
            result = (gr.HTML(EMPTY_RESULT, elem_id="result-image"), gr.Markdown(elem_id="result-info"))
            result_json = gr.JSON(visible=False)
    view = GenerateView(
        banner, prompt, preset, model, prefs, seed, random_seed, aspect, count, locked, quote, project, photo
    )
    wire_preset_picker(app, picker, preset)
    _wire_form(demo, h, view, greeting, [timer.tick, refresh_now.click])
    inputs = [prompt, preset, model, *prefs, seed, photo.from_photo, photo.photo_id, project, name]
    inputs += [aspect, random_seed, count]  # after the request and progress Gradio injects
    generating = go.click(None, js=BUSY_JS, api_name="busy", queue=False, **HIDDEN).then(
        h.generate,
        inputs,
        [*result, quote, result_json],
        api_name="generate",
        concurrency_limit=limit,
        concurrency_id="generate",
        show_progress_on=[result[0]],
    )
    generating.then(
        None, [result_json, seed, greeting], [seed, greeting], js=DONE_JS, api_name="after_generate", **HIDDEN
    )
    # A refusal (empty prompt, too few credits) is an error: Generate must come back all the same.
    generating.failure(None, js=READY_JS, api_name="after_refusal", **HIDDEN)
    # Shown (by app.js) only while the click waits for a free slot: nothing is charged yet.
    cancel.click(None, js=READY_JS, cancels=[generating], api_name="cancel_generate", queue=False, **HIDDEN)
    # Shown (by app.js) once the avatar is a job (queued for a worker, or running): refunded.
    stop.click(h.cancel_running, None, None, api_name="cancel_running", **HIDDEN)  # queued: toasts show
    # A reloaded (or reopened) page follows the avatars still in progress and shows them.
    following = demo.load(
        h.resume, None, [*result, result_json], api_name="resume", show_progress_on=[result[0]], **HIDDEN
    )
    following.then(
        None,
        [result_json, seed, greeting],
        [seed, greeting],
        js=RESUMED_JS,
        api_name="after_resume",
        **HIDDEN,
    )
    return view


def _wire_form(
    demo: gr.Blocks, h: Handlers, view: GenerateView, greeting: Any, refresh_triggers: list[Any]
) -> None:
    """The quote (on every change), the periodic refresh, the kept draft, one preference at a time."""
    quoted: dict[str, Any] = dict(
        fn=h.quote_view, inputs=view.quote_inputs, outputs=[view.quote, *view.prefs], queue=False
    )
    choices = [c.change for c in view.quote_inputs if c is not view.prompt]
    gr.on([demo.load, *choices], **quoted, api_name="quote", **HIDDEN)
    # The prompt's words: one request per pause in typing, not per keystroke (PROMPT_SETTLED_JS)
    words = gr.Button("Quote the prompt's words", elem_id="quote-words", elem_classes="offscreen")
    words.click(**quoted, trigger_mode="always_last", api_name="quote_words", **HIDDEN)
    demo.load(None, js=PROMPT_SETTLED_JS, api_name="watch_prompt", **HIDDEN)
    gr.on(
        refresh_triggers,
        h.refresh,
        view.quote_inputs,
        [greeting, view.quote],
        api_name="refresh",
        queue=False,
        show_progress="hidden",
        **HIDDEN,
    )
    view.random_seed.change(
        seed_box, view.random_seed, view.seed, api_name="random_seed", queue=False, **HIDDEN
    )
    drafted = [view.prompt, view.preset]
    gr.on([c.change for c in drafted], None, drafted, None, js=DRAFT_JS, api_name="keep_draft", **HIDDEN)
    for i, box in enumerate(view.prefs):
        others = [b for b in view.prefs if b is not box]
        box.input(
            None, [box, *others], others, js=ONE_PREF_JS, api_name=f"one_preference_{'rhf'[i]}", **HIDDEN
        )


def wire_page_load(
    app: App, demo: gr.Blocks, h: Handlers, greeting: Any, view: GenerateView, admin_tab: Any
) -> None:
    """What the page does once per load: the session, banner, restored draft and projects."""
    demo.load(h.on_load, None, [greeting, view.model, view.locked, view.quote, admin_tab], api_name="session")
    demo.load(h.aspect_choices, None, view.aspect, api_name="aspects", queue=False, **HIDDEN)
    if app.offline:
        demo.load(h.banner, None, view.banner, api_name="banner", queue=False, **HIDDEN)
    drafted = [view.prompt, view.preset]
    demo.load(None, drafted, drafted, js=RESTORE_JS, api_name="restore_draft", **HIDDEN)
    demo.load(h.project_choices, None, view.project, api_name="projects", queue=False, **HIDDEN)
    demo.load(h.current_photo, None, list(view.photo.kept), api_name="current_photo", queue=False, **HIDDEN)
