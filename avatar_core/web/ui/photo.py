"""Generate tab, "From my photo": the upload, the consent box and their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from avatar_core.bootstrap import App
from avatar_core.services.photos import CONSENT
from avatar_core.web.handlers import Handlers
from avatar_core.web.ui.common import duration

PHOTO_NOTE = (
    "Upload one clear, front-facing photo: the avatar keeps your face and takes the "
    "preset's clothes, setting and light. The photo is cleaned of all metadata, never "
    "shown to anyone, and deleted after {kept} (or now, with the button)."
)


@dataclass(frozen=True)
class PhotoView:
    """What Generate reads from the photo section."""

    from_photo: Any
    photo_id: Any
    kept: tuple[Any, Any, Any, Any]  # photo id, status, attached photo, the section: filled on load


def build_photo(app: App, h: Handlers) -> PhotoView:
    """The "From my photo" accordion, its upload and its delete button, wired."""
    with gr.Accordion("From my photo", open=False, elem_id="photo-mode") as section:
        gr.Markdown(
            PHOTO_NOTE.format(kept=duration(app.settings.photo_retention_hours)), elem_classes="photo-note"
        )
        with gr.Row(equal_height=False):
            photo = gr.Image(
                type="filepath",
                sources=["upload"],
                label="Your photo",
                height=200,
                elem_id="photo-input",
                buttons=[],
                min_width=180,
            )
            with gr.Column(min_width=200):
                consent = gr.Checkbox(label=CONSENT, value=False, elem_id="photo-consent")
                from_photo = gr.Checkbox(
                    label="Make the avatar from my photo", value=False, elem_id="from-photo"
                )
                with gr.Row(elem_classes="align-end"):
                    attached = gr.HTML(elem_id="attached-photo", min_width=96)
                    photo_status = gr.Markdown(elem_id="photo-status", min_width=160)
                photo_delete = gr.Button("Delete my photo now", size="sm")
        photo_id = gr.Textbox(value="", visible=False, elem_id="photo-id")
    # preprocess=False: Gradio hands over the upload's FileData as it is, without opening or
    # converting the image (a grayscale or RGBA one was decoded and re-saved into its cache).
    photo.upload(
        h.upload_photo,
        [photo, consent],
        [photo_id, photo_status, from_photo, photo, attached],
        api_name="upload_photo",
        preprocess=False,
        show_progress_on=[photo_status],
    )
    photo_delete.click(
        h.delete_photo, [photo_id], [photo_id, photo_status, from_photo, attached], api_name="delete_photo"
    )
    return PhotoView(from_photo, photo_id, (photo_id, photo_status, attached, section))
