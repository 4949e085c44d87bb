"""Shared pieces of the UI handlers: the error wrapper, labels, notes and input parsing."""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from avatar_core.domain.errors import AvatarError, ValidationError
from avatar_core.domain.selection import TIERS, ModelSpec, Selection, can_access, price_for
from avatar_core.services.auth import UserInfo
from avatar_core.services.generation import GenerationRequest
from avatar_core.web.text import md_text

log = logging.getLogger("avatar_core.web")
AUTO = "auto"
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(fn: F) -> F:
    """Turn user-caused errors into gr.Error (one place); anything else is logged, not shown."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AvatarError as err:
            # gr.Error renders HTML in the modal: escape markup, keep quotes readable.
            raise gr.Error(html.escape(str(err), quote=False), print_exception=False) from None
        except gr.Error:
            raise
        except Exception:
            log.exception("handler %s failed", fn.__name__)
            raise gr.Error(
                "Something went wrong on our side. Please try again.", print_exception=False
            ) from None

    return wrapper  # type: ignore[return-value]


PREVIEW_NOTE = (
    "**Preview mode:** this server isn't connected to an image model, so your "
    "avatars are illustrated previews drawn on the server."
)
OPERATOR_NOTE = (
    "**Offline preview mode (admins only see this):** images are illustrated previews "
    "drawn locally, not FLUX renders. To use Hugging Face, set `HF_TOKEN` in `.env` "
    "(see `.env.example`) and restart."
)
TOGGLES = ("realism", "hd", "fast")
TOGGLE_NAMES = {"realism": "Prefer realism", "hd": "Prefer HD", "fast": "Fast"}


def model_label(m: ModelSpec, tier: str | None = None) -> str:
    """How a model reads in the dropdown: with what `tier` pays (list price without a tier)."""
    price = m.credit_cost if tier is None else price_for(m, tier)
    return f"{m.name} · {price} credit{'' if price == 1 else 's'}"


def model_choices(
    models: list[ModelSpec], tier: str | None = None, locked_from: list[ModelSpec] | None = None
) -> list[tuple[str, str]]:
    """'Auto (recommended)' followed by the given models, priced for `tier`, then the enabled models
    of `locked_from` that `tier` does not reach: "name · locked: pro tier". A dropdown cannot disable one
    choice, so a locked one can be picked: its quote says which tier opens it and Generate is
    refused (the page disables it while the quote says so; the server refuses it all the same)."""
    locked = [m for m in locked_from or [] if m.enabled and tier and not can_access(tier, m.tier)]
    return (
        [("Auto (recommended)", AUTO)]
        + [(model_label(m, tier), m.model_key) for m in models]
        + [(f"{m.name} · locked: {m.tier} tier", m.model_key) for m in locked]
    )


def toggle_reasons(models: list[ModelSpec], tier: str, explicit: bool, from_photo: bool) -> dict[str, str]:
    """Why each preference toggle cannot apply for this user and form ('' when it can)."""
    if from_photo:
        return dict.fromkeys(TOGGLES, "Not used for “From my photo”.")
    if explicit:
        return dict.fromkeys(TOGGLES, "Not used with a chosen model (pick Auto to use it).")
    enabled = [m for m in models if m.enabled and not m.likeness]
    wants = {"realism": lambda m: m.is_realism, "hd": lambda m: m.is_realism, "fast": lambda m: m.is_fast}
    out = {}
    for key, fits in wants.items():
        if any(fits(m) and can_access(tier, m.tier) for m in enabled):
            out[key] = ""
            continue
        needed = sorted({m.tier for m in enabled if fits(m)}, key=TIERS.index)
        out[key] = (
            f"Needs the {needed[0]} tier (yours is {tier})."
            if needed
            else "Not offered on this server right now."
        )
    return out


def why_line(sel: Selection, req: GenerationRequest, tier: str, reasons: dict[str, str]) -> str:
    """Why this model and price, naming any preference that falls back to the default."""
    if req.from_photo:
        why = "“From my photo” uses the likeness model"
    elif req.model:
        why = "you chose this model"
    else:
        asked = [
            k for k, on in (("fast", req.fast), ("hd", req.prefer_hd), ("realism", req.prefer_realism)) if on
        ]
        blocked = [k for k in asked if reasons.get(k)]
        if blocked:
            k = blocked[0]
            why = (
                f"{TOGGLE_NAMES[k]} can't apply ({reasons[k][0].lower()}{reasons[k][1:-1]}), "
                f"so your tier's default runs"
            )
        elif asked:
            why = f"you asked for {TOGGLE_NAMES[asked[0]].replace('Prefer ', '').lower()}"
        else:
            why = f"the {tier} tier's default"
    if sel.price == 0 and sel.model.credit_cost:
        why += f"; {tier} renders are free (list price {sel.model.credit_cost})"
    return f"Why: {why}."


def locked_note(models: list[ModelSpec], tier: str, shop_url: str = "") -> str:
    """The models the tier does not reach, the tier each needs, and how to move up a tier."""
    locked = [m for m in models if m.enabled and not can_access(tier, m.tier)]
    if not locked:
        return f"Your **{tier}** tier reaches every model."
    parts = ", ".join(f"{m.name} ({m.tier})" for m in locked)
    where = f"[the shop]({shop_url}) or this server's operator" if shop_url else "this server's operator"
    return (
        f"Your tier: **{tier}**. Locked: {parts}. They end the Model list, marked “locked”; "
        f"for a higher tier, ask {where}."
    )


def greeting_line(user: UserInfo) -> str:
    """Who is signed in, their tier and balance (the log-out button sits beside it)."""
    return f"Signed in as **{md_text(user.username)}** · {user.tier} tier · **{user.balance}** credits"


def image_html(avatar_id: int, alt: str) -> str:
    """The full-size avatar, served by the owner-checked route."""
    return f'<img class="avatar-result" src="/avatars/{avatar_id}/image.png" alt="{html.escape(alt)}">'


def parse_day(text: str) -> date | None:
    """A YYYY-MM-DD date, or None for empty; ValidationError otherwise."""
    if not (text or "").strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("Give the first day as YYYY-MM-DD.") from None


def parse_experiment_id(value: float | None) -> int:
    """A whole positive id from a number box."""
    if value is None or value != value or int(value) != value or value < 1:
        raise ValidationError("Give the experiment's id (a whole number).")
    return int(value)


def remove_upload(path: str) -> None:
    """Delete Gradio's temporary copy of an upload (photos are personal data)."""
    with contextlib.suppress(OSError):
        Path(path).unlink()


def page_number(raw: object) -> int:
    """A gallery page from the page box: 1 for anything that is not a finite number ≥ 1."""
    try:
        value = float(raw or 1)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1
    return int(min(value, 2**31)) if math.isfinite(value) and value >= 1 else 1


def parse_seed(raw: object) -> int | None:
    """The seed from the number box: None (random) for empty or negative; NaN/inf refused."""
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError("The seed must be a whole number, or -1 for a random one.") from None
    if not math.isfinite(value) or (value >= 0 and value != int(value)):
        raise ValidationError("The seed must be a whole number, or -1 for a random one.")
    return None if value < 0 else int(value)


def whole(raw: object) -> bool:
    """True for a finite whole number (an int, or a float without a fraction), not a bool."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return False
    return math.isfinite(raw) and raw == int(raw)


def int_id(raw: object) -> int:
    """An id from a hidden textbox; ValidationError when it is not one."""
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValidationError("Select an avatar first.") from None
