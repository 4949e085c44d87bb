"""UI handlers in-process: every one resolves the caller from the session and re-checks rights."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import gradio as gr
import pytest
from sqlalchemy import func, select

from avatar_core.bootstrap import App
from avatar_core.infra.models import Generation, LedgerEntry, User
from avatar_core.infra.storage import FileBacked
from avatar_core.services import credits
from avatar_core.services.auth import UserInfo
from avatar_core.web.handlers import AUTO, Handlers

PASSWORD = "correct-horse-7"
HD_MODEL = "avatar-creator:flux-dev-hd-realism"


def as_user(user: UserInfo) -> gr.Request:
    """The request a logged-in browser of `user` produces (username = session user id)."""
    return gr.Request(username=str(user.id))


def message(err: pytest.ExceptionInfo[gr.Error]) -> str:
    """The user-facing text of a gr.Error."""
    return str(err.value.message)


def balance(app: App, user: UserInfo) -> int:
    return app.accounts.get(user.id).balance


def ledger(app: App, user: UserInfo) -> list[credits.Movement]:
    with app.db.read() as session:
        return credits.history(session, user.id, limit=1000)


def snapshot(app: App) -> list[tuple[Any, ...]]:
    """Everything an admin handler could change: users, models, ledger size."""
    with app.db.read() as session:
        users = [
            (u.username, u.tier, u.balance, u.is_admin)
            for u in session.scalars(select(User).order_by(User.id))
        ]
        rows = int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
    models = [(m.model_key, m.enabled, m.credit_cost) for m in app.catalog.models()]
    return [tuple(users), tuple(models), (rows,)]


@pytest.fixture
def handlers(app: App) -> Handlers:
    return Handlers(app)


@pytest.fixture
def alice(app: App) -> UserInfo:
    return app.accounts.register("alice", PASSWORD)


@pytest.fixture
def bob(app: App) -> UserInfo:
    return app.accounts.register("bob", PASSWORD)


@pytest.fixture
def admin(app: App) -> UserInfo:
    return app.accounts.register("boss", "Sup3r-Secret-42", tier="enterprise", is_admin=True)


def generate(
    h: Handlers, user: UserInfo, prompt: str = "a smiling man with a beard", **kwargs: Any
) -> tuple[str, str, str, dict[str, Any]]:
    kwargs.setdefault("progress", _no_progress)  # gr.Progress only works inside an event
    return h.generate(prompt=prompt, request=as_user(user), **kwargs)


class _NoProgress(gr.Progress):
    """Stands in for gr.Progress outside a Gradio event: every update is dropped."""

    def __call__(self, *_args: Any, **_kwargs: Any) -> None:
        """Drop the update."""


_no_progress = _NoProgress()


# ----- generate -----
def test_generate_offline_returns_owner_image_url_charge_and_balance(
    app: App, handlers: Handlers, alice: UserInfo
) -> None:
    html, details, quote, data = generate(handlers, alice)
    gen_id = data["generation_id"]
    assert data["status"] == "completed" and data["engine"] == "local"
    assert f'src="/avatars/{gen_id}/image.png"' in html and 'class="avatar-result"' in html
    assert data["image_url"] == f"/avatars/{gen_id}/image.png"
    assert data["credits_charged"] == 8 and data["balance"] == 16 == balance(app, alice)
    assert "Charged **8** credits" in details and "balance **16** credits" in details
    assert "offline preview" in details
    assert "Balance: **16** credits" in quote
    assert handlers.greeting(as_user(alice)).count("**16** credits") == 1


def test_insufficient_credits_is_a_clear_error_and_charges_nothing(
    app: App, handlers: Handlers, alice: UserInfo, admin: UserInfo
) -> None:
    handlers.admin_deduct_credits("alice", 20, "test", as_user(admin))
    before = ledger(app, alice)
    with pytest.raises(gr.Error) as err:
        generate(handlers, alice)
    assert message(err) == "Not enough credits: this image costs 8 and your balance is 4."
    assert balance(app, alice) == 4 and ledger(app, alice) == before
    with app.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Generation)) == 0
    assert "not enough credits" in handlers.quote(AUTO, None, False, False, False, request=as_user(alice))


def test_explicit_model_above_tier_is_refused_naming_the_tier(
    app: App, handlers: Handlers, alice: UserInfo
) -> None:
    with pytest.raises(gr.Error) as err:
        generate(handlers, alice, model=HD_MODEL)
    assert "needs the pro tier" in message(err) and "your tier is free" in message(err)
    assert balance(app, alice) == 24 and len(ledger(app, alice)) == 1  # only the welcome grant


def test_generate_validation_errors_are_user_messages(handlers: Handlers, alice: UserInfo) -> None:
    with pytest.raises(gr.Error) as err:
        generate(handlers, alice, prompt="   ")
    assert message(err) == "Write a prompt or pick a preset."
    with pytest.raises(gr.Error) as err:
        generate(handlers, alice, preset="<b>nope</b>")
    assert "&lt;b&gt;" in message(err)  # gr.Error renders HTML: user text is escaped


def test_on_load_filters_models_by_tier_and_shows_admin_tab_only_to_admins(
    handlers: Handlers, alice: UserInfo, admin: UserInfo
) -> None:
    greeting, models, locked, quote, admin_tab = handlers.on_load(as_user(alice))
    assert "alice" in greeting and "**24** credits" in greeting
    usable = [key for label, key in models["choices"] if "· locked:" not in label]
    assert usable == [AUTO, "avatar-creator:flux-dev-base"]  # then the locked ones (test_get_credits)
    assert "FLUX.1-dev HD + Realism LoRA (pro)" in locked
    assert "**8** credits" in quote and "Balance: **24** credits" in quote
    assert admin_tab["visible"] is False
    *_, admin_tab = handlers.on_load(as_user(admin))
    assert admin_tab["visible"] is True


def test_requests_without_a_session_are_refused(handlers: Handlers, alice: UserInfo) -> None:
    calls: list[Callable[[], object]] = [
        lambda: handlers.on_load(gr.Request()),
        lambda: handlers.quote(AUTO, None, False, False, False, request=gr.Request()),
        lambda: handlers.generate(prompt="x", request=None),
        lambda: handlers.gallery_page(1, False, "", request=gr.Request(username="not-a-number")),
        lambda: handlers.admin_users("", gr.Request(username="999999")),
    ]
    for call in calls:
        with pytest.raises(gr.Error) as err:
            call()
        assert "session has expired" in message(err)


# ----- admin -----
def picked(username: str) -> gr.SelectData:
    """What a click on `username`'s row of the users table sends (its first cell)."""
    return gr.SelectData(None, {"index": [0, 0], "value": username, "row_value": [username, "free"]})


