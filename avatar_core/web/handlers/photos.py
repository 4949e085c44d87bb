"""Generate tab, "From my photo": keep an uploaded photo privately, delete it on request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from avatar_core.domain.errors import ValidationError
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import int_id, remove_upload, user_errors


class PhotoHandlers(HandlerBase):
    """The photo upload and delete events (the photo is personal data)."""

    @user_errors
    def upload_photo(
        self, photo: dict[str, Any] | None = None, consent: bool = False, request: gr.Request | None = None
    ) -> tuple[str, str, bool, None]:
        """Keep a cleaned copy of the uploaded photo privately; Gradio's temporary copy is deleted.

        `photo` is the upload's FileData as sent (the event does not preprocess): the gate in front
        of Gradio has checked that its path is a file this user uploaded.
        """
        user = self.user(request)
        path = photo.get("path") if isinstance(photo, dict) else None
        if not isinstance(path, str) or not path:
            return "", "", False, None
        try:
            data = Path(path).read_bytes()
        except OSError:
            raise ValidationError("The upload did not arrive; try again.") from None
        finally:
            remove_upload(path)
        kept = self.app.photos.upload(user, data, consent=bool(consent))
        until = kept.expires_at.strftime("%H:%M UTC")
        return (str(kept.id), f"Photo ready ({kept.width}×{kept.height}), kept until {until}.", True, None)

    @user_errors
    def delete_photo(self, photo_id: str = "", request: gr.Request | None = None) -> tuple[str, str, bool]:
        """Delete the caller's photo now."""
        user = self.user(request)
        if str(photo_id or "").strip():
            self.app.photos.delete(user.id, int_id(photo_id))
        return "", "Your photo was deleted.", False
