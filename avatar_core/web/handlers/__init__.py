"""UI handlers: named parameters in, plain values out; each one resolves the caller server-side.

One module per tab (generate, photos, gallery, tokens, admin, models); `Handlers` combines them.
"""

from __future__ import annotations

from avatar_core.web.handlers.admin import AdminHandlers
from avatar_core.web.handlers.common import (
    AUTO,
    OPERATOR_NOTE,
    PREVIEW_NOTE,
    TOGGLE_NAMES,
    TOGGLES,
    greeting_line,
    image_html,
    locked_note,
    model_choices,
    model_label,
    toggle_reasons,
    user_errors,
    whole,
    why_line,
)
from avatar_core.web.handlers.gallery import GalleryHandlers
from avatar_core.web.handlers.generate import FollowHandlers
from avatar_core.web.handlers.models import ModelHandlers
from avatar_core.web.handlers.photos import PhotoHandlers
from avatar_core.web.handlers.progress import StageClock
from avatar_core.web.handlers.tokens import TokenHandlers

__all__ = [
    "AUTO",
    "OPERATOR_NOTE",
    "PREVIEW_NOTE",
    "TOGGLES",
    "TOGGLE_NAMES",
    "Handlers",
    "StageClock",
    "greeting_line",
    "image_html",
    "locked_note",
    "model_choices",
    "model_label",
    "toggle_reasons",
    "user_errors",
    "whole",
    "why_line",
]


class Handlers(FollowHandlers, PhotoHandlers, GalleryHandlers, TokenHandlers, AdminHandlers, ModelHandlers):
    """Every UI event's server side; `request.username` is the session cookie's user id."""