ADMIN_CALLS: dict[str, Callable[[Handlers, str, gr.Request], object]] = {
    "admin_users": lambda h, who, r: h.admin_users("", r),
    "admin_users_view": lambda h, who, r: h.admin_users_view("", r),
    "admin_pick_user": lambda h, who, r: h.admin_pick_user(picked(who), r),
    "admin_credits_view": lambda h, who, r: h.admin_credits_view(who, r),
    "admin_ledger_view": lambda h, who, r: h.admin_ledger_view(who, r),
    "admin_grant_credits": lambda h, who, r: h.admin_grant_credits(who, 1000, "hack", r),
    "admin_deduct_credits": lambda h, who, r: h.admin_deduct_credits(who, 10, "hack", r),
    "admin_adjust_credits": lambda h, who, r: h.admin_adjust_credits(who, 5, "hack", "grant", r),
    "admin_set_tier": lambda h, who, r: h.admin_set_tier(who, "enterprise", r),
    "admin_ledger": lambda h, who, r: h.admin_ledger(who, r),
    "admin_models": lambda h, who, r: h.admin_models(r),
    "admin_model_fields": lambda h, who, r: h.admin_model_fields(HD_MODEL, r),
    "admin_update_model": lambda h, who, r: h.admin_update_model(HD_MODEL, True, 0, "", "default", r),
    "admin_add_model": lambda h, who, r: h.admin_add_model(
        "avatar-creator:x", "black-forest-labs/FLUX.1-schnell", "", None, "free", 0, "512x512", 4, 0, "", r
    ),
    "admin_stats": lambda h, who, r: h.admin_stats(r),
    "admin_usage": lambda h, who, r: h.admin_usage("", r),
    "admin_start_experiment": lambda h, who, r: h.admin_start_experiment(
        "free", "avatar-creator:flux-dev-base", "avatar-creator:flux-schnell-fast", 50, r
    ),
    "admin_experiment_results": lambda h, who, r: h.admin_experiment_results(1, r),
    "admin_stop_experiment": lambda h, who, r: h.admin_stop_experiment(1, r),
    "admin_experiments": lambda h, who, r: h.admin_experiments(r),
    "admin_pick_experiment": lambda h, who, r: h.admin_pick_experiment(picked("1"), r),
}


