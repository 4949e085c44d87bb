"""Arbitrary generate input: completed, or a clean AvatarError with nothing charged (hypothesis).

Through the service (any prompt/seed/size/model/preset, lone surrogates and NUL included) and
through the web handler behind `/generate` (the seed arrives as any float: NaN and infinities too).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from avatar_core.bootstrap import App, init
from avatar_core.domain.errors import AvatarError
from avatar_core.domain.presets_data import PRESETS
from avatar_core.infra.models import Generation, LedgerEntry
from avatar_core.services import credits
from avatar_core.services.auth import UserInfo
from avatar_core.services.generation import GenerationRequest
from avatar_core.web.handlers import Handlers
from tests.conftest import make_app
from tests.load.pgschema import pg_schemas

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MODEL_KEYS = [
    "avatar-creator:flux-dev-base",
    "avatar-creator:flux-dev-realism",
    "avatar-creator:flux-dev-hd-realism",
    "avatar-creator:flux-schnell-fast",
]
PRESET_NAMES = [p.key for p in PRESETS[:3]] + [p.name for p in PRESETS[:2]]
GENERIC = "Something went wrong on our side"

words = st.sampled_from(
    [
        "a",
        "woman",
        "man",
        "with",
        "red",
        "hair",
        "glasses",
        "office",
        "beard",
        "hijab",
        "portrait",
        "smiling",
        "gym",
        "blue",
        "eyes",
        "studio",
    ]
)
good_prompts = st.lists(words, min_size=1, max_size=12).map(" ".join)
form_prompts = st.one_of(
    st.text(max_size=80),
    st.lists(words, max_size=12).map(" ".join),
    st.builds(lambda w, n: " ".join([w] * n), words, st.integers(150, 400)),  # around the limit
    st.builds(
        lambda c, n: c * n, st.sampled_from(["x", " ", "\x00", "é", "\U0001f600", "\n"]), st.integers(1, 3000)
    ),
    st.text(alphabet="\x00\x01\x1b\x7f\u200b\u202e\ufeff ab", max_size=30),  # controls, bidi
)
any_prompts = st.one_of(form_prompts, st.text(st.characters(codec=None), max_size=30))
bad_names = st.one_of(
    st.text(max_size=24),
    st.text(alphabet="\x00%'\";-_ab", max_size=12),
    st.builds("x".__mul__, st.integers(100, 5000)),
    st.just("avatar-creator:flux-dev-base\x00"),
)
names = st.one_of(st.none(), st.just(""), st.sampled_from(PRESET_NAMES), bad_names)
models = st.one_of(st.none(), st.sampled_from(MODEL_KEYS), bad_names)

# Half the examples are well-formed requests (they must complete or be refused for money/tier),
# half are wild (every field may be hostile).
good_service = st.fixed_dictionaries(
    {
        "prompt": good_prompts,
        "preset": st.none() | st.sampled_from(PRESET_NAMES),
        "model": st.none() | st.sampled_from(MODEL_KEYS),
        "seed": st.none() | st.integers(0, 2**31 - 1),
        "size": st.none() | st.sampled_from([256, 512, 768, 1024, 2048]),
    }
)
wild_service = st.fixed_dictionaries(
    {
        "prompt": any_prompts,
        "preset": names,
        "model": models,
        "seed": st.none() | st.integers(-(2**63), 2**63),
        "size": st.one_of(st.none(), st.sampled_from([255, 2049]), st.integers(-(10**6), 10**6)),
    }
)
good_form = st.fixed_dictionaries(
    {
        "prompt": good_prompts,
        "preset": st.none() | st.sampled_from(PRESET_NAMES),
        "model": st.sampled_from(["auto", *MODEL_KEYS]),
        "seed": st.sampled_from([-1.0, None]) | st.integers(0, 2**31 - 1).map(float),
    }
)
wild_form = st.fixed_dictionaries(
    {
        "prompt": form_prompts,
        "preset": names,
        "model": models | st.sampled_from(["auto", ""]),
        "seed": st.one_of(st.none(), st.floats(), st.integers(-(2**70), 2**70)),
    }
)


@dataclass
class Rig:
    """An app with three users: rich free, poor free (5 credits), rich pro."""

    app: App
    users: dict[str, UserInfo]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def rig(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Rig]:
    """One app (offline engine) per database kind, shared by every example."""
    tmp = tmp_path_factory.mktemp(f"generate-{request.param}")
    with pg_schemas() if request.param == "postgresql" else _nothing() as make:
        if make is None:
            shutil.copy(sqlite_template, tmp / "avatar.db")
            app = make_app(tmp, f"sqlite:///{tmp / 'avatar.db'}")
        else:
            app = make_app(tmp, make())
            init(app)
        users = {}
        for name, tier, top_up in (
            ("rich", "free", 500_000),
            ("poor", "free", None),
            ("pro", "pro", 500_000),
        ):
            uid = app.accounts.register(name + "-user", "a-long-secret-9").id
            with app.db.transaction() as s:
                if top_up:
                    credits.grant(s, uid, top_up, key="top-up", reason="property tests")
                else:
                    credits.adjust(s, uid, -19, actor_id=uid, reason="leave 5", key="poor")
            app.accounts.set_tier(name + "-user", tier)
            users[name] = app.accounts.get(uid)
        yield Rig(app, users)
        app.close()


class _nothing:  # noqa: N801 - a null context manager yielding None
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def money(app: App, user_id: int) -> tuple[int, int, int]:
    """(balance, ledger rows, generations) of one user."""
    with app.db.read() as s:
        rows = s.scalar(select(func.count()).where(LedgerEntry.user_id == user_id))
        gens = s.scalar(select(func.count()).where(Generation.user_id == user_id))
        return credits.balance(s, user_id), int(rows or 0), int(gens or 0)


def assert_settled_once(app: App, user_id: int, gen_id: int, charged: int) -> None:
    """One reserve and one capture for the generation, the difference being the charge."""
    with app.db.read() as s:
        rows = s.execute(
            select(LedgerEntry.type, LedgerEntry.amount).where(
                LedgerEntry.generation_id == gen_id, LedgerEntry.user_id == user_id
            )
        ).all()
        assert sorted(t for t, _ in rows) == ["capture", "reserve"]
        assert -sum(a for _, a in rows) == charged
        assert list(credits.check(s)) == []


@SETTINGS
@example(
    who="rich",
    req={"prompt": "a\x00b", "preset": "\x00", "model": None, "seed": None, "size": None},
    realism=False,
    hd=False,
    fast=False,
)
@example(
    who="pro",
    req={"prompt": "\ud800 red hair", "preset": None, "model": None, "seed": 2**31 - 1, "size": 2048},
    realism=True,
    hd=True,
    fast=False,
)
@given(
    who=st.sampled_from(["rich", "poor", "pro"]),
    req=st.one_of(good_service, wild_service),
    realism=st.booleans(),
    hd=st.booleans(),
    fast=st.booleans(),
)
def test_service_generate_completes_or_refuses_cleanly(
    rig: Rig, who: str, req: dict[str, Any], realism: bool, hd: bool, fast: bool
) -> None:
    app, user = rig.app, rig.users[who]
    before = money(app, user.id)
    request = GenerationRequest(**req, prefer_realism=realism, prefer_hd=hd, fast=fast)
    try:
        result = app.generations.generate(user, request)
    except AvatarError as err:
        event(f"refused: {type(err).__name__}")
        assert str(err) and len(str(err)) < 400
        assert money(app, user.id) == before, "a refused request changed the ledger"
        return
    event(f"result: {result.status}")
    assert result.status == "completed"  # the offline engine does not fail
    balance, rows, gens = money(app, user.id)
    assert (balance, rows, gens) == (before[0] - result.credits_charged, before[1] + 2, before[2] + 1)
    assert result.balance == balance
    assert_settled_once(app, user.id, result.generation_id, result.credits_charged)


class NoProgress(gr.Progress):
    """Stands in for gr.Progress outside a Gradio event: every update is dropped."""

    def __call__(self, *_args: Any, **_kwargs: Any) -> None:
        """Drop the update."""


no_progress = NoProgress()


def form(seed: float) -> dict[str, Any]:
    """A valid form with one odd seed."""
    return {"prompt": "a portrait", "preset": None, "model": "auto", "seed": seed}


@SETTINGS
@example(who="rich", req=form(float("nan")), realism=False, hd=False, fast=False)
@example(who="rich", req=form(float("inf")), realism=False, hd=False, fast=False)
@example(who="rich", req=form(1e300), realism=False, hd=False, fast=False)
@given(
    who=st.sampled_from(["rich", "poor", "pro"]),
    req=st.one_of(good_form, wild_form),
    realism=st.booleans(),
    hd=st.booleans(),
    fast=st.booleans(),
)
def test_generate_handler_never_fails_unexpectedly(
    rig: Rig, who: str, req: dict[str, Any], realism: bool, hd: bool, fast: bool
) -> None:
    app, user = rig.app, rig.users[who]
    handlers = Handlers(app)
    before = money(app, user.id)
    try:
        _image, details, _quote, data = handlers.generate(
            **req,
            prefer_realism=realism,
            prefer_hd=hd,
            fast=fast,
            request=gr.Request(username=str(user.id)),
            progress=no_progress,
        )
    except gr.Error as err:
        event("refused")
        assert GENERIC not in str(err.message), f"bad input was treated as a server bug: {err}"
        assert money(app, user.id) == before, "a refused request changed the ledger"
        return
    event(f"result: {data['status']}")
    assert data["status"] == "completed" and data["image_url"]
    balance = money(app, user.id)[0]
    assert data["balance"] == balance == before[0] - data["credits_charged"]
    assert "Traceback" not in details and f"**{data['credits_charged']}** credits" in details
