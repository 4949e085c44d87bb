"""What every tab of the Gradio UI shares: assets, client-side snippets, small helpers."""

from __future__ import annotations

from typing import Any

from avatar_core.config import ASSETS_DIR
from avatar_core.web.pages import LOGO_SVG

ASSETS = ASSETS_DIR
SCRIPTS = ("app.js", "viewer.js")  # page helpers; the gallery's full-size viewer
HEAD = "".join(f"<script>{(ASSETS / s).read_text()}</script>" for s in SCRIPTS if (ASSETS / s).is_file())
REFRESH_SECONDS = 30.0  # the balance and quote refresh this often (and when the tab regains focus)
# Internal events: no public API endpoint (every event still has an explicit api_name).
HIDDEN: dict[str, Any] = dict(api_visibility="private")
# A POST form: logging out is an action (GET /logout only shows a confirmation button), and a
# Markdown link would open in a new tab (Gradio sets target=_blank on them).
LOGOUT_FORM = (
    '<form method="post" action="/logout" class="logout-form">'
    '<button type="submit" class="logout-btn">Log out</button></form>'
)
LOGO = f'<h1 class="brand">{LOGO_SVG.format(size=34)}<span>Avatar Creator</span></h1>'


def duration(hours: float) -> str:
    """'24 hours', '30 minutes', '4 seconds'."""
    for unit, size in (("hours", 1.0), ("minutes", 1 / 60), ("seconds", 1 / 3600)):
        if hours >= size:
            return f"{hours / size:g} {unit}"
    return f"{hours * 3600:.1f} seconds"
