"""Several avatars at once (#23 items 5 and 9): the zip route, named downloads, bulk delete and
move, always the caller's own avatars; hostile ids change nothing."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
from sqlalchemy import select

from avatar_core.bootstrap import App
from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.infra.models import Generation
from avatar_core.services.gallery_bulk import MAX_SELECTED, parse_ids
from avatar_core.services.generation import GenerationRequest
from avatar_core.web.handlers import Handlers
from tests.web.server import LiveServer

COOKIE = "avatar_session"
pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*")


def made(app: App, username: str, n: int, name: str = "") -> list[int]:
    user = app.accounts.by_name(username)
    return [
        app.generations.generate(user, GenerationRequest(prompt=f"portrait {i}", name=name)).generation_id
        for i in range(n)
    ]


@pytest.mark.parametrize(
    "raw", ["", ",,", "1;2", "-1", "0", "2147483648", "1e3", "١٢", "1 OR 1=1", ",".join(["1"] * 0)]
)
def test_hostile_id_lists_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        parse_ids(raw)


def test_id_lists_are_distinct_and_bounded() -> None:
    assert parse_ids(" 3, 5,3 ,9 ") == [3, 5, 9]
    assert parse_ids([7, "8"]) == [7, 8]
    with pytest.raises(ValidationError, match=f"At most {MAX_SELECTED}"):
        parse_ids(",".join(str(i) for i in range(1, MAX_SELECTED + 2)))


def test_the_zip_holds_each_chosen_avatar_named_with_its_recipe(live: LiveServer) -> None:
    name = f"zed-{uuid.uuid4().hex[:8]}"
    cookie = live.signup(name)
    ids = made(live.app, name, 2, name="Sunny headshot")
    with live.client(cookies={COOKIE: cookie}) as c:
        r = c.get("/avatars/download.zip", params={"ids": ",".join(map(str, ids))})
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        assert 'filename="avatars.zip"' in r.headers["content-disposition"]
        names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
        assert names == [f"sunny-headshot-{i}.{ext}" for i in ids for ext in ("png", "json")]
        archive = zipfile.ZipFile(io.BytesIO(r.content))
        assert archive.read(f"sunny-headshot-{ids[0]}.png").startswith(b"\x89PNG")
        recipe = json.loads(archive.read(f"sunny-headshot-{ids[0]}.json"))
        assert recipe["name"] == "Sunny headshot" and recipe["prompt"] == "portrait 0"
        assert "arm" not in recipe and "/" not in json.dumps(recipe).replace("x", "")  # no paths
        one = c.get(f"/avatars/{ids[0]}/download.png")
        assert f'filename="sunny-headshot-{ids[0]}.png"' in one.headers["content-disposition"]
        assert c.get("/avatars/download.zip", params={"ids": "abc"}).status_code == 400
        assert c.get("/avatars/download.zip").status_code == 400
        padded = " ," * 1500 + str(ids[0])  # never cut (the cut list would be another one)
        assert c.get("/avatars/download.zip", params={"ids": padded}).status_code == 400
    with live.client() as anonymous:
        assert anonymous.get("/avatars/download.zip", params={"ids": str(ids[0])}).status_code == 401


def test_nobody_zips_deletes_or_moves_another_users_avatars(live: LiveServer) -> None:
    owner, thief = f"own-{uuid.uuid4().hex[:8]}", f"thf-{uuid.uuid4().hex[:8]}"
    live.signup(owner)
    thief_cookie = live.signup(thief)
    theirs = made(live.app, owner, 1)
    mine = made(live.app, thief, 1)
    app = live.app
    with live.client(cookies={COOKIE: thief_cookie}) as c:
        r = c.get("/avatars/download.zip", params={"ids": f"{mine[0]},{theirs[0]}"})
        assert r.status_code == 404 and b"PNG" not in r.content
    thief_id = app.accounts.by_name(thief).id
    with pytest.raises(NotFound):
        app.bulk.delete(thief_id, [mine[0], theirs[0]])
    assert app.gallery.get(thief_id, mine[0])  # nothing deleted: one id was not theirs
    owner_id = app.accounts.by_name(owner).id
    assert app.gallery.get(owner_id, theirs[0])
    their_project = app.projects.of_user(owner_id)[0].id
    with pytest.raises(NotFound):
        app.bulk.move(thief_id, [mine[0]], their_project)
    with pytest.raises(NotFound):
        app.bulk.move(thief_id, [theirs[0]], app.projects.of_user(thief_id)[0].id)


def test_bulk_delete_keeps_the_records_and_move_changes_counts(live: LiveServer) -> None:
    name = f"blk-{uuid.uuid4().hex[:8]}"
    live.signup(name)
    app = live.app
    uid = app.accounts.by_name(name).id
    ids = made(app, name, 3)
    holiday = app.projects.create(uid, "Holiday")
    assert app.bulk.move(uid, ids[:2], holiday.id) == 2
    counts = {p.name: p.avatars for p in app.projects.of_user(uid)}
    assert counts == {"My avatars": 1, "Holiday": 2}
    assert app.bulk.delete(uid, ids) == 3
    assert app.gallery.page(uid).total == 0
    with app.db.read() as session:  # what happened stays recorded: rows kept, marked deleted
        rows = session.scalars(select(Generation).where(Generation.user_id == uid)).all()
        assert len(rows) == 3 and all(r.deleted_at is not None and r.image_path is None for r in rows)


def test_names_in_messages_are_shown_as_written_not_as_markdown(live: LiveServer) -> None:
    """Review of #23: a name like `![x](https://…)` rendered as a remote image in the message."""
    from tests.web.test_handlers import as_user

    name = f"md-{uuid.uuid4().hex[:8]}"
    live.signup(name)
    app = live.app
    me = app.accounts.by_name(name)
    (gen_id,) = made(app, name, 1)
    h = Handlers(app)
    evil = "![x](https://example.invalid/p.png)"
    msg = h.rename_avatar(str(gen_id), evil, as_user(me))
    assert "![x](" not in msg and "\\!\\[x\\]" in msg
    made_msg, _box, _shown = h.create_project(evil, as_user(me))
    assert "![x](" not in made_msg
    assert app.gallery.get(me.id, gen_id).name == evil  # kept as written