def test_every_admin_handler_is_covered() -> None:
    names = {n for n in dir(Handlers) if n.startswith("admin")} - {"admin"}
    assert names == set(ADMIN_CALLS)


@pytest.mark.parametrize("name", sorted(ADMIN_CALLS))
def test_non_admin_calling_an_admin_handler_changes_nothing(
    app: App, handlers: Handlers, alice: UserInfo, name: str
) -> None:
    before = snapshot(app)
    with pytest.raises(gr.Error) as err:
        ADMIN_CALLS[name](handlers, "alice", as_user(alice))
    assert message(err) == "Only admins can do that."
    assert snapshot(app) == before
    user = app.accounts.get(alice.id)
    assert (user.balance, user.tier, user.is_admin) == (24, "free", False)


def test_admin_grant_writes_an_admin_adjust_row_with_the_actor(
    app: App, handlers: Handlers, alice: UserInfo, admin: UserInfo
) -> None:
    out = handlers.admin_grant_credits(" Alice ", 50, "support ticket", as_user(admin))
    assert out == "Granted 50 credits for alice; balance now 74."
    top = ledger(app, alice)[0]
    assert (top.type, top.amount, top.balance_after, top.actor_id, top.reason) == (
        "admin_adjust",
        50,
        74,
        admin.id,
        "support ticket",
    )
    assert handlers.admin_deduct_credits("alice", 4, "typo", as_user(admin)).endswith("now 70.")
    rows = handlers.admin_ledger("alice", as_user(admin))
    assert [r[1:4] for r in rows[:2]] == [["admin_adjust", -4, 70], ["admin_adjust", 50, 74]]
    users = {r[0]: r for r in handlers.admin_users("", as_user(admin))}
    assert users["alice"][3] == 70 and users["boss"][2] == "yes"
    for bad in (0, -5, 2.5):
        with pytest.raises(gr.Error):
            handlers.admin_grant_credits("alice", bad, "x", as_user(admin))
    assert balance(app, alice) == 70


def test_admin_tier_models_and_stats(app: App, handlers: Handlers, alice: UserInfo, admin: UserInfo) -> None:
    assert handlers.admin_set_tier("alice", "pro", as_user(admin)) == "alice is now on the pro tier."
    _, _, _, data = generate(handlers, alice, model=HD_MODEL)
    assert data["model_key"] == HD_MODEL and data["credits_charged"] == 15
    assert handlers.admin_model_fields(HD_MODEL, as_user(admin)) == (True, 15, "", "default")
    handlers.admin_update_model(HD_MODEL, False, 20, "", "default", as_user(admin))
    assert handlers.admin_model_fields(HD_MODEL, as_user(admin)) == (False, 20, "", "default")
    table = {r[0]: r for r in handlers.admin_models(as_user(admin))}
    assert table[HD_MODEL][2:4] == [20, "no"]
    # offline engine: every row runs as a preview that claims no LoRA
    assert table[HD_MODEL][4:] == [
        "offline: offline-preview",
        "no",
        "1024x1024",
        "n/a",
        "FLUX.1-dev non-commercial",
        "ok",
    ]
    rows = handlers.admin_stats(as_user(admin))
    assert rows == [["flux-dev-hd-realism", 1, 1, 0, "100%", rows[0][5], ""]]
    with pytest.raises(gr.Error, match="Unknown tier"):
        handlers.admin_set_tier("alice", "platinum", as_user(admin))


# ----- gallery -----
def test_gallery_shows_only_the_callers_avatars(handlers: Handlers, alice: UserInfo, bob: UserInfo) -> None:
    mine = [generate(handlers, alice, f"alice avatar {i}")[3]["generation_id"] for i in range(2)]
    theirs = generate(handlers, bob, "bob avatar")[3]["generation_id"]
    grid, label, page, *_ = handlers.gallery_page(1, False, str(mine[0]), request=as_user(alice))
    ids = [int(i) for i in re.findall(r'data-id="(\d+)"', grid)]
    assert ids == mine[::-1] and theirs not in ids and page == 1
    assert label == "2 avatars"  # one page: no "Page 1 of 1"
    assert f'class="thumb picked" data-id="{mine[0]}"' in grid
    assert f"/avatars/{theirs}/" not in grid
    grid, label, *_ = handlers.gallery_page(1, False, "", request=as_user(bob))
    assert re.findall(r'data-id="(\d+)"', grid) == [str(theirs)]
    grid, label, page, *_ = handlers.gallery_older(5, False, request=as_user(bob))
    assert page == 1  # clamped to the last page
    assert "No avatars yet" in handlers.gallery_first(True, request=as_user(bob))[0]


