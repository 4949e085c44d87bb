"""Generate tab, "From my photo": keep an uploaded photo privately, delete it on request."""

from __future__ import annotations

import base64
import html
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from avatar_core.domain.errors import AvatarError, ValidationError
from avatar_core.services.photos import PhotoView
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import int_id, remove_upload, user_errors

NO_PHOTO = ""  # the attached-photo box when there is none


def when(moment: datetime) -> str:
    """A moment people can read without guessing the day: "Tue 8 Dec, 12:17 UTC"."""
    return f"{moment:%a} {moment.day} {moment:%b}, {moment:%H:%M} UTC"


class PhotoHandlers(HandlerBase):
    """The photo upload and delete events (the photo is personal data)."""

    @user_errors
    def upload_photo(
        self, photo: dict[str, Any] | None = None, consent: bool = False, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Keep a cleaned copy of the uploaded photo privately (it replaces the one attached
        before); Gradio's temporary copy is deleted. Returns (photo id, status, from-photo,
        upload box, attached photo).

        `photo` is the upload's FileData as sent (the event does not preprocess): the gate in front
        of Gradio has checked that its path is a file this user uploaded. A refused photo is said
        in the status line (no error badges on the controls) and changes nothing: the photo
        attached before, if any, stays attached.
        """
        user = self.user(request)
        path = photo.get("path") if isinstance(photo, dict) else None
        if not isinstance(path, str) or not path:
            return gr.update(), gr.update(), gr.update(), None, gr.update()
        try:
            try:
                data = Path(path).read_bytes()
            except OSError:
                raise ValidationError("The upload did not arrive; try again.") from None
            finally:
                remove_upload(path)
            kept = self.app.photos.upload(user, data, consent=bool(consent))
        except AvatarError as err:
            status = f"⚠️ {html.escape(str(err), quote=False)}"
            return gr.update(), status, gr.update(), None, gr.update()
        return (str(kept.id), self._status(kept), True, None, self._thumb(user.id, kept))

    @user_errors
    def current_photo(self, request: gr.Request | None = None) -> tuple[Any, ...]:
        """On page load: the photo still attached, if any (photo id, status, attached photo, and
        the section opened to show it)."""
        user = self.user(request)
        kept = self.app.photos.current(user.id)
        if kept is None:
            return "", "", NO_PHOTO, gr.update()
        return str(kept.id), self._status(kept), self._thumb(user.id, kept), gr.update(open=True)

    @user_errors
    def delete_photo(
        self, photo_id: str = "", request: gr.Request | None = None
    ) -> tuple[str, str, bool, str]:
        """Delete the caller's photo now."""
        user = self.user(request)
        if str(photo_id or "").strip():
            self.app.photos.delete(user.id, int_id(photo_id))
        return "", "Your photo was deleted.", False, NO_PHOTO

    @staticmethod
    def _status(kept: PhotoView) -> str:
        return (
            f"Photo attached ({kept.width}×{kept.height}), kept until {when(kept.expires_at)}. "
            "Upload another to replace it (this one is then deleted)."
        )

    def _thumb(self, user_id: int, kept: PhotoView) -> str:
        """The attached photo, small and inline (photos are never served by URL)."""
        data = base64.b64encode(self.app.photos.thumbnail(user_id, kept.id)).decode("ascii")
        return (
            f'<img class="attached-photo" src="data:image/jpeg;base64,{data}" '
            f'alt="Your attached photo ({kept.width}×{kept.height})" width="96">'
        )
