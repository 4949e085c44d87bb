"""Operations: provider cost, usage per day and model, ratings, A/B tests, Prometheus metrics."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from avatar_core.bootstrap import App
from avatar_core.infra.models import Generation, utcnow
from avatar_core.services import credits
from avatar_core.services.auth import UserInfo
from avatar_core.services.experiments import ExperimentView, arm_for
from avatar_core.services.generation import GenerationRequest
from avatar_core.services.usage import as_csv, usage
from tests.conftest import make_app
from tests.web.server import serve

BASE, REALISM = "avatar-creator:flux-dev-base", "avatar-creator:flux-dev-realism"
SCHNELL = "avatar-creator:flux-schnell-fast"


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[App]:
    instance = make_app(tmp_path, database_url)
    yield instance
    instance.close()


def new_user(app: App, tier: str = "basic", total: int = 200) -> UserInfo:
    user = app.accounts.register(f"o{uuid.uuid4().hex[:8]}", "a-long-secret-9", tier=tier)
    with app.db.transaction() as session:
        credits.adjust(session, user.id, total - user.balance, actor_id=user.id, key="t", reason="t")
    return app.accounts.get(user.id)


def test_usage_per_day_and_model_with_cost_and_ratings(app: App) -> None:
    user = new_user(app)
    app.catalog.set_usd_cost(BASE, 0.025)  # admin-editable
    done = [
        app.generations.generate(user, GenerationRequest(prompt="x", model=m)) for m in (BASE, BASE, SCHNELL)
    ]
    app.gallery.rate(user.id, done[0].generation_id, 1, "great")
    app.gallery.rate(user.id, done[1].generation_id, -1, "eyes")
    rows = {r.model_key: r for r in usage(app.db)}
    base = rows[BASE]
    assert (base.generations, base.completed, base.success_rate, base.credits_charged) == (2, 2, 1.0, 16)
    assert (base.thumbs_up, base.thumbs_down) == (1, 1) and base.p50_seconds is not None
    assert base.cost_usd == 0.0  # offline previews cost no provider money
    assert rows[SCHNELL].credits_charged == 6
    assert usage(app.db, since=(utcnow() + timedelta(days=1)).date()) == []
    assert as_csv(list(rows.values())).splitlines()[0].startswith("day,model_key,generations")
    with pytest.raises(Exception, match="between 0 and 100"):
        app.catalog.set_usd_cost(BASE, -1)


def test_ab_assignment_is_stable_and_split_as_configured() -> None:
    exp = ExperimentView(7, "basic", BASE, REALISM, 30, utcnow(), None)
    arms = [arm_for(uid, exp) for uid in range(1, 1001)]
    assert arms == [arm_for(uid, exp) for uid in range(1, 1001)]  # stable
    share_b = arms.count("B") / len(arms)
    assert 0.25 <= share_b <= 0.35  # 30 % within tolerance over 1,000 users
    other = ExperimentView(8, "basic", BASE, REALISM, 30, utcnow(), None)
    assert arms != [arm_for(uid, other) for uid in range(1, 1001)]  # independent per experiment


def test_an_experiment_serves_auto_requests_and_reports_per_arm(app: App) -> None:
    exp = app.experiments.create("basic", REALISM, BASE, 50)
    users = [new_user(app) for _ in range(12)]
    for user in users:
        result = app.generations.generate(user, GenerationRequest(prompt="x"))
        expected = BASE if arm_for(user.id, exp) == "B" else REALISM
        assert result.model_key == expected
        assert "A/B" not in result.reason and "arm" not in result.reason  # arms stay out of user text
        with app.db.read() as session:  # recorded, for the report
            row = session.get(Generation, result.generation_id)
            assert row is not None and row.arm == f"exp{exp.id}:{arm_for(user.id, exp)}"
    explicit = app.generations.generate(users[0], GenerationRequest(prompt="x", model=SCHNELL))
    assert explicit.model_key == SCHNELL  # a chosen model is never overridden
    results = {r.arm: r for r in app.experiments.results(exp.id)}
    assert sum(r.generations for r in results.values()) == 12
    assert {r.model_key for r in results.values()} <= {BASE, REALISM}
    app.experiments.stop(exp.id)
    after = app.generations.generate(users[0], GenerationRequest(prompt="x"))
    assert after.model_key == REALISM and "A/B" not in after.reason


def test_metrics_count_outcomes_and_are_not_public(tmp_path: Path, sqlite_url: str) -> None:
    app = make_app(tmp_path, sqlite_url, metrics_token="s3cret-metrics")
    user = new_user(app)
    app.generations.generate(user, GenerationRequest(prompt="x", model=BASE))
    with serve(app) as live:
        direct = httpx.get(live.url + "/metrics")
        relayed = httpx.get(live.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        both = {"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer s3cret-metrics"}
        bearer = httpx.get(live.url + "/metrics", headers=both)
    app.close()
    assert direct.status_code == 200 and relayed.status_code == 404 and bearer.status_code == 200
    text = direct.text
    assert f'avatar_generations_total{{model="{BASE}",status="completed"}} 1.0' in text
    assert "avatar_credits_charged_total 8.0" in text and "avatar_queue_depth 0.0" in text
    assert "avatar_generation_seconds_bucket" in text


def test_keyset_paging_walks_every_avatar_once_with_equal_timestamps(app: App) -> None:
    from sqlalchemy import insert

    from avatar_core.infra.models import Generation

    user = new_user(app)
    moment = utcnow().replace(microsecond=0)
    rows = [
        dict(
            user_id=user.id,
            status="completed",
            model_key="k",
            model_id="m",
            seed=i,
            width=512,
            height=512,
            steps=1,
            guidance_scale=0.0,
            price=0,
            created_at=moment - timedelta(seconds=i // 5),
        )  # five avatars share each second
        for i in range(250)
    ]
    with app.db.transaction() as session:
        session.execute(insert(Generation), rows)
    seen: list[int] = []
    cursor = None
    while True:
        items, cursor = app.gallery.after(user.id, cursor, 7)
        seen += [a.id for a in items]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 250
    with app.db.read() as session:
        stamps = dict(session.query(Generation.id, Generation.created_at).filter_by(user_id=user.id))
    keys = [(stamps[i], i) for i in seen]
    assert keys == sorted(keys, reverse=True)  # newest first, ties by id
