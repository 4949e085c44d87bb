"""The Gradio Blocks: layout and event wiring only, one module per tab; the logic lives in `Handlers`."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.web.handlers import Handlers
from avatar_core.web.ui.admin import build_admin
from avatar_core.web.ui.common import ASSETS, HEAD, LOGO, LOGOUT_FORM
from avatar_core.web.ui.credits import build_credits
from avatar_core.web.ui.gallery import build_gallery
from avatar_core.web.ui.generate import build_generate, wire_page_load

__all__ = ["ASSETS", "HEAD", "build_blocks"]


def _topbar() -> Any:
    """Logo, the greeting (who, tier, balance) and the log-out button; returns the greeting."""
    with gr.Row(elem_classes="topbar"):
        gr.HTML(LOGO, elem_classes="brand-box", padding=False, scale=0, min_width=230)
        greeting = gr.Markdown(elem_classes="greeting", elem_id="greeting")
        gr.HTML(LOGOUT_FORM, elem_id="logout", padding=False, scale=0, min_width=90)
    return greeting


def build_blocks(app: App, *, gradio_defaults: bool = False) -> gr.Blocks:
    """The whole UI: Generate, Gallery and (for admins) Admin tabs.

    `gradio_defaults=True` leaves the generate event at Gradio's default concurrency (benchmarks).
    """
    h = Handlers(app)
    limit: int | str = "default" if gradio_defaults else app.settings.concurrency
    # The photo upload is deleted once kept (web/uploads.py deletes unused ones after 10 min);
    # whatever else lands in Gradio's cache is deleted after an hour.
    with gr.Blocks(title="Avatar Creator", delete_cache=(3600, 3600)) as demo:
        greeting = _topbar()
        with gr.Tabs() as tabs:
            with gr.Tab("Generate", id="generate"):
                build_credits(app, demo)
                generate = build_generate(app, demo, h, greeting, limit)
            with gr.Tab("Gallery", id="gallery") as gallery_tab:
                build_gallery(h, gallery_tab, tabs, generate)
            with gr.Tab("Admin", id="admin", visible=False) as admin_tab:
                build_admin(app, h, admin_tab)
        wire_page_load(app, demo, h, greeting, generate, admin_tab)
    for fn in demo.fns.values():  # /gradio_api/info describes no admin function to anyone
        if str(fn.api_name or "").startswith("admin_"):
            fn.api_visibility = "private"
    return demo
