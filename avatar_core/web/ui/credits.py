"""The "Get credits" section at the top of the Generate tab: shop link, code box, monthly top-up."""

from __future__ import annotations

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.web.handlers.credits import CreditHandlers
from avatar_core.web.ui.common import HIDDEN

# After a redemption the greeting and the quote are read again (the Generate tab's own refresh
# button, which a tab regaining focus clicks too): Generate comes back once the quote allows it.
REFRESH_JS = "() => { const b = document.getElementById('refresh-balance'); if (b) b.click(); return []; }"


def build_credits(app: App, demo: gr.Blocks) -> None:
    """The section and its events; it opens by itself when the balance pays for no model."""
    h = CreditHandlers(app)
    with gr.Accordion("Get credits", open=False, elem_id="get-credits") as section:
        ways = gr.Markdown(elem_id="credit-ways")
        with gr.Row(elem_classes="align-end"):
            code = gr.Textbox(
                label="Credit code",
                placeholder="e.g. K7QM-2XWD-9RTB-4HNP",
                max_length=200,
                scale=3,
                elem_id="credit-code",
            )
            redeem = gr.Button("Redeem", scale=1, elem_id="redeem-btn")
        message = gr.Markdown(elem_id="redeem-msg")
    demo.load(h.credits_view, None, [ways, section], api_name="credit_ways", queue=False, **HIDDEN)
    gr.on(
        [redeem.click, code.submit], h.redeem, [code], [message, code, ways], api_name="redeem_code", **HIDDEN
    ).then(None, js=REFRESH_JS, api_name="after_redeem", **HIDDEN)
