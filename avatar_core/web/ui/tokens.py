"""Gallery tab, API tokens: the caller's personal access tokens for the REST API."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.web.handlers import Handlers
from avatar_core.web.ui.common import HIDDEN


def build_tokens(h: Handlers) -> Any:
    """The "API tokens" accordion with its events; returns the table (listed when the tab opens)."""
    with gr.Accordion("API tokens (for the REST API at /api/docs)", open=False, elem_id="api-tokens"):
        gr.Markdown("Logging out revokes every token of your account.", elem_classes="photo-note")
        with gr.Row(elem_classes="align-end"):
            name = gr.Textbox(label="New token's name", scale=3)
            create = gr.Button("Create token", scale=1)
        msg = gr.Markdown(elem_id="token-msg")
        table = gr.Dataframe(
            headers=["id", "name", "starts with", "created", "last used", "state"],
            interactive=False,
            label="Your tokens",
        )
        with gr.Row(elem_classes="align-end"):
            token_id = gr.Number(label="Token id to revoke", precision=0, scale=3)
            revoke = gr.Button("Revoke token", variant="stop", scale=1)
    create.click(h.create_token, [name], [msg, table], api_name="create_token", **HIDDEN)
    revoke.click(h.revoke_token, [token_id], [msg, table], api_name="revoke_token", **HIDDEN)
    return table
