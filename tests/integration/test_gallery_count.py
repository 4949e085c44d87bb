"""The gallery's cached count and two-ended paging, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from sqlalchemy import column, func, insert, select, table, text

from avatar_core.bootstrap import App
from avatar_core.engines.base import Engine, EngineError, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.infra.db import Database, upgrade
from avatar_core.infra.models import Generation, User
from avatar_core.services import credits
from avatar_core.services.generation import GenerationRequest
from tests.conftest import make_app


class TinyEngine(Engine):
    """Implements `Engine`: a 64 px image at once; prompts containing "fail" fail."""

    name = "tiny"
    offline = False

    def plan(self, target: RouteTarget) -> Plan:
        return Plan("tiny", "tiny", target.width, target.height)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        if "fail" in request.prompt:
            raise EngineError("The tiny engine failed.", kind="failed")
        return RenderResult(
            Image.new("RGB", (64, 64), (request.seed % 256, 90, 160)), "tiny", request.model_id
        )


def completed_ids(app: App, user_id: int) -> list[int]:
    """The user's completed generation ids, newest first, straight from the table."""
    with app.db.read() as session:
        return list(
            session.scalars(
                select(Generation.id)
                .where(Generation.user_id == user_id, Generation.status == "completed")
                .where(Generation.deleted_at.is_(None))  # the gallery's own rows
                .order_by(Generation.created_at.desc(), Generation.id.desc())
            )
        )


def cached_count(app: App, user_id: int) -> int:
    """users.gallery_count."""
    with app.db.read() as session:
        return int(session.scalar(select(User.gallery_count).where(User.id == user_id)) or 0)


def test_count_follows_completions_and_deletions_and_pages_cover_everything(
    tmp_path: Path, database_url: str
) -> None:
    app = make_app(tmp_path, database_url, engine_impl=TinyEngine())
    user = app.accounts.register(f"g{uuid.uuid4().hex[:8]}", "a-long-secret-9")
    with app.db.transaction() as session:
        credits.grant(session, user.id, 1000, key="more", reason="test")
    other = app.accounts.register(f"o{uuid.uuid4().hex[:8]}", "a-long-secret-9")
    for i in range(13):
        prompt = "please fail" if i in (4, 9) else f"portrait {i}"
        app.generations.generate(user, GenerationRequest(prompt=prompt, seed=i))
    app.generations.generate(other, GenerationRequest(prompt="someone else", seed=1))
    app.gallery.delete(user.id, completed_ids(app, user.id)[3])

    expected = completed_ids(app, user.id)
    assert len(expected) == 10 and cached_count(app, user.id) == 10
    assert cached_count(app, other.id) == 1
    for size in (1, 3, 4, 10, 24):
        pages = [app.gallery.page(user.id, n, page_size=size) for n in range(1, 12)]
        assert all(p.total == 10 and p.pages == -(-10 // size) for p in pages)
        assert [a.id for p in pages for a in p.items] == expected, size
    favourite = expected[7]
    app.gallery.set_favourite(user.id, favourite, True)
    favs = app.gallery.page(user.id, 1, favourites_only=True)
    assert (favs.total, [a.id for a in favs.items]) == (1, [favourite])
    app.close()


def test_migration_counts_existing_avatars(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db, "0002")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, username, tier, is_admin, balance, created_at) "
                "VALUES (1, 'old', 'free', 0, 0, '2025-01-01 00:00:00')"
            )
        )
        row = dict(
            user_id=1,
            model_key="k",
            model_id="m",
            lora_applied=False,
            user_prompt="",
            prompt="",
            negative_prompt="",
            seed=1,
            width=512,
            height=512,
            steps=1,
            guidance_scale=0.0,
            price=1,
            credits_charged=1,
            reason="",
            engine="local",
            notes="",
            favourite=False,
        )
        statuses = ["completed"] * 3 + ["failed", "running"]
        at_0002 = table("generations", *(column(k) for k in (*row, "status", "created_at")))
        conn.execute(
            insert(at_0002),
            [
                {**row, "status": s, "created_at": datetime(2025, 1, i + 1, tzinfo=UTC)}
                for i, s in enumerate(statuses)
            ],
        )
    upgrade(db)
    with db.engine.connect() as conn:
        assert conn.execute(select(User.gallery_count)).scalar() == 3
        assert conn.execute(select(func.count()).select_from(Generation)).scalar() == 5
    db.dispose()
