"""Aspect ratios on the real routes, several images per click, and variations: charged one by one.

The sizes are asserted on the fake provider's EFFECTIVE run (what it says it produced), through
the real huggingface_hub InferenceClient inside HFEngine and the whole generation service.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from avatar_core.domain.aspects import ASPECTS, Aspect
from avatar_core.domain.errors import InsufficientCredits, NotFound, ValidationError
from avatar_core.engines.base import Engine, EngineError, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.engines.hf import HFEngine
from avatar_core.engines.offline.engine import LocalEngine
from avatar_core.infra.models import Generation
from avatar_core.services.generation import GenerationRequest
from tests.conftest import make_app
from tests.fakes.fake_hf import FakeHF
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub
from tests.integration.test_generation import assert_ledger_ok, ledger_types, new_user

# (route, aspect) -> the size the provider makes for the basic tier's row (768², Realism LoRA)
MADE = {
    ("replicate", "1:1"): (1024, 1024),
    ("replicate", "3:4"): (896, 1152),
    ("replicate", "4:5"): (896, 1088),
    ("replicate", "4:3"): (1152, 896),
    ("fal-ai", "1:1"): (768, 768),
    ("fal-ai", "3:4"): (672, 880),
    ("fal-ai", "4:5"): (688, 864),
    ("fal-ai", "4:3"): (880, 672),
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHF]:
    """A fake Hugging Face server on 127.0.0.1."""
    with fake_hub(monkeypatch) as server:
        yield server


def provider_engine(provider: str) -> HFEngine:
    """The real InferenceClient on a provider route (the router points at the fake)."""
    return HFEngine(
        token=FAKE_TOKEN, provider=provider, timeout=5.0, sleep=lambda _s: None, poll_interval=0.01
    )


@pytest.mark.parametrize(("route", "aspect"), list(MADE))
def test_the_quoted_size_is_what_the_provider_made(
    tmp_path: Path, sqlite_url: str, fake: FakeHF, route: str, aspect: Aspect
) -> None:
    app = make_app(tmp_path, sqlite_url, engine_impl=provider_engine(route))
    user = new_user(app, "basic", 100)
    request = GenerationRequest(prompt="a chef", aspect=aspect)
    quoted = app.generations.plan(app.generations.quote(user, request).model)
    result = app.generations.generate(user, request)
    run = fake.last_run()
    assert result.ok and (run.width, run.height) == MADE[(route, aspect)]
    assert (quoted.width, quoted.height) == (result.width, result.height) == (run.width, run.height)
    with app.db.read() as session:
        gen = session.get(Generation, result.generation_id)
        assert gen is not None and (gen.width, gen.height) == (run.width, run.height)
    app.close()


def test_an_endpoint_on_the_default_handler_refuses_other_shapes_before_any_charge(
    tmp_path: Path, sqlite_url: str, fake: FakeHF
) -> None:
    url = fake.add_endpoint("plain")
    app = make_app(tmp_path, sqlite_url, engine_impl=HFEngine(token=FAKE_TOKEN, timeout=5.0))
    for key in [m.model_key for m in app.catalog.models() if not m.likeness]:
        app.catalog.set_endpoint(key, url)
    user = new_user(app, "free", 50)
    assert app.generations.aspects() == ["1:1"]
    with pytest.raises(ValidationError, match="Portrait 4:5 is not available on this server"):
        app.generations.generate(user, GenerationRequest(prompt="a chef", aspect="4:5"))
    assert fake.inference_calls() == [] and app.accounts.get(user.id).balance == 50
    square = app.generations.generate(user, GenerationRequest(prompt="a chef"))
    assert square.ok and (square.width, square.height) == (512, 512)
    app.close()


class SecondFails(Engine):
    """Implements `Engine` as the offline painter that refuses the batch's 2nd image (seed 8; the
    images render at once, so "the 2nd call" would be any of them)."""

    name = "second-fails"
    offline = True

    def __init__(self) -> None:
        self.inner = LocalEngine()

    def plan(self, target: RouteTarget) -> Plan:
        return self.inner.plan(target)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        if request.seed == 8:
            raise EngineError("The image service refused this request.", status=400, kind="refused")
        return self.inner.render(request, deadline=deadline)


def test_three_images_two_charged_one_refunded(tmp_path: Path, database_url: str) -> None:
    app = make_app(tmp_path, database_url, engine_impl=SecondFails())
    user = new_user(app, "free", 30)
    results = app.generations.batches.generate_many(user, GenerationRequest(prompt="a chef", seed=7), 3)
    assert [r.ok for r in results] == [True, False, True]
    assert [r.seed for r in results] == [7, 8, 9]  # a fixed seed: the next ones, reproducible
    assert [r.credits_charged for r in results] == [8, 0, 8]
    assert app.accounts.get(user.id).balance == 30 - 16 == results[-1].balance
    types = ledger_types(app, user.id)
    assert types.count("reserve") == 3 and types.count("capture") == 2 and types.count("release") == 1
    assert_ledger_ok(app)
    app.close()


class AllAtOnce(Engine):
    """Implements `Engine` as the offline painter whose renders wait until `n` are in flight (a
    provider answering everyone after the same time); a batch rendered one by one never gets there."""

    name = "all-at-once"
    offline = True

    def __init__(self, n: int) -> None:
        self.inner, self.barrier = LocalEngine(), threading.Barrier(n, timeout=10)

    def plan(self, target: RouteTarget) -> Plan:
        return self.inner.plan(target)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            raise EngineError("The image service is not available right now.", kind="unavailable") from None
        return self.inner.render(request, deadline=deadline)


def test_the_images_of_a_batch_render_at_the_same_time(tmp_path: Path, database_url: str) -> None:
    app = make_app(tmp_path, database_url, engine_impl=AllAtOnce(4))
    user = new_user(app, "free", 40)
    seen: list[tuple[str, float]] = []
    results = app.generations.batches.generate_many(
        user,
        GenerationRequest(prompt="a chef", seed=3),
        4,
        lambda text, fraction: seen.append((text, fraction)),
    )
    assert [r.ok for r in results] == [True] * 4  # before: the first render waited for 3 that never came
    assert [r.seed for r in results] == [3, 4, 5, 6]  # in order, whatever order they finished in
    assert app.accounts.get(user.id).balance == 40 - 32
    assert {t.split(":")[0] for t, _ in seen} == {f"Image {i} of 4" for i in range(1, 5)}
    assert max(f for _, f in seen) <= 1.0 and seen[-1][1] >= 0.9 * 0.25  # one overall fraction
    assert_ledger_ok(app)
    app.close()


def test_a_batch_the_balance_cannot_cover_starts_nothing(tmp_path: Path, database_url: str) -> None:
    app = make_app(tmp_path, database_url)
    user = new_user(app, "free", 20)
    with pytest.raises(
        InsufficientCredits, match="Not enough credits for 3 images: they cost 24 \\(8 each\\)"
    ):
        app.generations.batches.generate_many(user, GenerationRequest(prompt="a chef"), 3)
    with pytest.raises(ValidationError, match="1 to 4 images"):
        app.generations.batches.generate_many(user, GenerationRequest(prompt="a chef"), 5)
    assert app.accounts.get(user.id).balance == 20 and "reserve" not in ledger_types(app, user.id)
    two = app.generations.batches.generate_many(user, GenerationRequest(prompt="a chef"), 2)
    assert [r.ok for r in two] == [True, True] and two[0].seed != two[1].seed
    assert app.accounts.get(user.id).balance == 4
    assert_ledger_ok(app)
    app.close()


def test_variations_keep_the_recipe_with_new_seeds_owner_checked(tmp_path: Path, database_url: str) -> None:
    app = make_app(tmp_path, database_url)
    alice, bob = new_user(app, "basic", 100), new_user(app, "basic", 100)
    first = app.generations.generate(alice, GenerationRequest(prompt="a chef", aspect="4:5"))
    assert first.ok and (first.width, first.height) == (688, 864)
    with pytest.raises(NotFound):
        app.generations.batches.variations(bob, first.generation_id, 2)
    assert app.accounts.get(bob.id).balance == 100 and ledger_types(app, bob.id).count("reserve") == 0
    made = app.generations.batches.variations(alice, first.generation_id, 2)
    assert [r.ok for r in made] == [True, True] and len({first.seed, *(r.seed for r in made)}) == 3
    with app.db.read() as session:
        rows = [session.get(Generation, r.generation_id) for r in made]
        source = session.get(Generation, first.generation_id)
    assert source is not None
    for row in rows:
        assert row is not None
        assert (row.user_prompt, row.model_key, row.width, row.height, row.preset_key) == (
            source.user_prompt,
            source.model_key,
            688,
            864,
            source.preset_key,
        )
    assert app.accounts.get(alice.id).balance == 100 - 3 * first.credits_charged
    assert_ledger_ok(app)
    app.close()


def test_every_offered_aspect_runs_offline(tmp_path: Path, sqlite_url: str) -> None:
    app = make_app(tmp_path, sqlite_url)
    user = new_user(app, "free", 100)
    assert app.generations.aspects() == list(ASPECTS)
    sizes = [app.generations.generate(user, GenerationRequest(prompt="x", aspect=a)) for a in ASPECTS]
    assert [(r.width, r.height) for r in sizes] == [(512, 512), (448, 592), (464, 576), (592, 448)]
    with pytest.raises(ValidationError, match="keeps your photo"):
        app.generations.generate(user, GenerationRequest(from_photo=True, prompt="x", aspect="3:4"))
    app.close()
