"""User text inside Markdown: shown as typed, never rendered (no links, images or HTML)."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def plain(text: str) -> str:
    """`text` without control characters and lone surrogates, whitespace collapsed."""
    kept = "".join(ch for ch in text or "" if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cs"))
    return " ".join(kept.split())


def md_text(text: str) -> str:
    """`text` for a gr.Markdown: each ASCII punctuation mark backslash-escaped, so `![](/x)`,
    `<img>`, `**` or `&lt;` appear literally (CommonMark escapes; Gradio also sanitises HTML)."""
    return _PUNCT.sub(r"\\\1", plain(text))