def test_pick_avatar_reads_only_an_integer_id_from_the_event() -> None:
    h = Handlers.__new__(Handlers)
    assert h.pick_avatar(gr.EventData(None, {"id": "12"})) == "12"
    assert h.pick_avatar(gr.EventData(None, {"id": "12; drop"})) == ""
    assert h.pick_avatar(gr.EventData(None, None)) == ""


def test_detail_favourite_and_reuse_of_own_avatar(handlers: Handlers, alice: UserInfo) -> None:
    gen_id = generate(handlers, alice, "red curly hair", seed=77)[3]["generation_id"]
    req = as_user(alice)
    image, recipe = handlers.avatar_detail(str(gen_id), req)
    assert f"/avatars/{gen_id}/image.png" in image
    assert "red curly hair" in recipe and "**Seed:** 77" in recipe
    assert "FLUX.1-dev Base (offline preview)" in recipe
    assert f"/avatars/{gen_id}/download.png" in recipe
    assert handlers.avatar_detail("", req) == ("", "Select an avatar to see it full size.")
    assert handlers.toggle_favourite(str(gen_id), req) == "★ Added to favourites"
    assert "★" in handlers.gallery_first(True, request=req)[0]
    prompt, preset, model, seed, random_seed, aspect, tabs = handlers.reuse(str(gen_id), req)
    assert (prompt, preset, model, seed) == ("red curly hair", None, "avatar-creator:flux-dev-base", 77)
    assert random_seed["value"] is False and aspect == "1:1"  # the same seed and shape, ready to run
    assert tabs["selected"] == "generate"


def test_another_users_avatar_is_no_such_avatar_and_unchanged(
    app: App, handlers: Handlers, alice: UserInfo, bob: UserInfo
) -> None:
    gen_id = generate(handlers, alice)[3]["generation_id"]
    app.gallery.image(alice.id, gen_id, thumb=True)  # shown in the gallery: its thumbnail is made
    item = app.gallery.get(alice.id, gen_id)
    assert isinstance(app.store, FileBacked)  # the default local store: avatars are files
    files = [app.store.path(k) for k in _keys(app, gen_id)]
    calls = [handlers.avatar_detail, handlers.toggle_favourite, handlers.delete_avatar, handlers.reuse]
    for call in calls:
        with pytest.raises(gr.Error) as err:
            call(str(gen_id), as_user(bob))
        assert message(err) == "No such avatar."
    assert app.gallery.get(alice.id, gen_id) == item and all(f.is_file() for f in files)
    assert balance(app, bob) == 24 and balance(app, alice) == 16
    with pytest.raises(gr.Error, match="Select an avatar first"):
        handlers.delete_avatar("", as_user(alice))


def test_delete_removes_files_but_not_the_record_nor_credits(
    app: App, handlers: Handlers, alice: UserInfo
) -> None:
    gen_id = generate(handlers, alice)[3]["generation_id"]
    assert isinstance(app.store, FileBacked)
    files = [app.store.path(k) for k in _keys(app, gen_id)]
    assert files[0].is_file() and not files[1].exists()  # the thumbnail: made when first shown
    app.gallery.image(alice.id, gen_id, thumb=True)
    assert len(files) == 2 and all(f.is_file() for f in files)
    before = ledger(app, alice)
    assert handlers.delete_avatar(str(gen_id), as_user(alice)) == ("Avatar deleted.", "")
    assert not any(f.exists() for f in files)
    with app.db.read() as session:  # what happened stays on record, without its image
        gen = session.get(Generation, gen_id)
        assert gen is not None and gen.status == "completed" and gen.deleted_at is not None
        assert (gen.image_path, gen.thumb_path, gen.credits_charged) == (None, None, 8)
    assert balance(app, alice) == 16 and ledger(app, alice) == before
    with pytest.raises(gr.Error, match="No such avatar"):
        handlers.avatar_detail(str(gen_id), as_user(alice))


def _keys(app: App, gen_id: int) -> list[str]:
    with app.db.read() as session:
        gen = session.get(Generation, gen_id)
        assert gen is not None
        return [k for k in (gen.image_path, gen.thumb_path) if k]


