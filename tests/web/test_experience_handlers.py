"""Handlers behind issue #11: the honest quote, prices per tier, the banner, gallery and admin finish."""

from __future__ import annotations

import time
from typing import Any

import pytest

from avatar_core.bootstrap import App
from avatar_core.services.auth import UserInfo
from avatar_core.web.handlers import AUTO, OPERATOR_NOTE, PREVIEW_NOTE, Handlers, StageClock
from tests.web.test_handlers import PASSWORD, _no_progress, as_user

BASE = "avatar-creator:flux-dev-base"


@pytest.fixture
def h(app: App) -> Handlers:
    return Handlers(app)


@pytest.fixture
def people(app: App) -> dict[str, UserInfo]:
    """A free user, a basic user and an enterprise admin."""
    boss = app.accounts.register("boss", "Sup3r-Secret-42", tier="enterprise", is_admin=True)
    free = app.accounts.register("fay", PASSWORD)
    app.accounts.register("bea", PASSWORD)
    app.admin.set_tier(boss, "bea", "basic")
    return {"free": free, "basic": app.accounts.by_name("bea"), "admin": boss}


def toggles(view: tuple[Any, ...]) -> dict[str, dict[str, Any]]:
    """The three toggle updates of a quote_view answer, by name."""
    return dict(zip(("realism", "hd", "fast"), view[1:], strict=True))


def test_free_tier_sees_why_and_the_toggles_it_cannot_use(h: Handlers, people: dict[str, UserInfo]) -> None:
    req = as_user(people["free"])
    view = h.quote_view(AUTO, None, True, False, False, False, req)
    assert "Will use **FLUX.1-dev Base**" in view[0]
    assert "Why: Prefer realism can't apply (needs the basic tier (yours is free)" in view[0]
    for name, update in toggles(view).items():
        assert update["interactive"] is False and update["value"] is False, name
        assert update["info"] == "Needs the basic tier (yours is free).", name
    chosen = h.quote_view(BASE, None, False, False, False, False, req)
    assert "Why: you chose this model." in chosen[0]
    assert all("chosen model" in u["info"] for u in toggles(chosen).values())


def test_basic_tier_toggles_apply_and_fast_wins(h: Handlers, people: dict[str, UserInfo]) -> None:
    req = as_user(people["basic"])
    view = h.quote_view(AUTO, None, True, False, True, False, req)
    assert all(u["interactive"] is True for u in toggles(view).values())
    assert "FLUX.1-schnell Fast" in view[0] and "Why: you asked for fast." in view[0]
    assert "Why: you asked for realism." in h.quote(AUTO, None, True, False, False, False, req)


def test_enterprise_sees_what_it_pays_and_admins_see_the_operator_note(
    h: Handlers, people: dict[str, UserInfo]
) -> None:
    admin = as_user(people["admin"])
    choices = h.on_load(admin)[1]["choices"]
    assert ("FLUX.1-dev Base · 0 credits", BASE) in choices
    assert "enterprise renders are free (list price 15)" in h.quote(
        AUTO, None, False, False, False, False, admin
    )
    free_choices = h.on_load(as_user(people["free"]))[1]["choices"]
    assert ("FLUX.1-dev Base · 8 credits", BASE) in free_choices
    assert h.banner(admin) == OPERATOR_NOTE and "HF_TOKEN" in OPERATOR_NOTE
    assert h.banner(as_user(people["free"])) == PREVIEW_NOTE and "HF_TOKEN" not in PREVIEW_NOTE
    greeting, line = h.refresh(AUTO, None, False, False, False, False, admin)
    assert "Signed in as **boss**" in greeting and "Will use" in line


def test_gallery_actions_pager_and_admin_views(app: App, h: Handlers, people: dict[str, UserInfo]) -> None:
    admin, free = as_user(people["admin"]), as_user(people["free"])
    fav, reuse, delete, confirm, *others = h.avatar_actions("", free)
    assert (fav["interactive"], reuse["interactive"], delete["interactive"]) == (False, False, False)
    assert confirm["visible"] is False
    assert [b["interactive"] for b in others] == [False, False, False]  # variations, 👍, 👎 (#23 item 4)
    grid, label, page, newer, older = h.gallery_page(1, False, "", request=free)
    assert 'class="go-generate"' in grid and label == "0 avatars"
    assert newer["visible"] is False and older["visible"] is False
    out = h.generate("a sailor", request=free, progress=_no_progress)[3]
    gen_id = str(out["generation_id"])
    assert h.gallery_page(1, False, "", request=free)[1] == "1 avatar"
    assert h.avatar_actions(gen_id, free)[0] == {
        "__type__": "update",
        "value": "☆ Favourite",
        "interactive": True,
    }
    assert [b["interactive"] for b in h.avatar_actions(gen_id, free)[4:]] == [True, True, True]
    h.toggle_favourite(gen_id, free)
    assert h.avatar_actions(gen_id, free)[0]["value"] == "★ Unfavourite"  # the star shows the state

    rows, note = h.admin_users_view("nobody-like-this", admin)
    assert rows == [] and note == "No users match “nobody-like-this”."
    assert h.admin_users_view("fay", admin)[1] == ""
    h.generate("enterprise render", request=admin, progress=_no_progress)
    title, ledger = h.admin_ledger_view(" Boss ", admin)
    assert title == "### Ledger of boss"
    assert ledger and all(row[2] != 0 for row in ledger)  # enterprise "capture 0" rows left out


def test_stage_clock_reports_elapsed_against_the_expected_time() -> None:
    seen: list[tuple[float, str]] = []
    with StageClock(lambda fraction, desc: seen.append((fraction, desc)), tick=0.05) as clock:
        clock.report("Generating with FLUX.1-dev Base (about 30 s)", 0.1)
        time.sleep(0.2)
        clock.report("Saving", 0.9)
    assert seen[0] == (0.1, "Generating with FLUX.1-dev Base · about 30 s")
    assert any(d.startswith("Generating with FLUX.1-dev Base · 0 s of about 30 s") for _, d in seen)
    assert seen[-1] == (0.9, "Saving")
    assert all(0.1 <= f <= 0.9 for f, _ in seen)
