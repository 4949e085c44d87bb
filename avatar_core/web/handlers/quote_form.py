"""The Generate form's fields that decide a quote, and the requests made from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from avatar_core.domain.aspects import SQUARE, Aspect, parse_aspect
from avatar_core.domain.errors import AvatarError, ValidationError
from avatar_core.domain.presets_data import PresetData
from avatar_core.domain.prompts import replaced
from avatar_core.domain.selection import ModelSpec
from avatar_core.domain.words import families
from avatar_core.services.generation import GenerationRequest
from avatar_core.services.generation_batch import check_count
from avatar_core.web.handlers.common import AUTO, toggle_reasons
from avatar_core.web.text import md_text


@dataclass(frozen=True)
class QuoteForm:
    """The Generate form's fields that decide the quote."""

    model: str | None
    preset: str | None
    prefer_realism: bool
    prefer_hd: bool
    fast: bool
    from_photo: bool
    aspect: Aspect = SQUARE  # square for "From my photo" (the photo keeps its framing)
    count: int = 1  # images per click
    prompt: str = ""  # the user's words (they may replace some of the preset's)

    @classmethod
    def of(
        cls,
        model: str | None,
        preset: str | None,
        realism: bool,
        hd: bool,
        fast: bool,
        photo: bool,
        aspect: str | None = SQUARE,
        count: object = 1,
        prompt: object = "",
    ) -> QuoteForm:
        """The form as Gradio sends it (Auto → no model; a photo overrides the model and aspect)."""
        photo = bool(photo)
        explicit = None if model in (None, "", AUTO) or photo else model
        shape = SQUARE if photo else parse_aspect(aspect)
        n = 1 if count in (None, "") else check_count(_whole(count))
        words = " ".join(str(prompt or "").split())
        return cls(explicit, preset or None, bool(realism), bool(hd), bool(fast), photo, shape, n, words)

    @property
    def args(self) -> tuple[str | None, str | None, bool, bool, bool, bool]:
        """Positional arguments of `quote` (the aspect and count go by name)."""
        return (self.model, self.preset, self.prefer_realism, self.prefer_hd, self.fast, self.from_photo)

    def words_note(self, preset_of: Callable[[str], PresetData]) -> str:
        """Which of the preset's words the user's words replace, in plain words ("" when none, and
        with no read unless the words name hair, eyes, clothing or a setting)."""
        if not self.preset or self.from_photo or not families(self.prompt):
            return ""
        try:
            found = replaced(self.prompt, preset_of(self.preset))
        except AvatarError:  # the preset is gone: the quote says so
            return ""
        if not found:
            return ""
        items = [f"‘{md_text(r.words)}’ ({r.what})" for r in found]
        listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
        return f"Your words replace the preset's {listed}."

    def reasons(self, sold: list[ModelSpec], tier: str) -> dict[str, str]:
        """Why each toggle cannot apply ('' when it can)."""
        return toggle_reasons(sold, tier, bool(self.model), self.from_photo)

    def request(self, reasons: dict[str, str]) -> GenerationRequest:
        """The request quoted: toggles that cannot apply are off."""
        return GenerationRequest(
            prompt="x",
            preset=self.preset,
            model=self.model,
            prefer_realism=self.prefer_realism and not reasons["realism"],
            prefer_hd=self.prefer_hd and not reasons["hd"],
            fast=self.fast and not reasons["fast"],
            from_photo=self.from_photo,
            aspect=self.aspect,
        )

    def asked(self) -> GenerationRequest:
        """What the user ticked (to name the preferences that fall back)."""
        return GenerationRequest(
            prompt="x",
            model=self.model,
            prefer_realism=self.prefer_realism,
            prefer_hd=self.prefer_hd,
            fast=self.fast,
            from_photo=self.from_photo,
            aspect=self.aspect,
        )


def with_note(line: str, note: str) -> str:
    """The quote line, then the note on a line of its own (when there is one)."""
    return f"{line}  \n{note}" if note else line


def _whole(value: object) -> int:
    """A whole number from a form field; ValidationError otherwise."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError("The number of images must be a whole number.") from None
    if not number.is_integer():
        raise ValidationError("The number of images must be a whole number.")
    return int(number)