def test_deleting_avatars_keeps_usage_costs_and_stats(
    app: App, handlers: Handlers, admin: UserInfo, alice: UserInfo
) -> None:
    """#23 item 2: a user who spent 170 credits showed 158 after deleting one avatar."""
    made = [generate(handlers, alice, f"a portrait {i}")[3]["generation_id"] for i in range(2)]
    before_usage = app.admin.usage(admin)
    before_users = {u.username: (u.spent, u.generations) for u in app.admin.users_overview(admin, "")}
    before_stats = app.admin.model_stats(admin)
    handlers.delete_avatar(str(made[0]), as_user(alice))
    assert app.admin.usage(admin) == before_usage
    assert {u.username: (u.spent, u.generations) for u in app.admin.users_overview(admin, "")} == before_users
    assert app.admin.model_stats(admin) == before_stats
    assert [a.id for a in app.gallery.page(alice.id).items] == [made[1]]  # gone from the gallery only


def test_admin_usage_and_experiments(app: App, handlers: Handlers, admin: UserInfo, alice: UserInfo) -> None:
    generate(handlers, alice, "a portrait")
    table, bars, lines, note, download = handlers.admin_usage("", as_user(admin))
    assert table and table[0][1] == "flux-dev-base" and table[0][2] == 1
    # one day of data: bars per model (a one-point line says nothing), the line chart hidden
    assert bars["visible"] is True and lines["visible"] is False
    assert list(bars["value"].columns) == ["day", "generations", "model"]
    assert bars["value"]["model"].tolist() == ["flux-dev-base"] and note.startswith("1 generation on ")
    assert 'href="/admin/usage.csv"' in download["value"]
    with pytest.raises(gr.Error, match="YYYY-MM-DD"):
        handlers.admin_usage("yesterday", as_user(admin))
    started = handlers.admin_start_experiment(
        "free", "avatar-creator:flux-dev-base", "avatar-creator:flux-schnell-fast", 50, as_user(admin)
    )
    exp_id = int(started.split("#")[1].split(" ")[0])
    message, rows = handlers.admin_experiment_results(exp_id, as_user(admin))
    assert rows == [] and f"#{exp_id}" in message
    with pytest.raises(gr.Error, match="whole percentage"):
        handlers.admin_start_experiment("free", "a", "b", 12.5, as_user(admin))
    assert "stopped" in handlers.admin_stop_experiment(exp_id, as_user(admin))
    (listed,) = handlers.admin_experiments(as_user(admin))
    assert listed[:5] == [exp_id, "free", "flux-dev-base", "flux-schnell-fast", 50]
    assert listed[6].startswith("ended ")
    clicked = gr.SelectData(None, {"index": [0, 3], "value": "x", "row_value": [str(exp_id), *listed[1:]]})
    assert handlers.admin_pick_experiment(clicked, as_user(admin)) == (exp_id, message, [])


def test_admin_console_sections(app: App, handlers: Handlers, admin: UserInfo, alice: UserInfo) -> None:
    """A clicked user row fills the forms; Credits opens on the user's ledger; usage over 3 days
    is a line per model; Add model on an offline server gives the command instead of checking."""
    name, tier, target, card = handlers.admin_pick_user(picked("alice"), as_user(admin))
    assert (name, tier, target) == ("alice", "free", "alice")
    assert card == "Editing **alice**: their credits and ledger are in **Credits**."
    assert handlers.admin_credits_view("", as_user(admin)) == (
        "Pick a user in **Users** (click their row) or type a username above.",
        [],
    )
    title, rows = handlers.admin_credits_view("alice", as_user(admin))
    assert title == "### Ledger of alice" and rows[0][1] == "grant"
    made = [generate(handlers, alice, f"day {i}")[3]["generation_id"] for i in range(3)]
    with app.db.transaction() as session:
        for days, gen_id in enumerate(made):
            row = session.get(Generation, gen_id)
            assert row is not None
            row.created_at = row.created_at - timedelta(days=days)
    _table, bars, lines, note, _csv = handlers.admin_usage("", as_user(admin))
    assert bars["visible"] is False and lines["visible"] is True and note.startswith("3 days, ")
    before = snapshot(app)
    out = handlers.admin_add_model(
        "avatar-creator:flux-krea", "black-forest-labs/FLUX.1-Krea-dev", "", None, "basic", 12,
        "1024x1024", 28, 3.5, "FLUX.1 [dev] non-commercial", as_user(admin),
    )  # fmt: skip
    assert "the Hub check cannot run here" in out and snapshot(app) == before
    assert (
        "avatar-creator models add avatar-creator:flux-krea --model black-forest-labs/FLUX.1-Krea-dev "
        "--tier basic --credits 12 --size 1024x1024 --steps 28 --guidance 3.5 "
        "--license 'FLUX.1 [dev] non-commercial' --no-check"
    ) in out
