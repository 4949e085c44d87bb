"""Arbitrary sign-up (and login) input: a clean refusal or an account, never a crash or half a row.

Through the service (any text, lone surrogates and NUL included) and through the HTTP routes with
FastAPI's TestClient (any text a form can carry): never a 500, never a traceback in the page.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from avatar_core.bootstrap import App
from avatar_core.domain.errors import AvatarError
from avatar_core.infra.models import LedgerEntry, ThrottleEvent, User
from avatar_core.services import credits
from tests.conftest import make_app
from tests.load.pgschema import pg_schemas

WELCOME = 24
serial = itertools.count()
SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text a form field can carry (no lone surrogates: they cannot be UTF-8 encoded).
form_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=300),
    st.text(alphabet="abc.-_ \x00\t\n\u0130\u212a\u00df\u0301\U0001f600", max_size=40),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["a", "é", "\x00", "\U0001f600"]), st.integers(100, 20_000)
    ),  # huge
    st.builds(lambda n: f"user{n}", st.integers(0, 10**6)),  # often valid
)
# Anything a Python caller could pass (the CLI reads stdin with surrogateescape under C locales).
any_text = st.one_of(form_text, st.text(st.characters(codec=None), max_size=40))
passwords = st.one_of(
    form_text, st.just("a-long-secret-9"), st.builds(lambda n: f"pw-{n}-Zq8!", st.integers())
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def signup_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[App]:
    """One app (per database kind) shared by every example; throttling off."""
    tmp = tmp_path_factory.mktemp(f"signup-{request.param}")
    if request.param == "sqlite":
        shutil.copy(sqlite_template, tmp / "avatar.db")
        app = make_app(tmp, f"sqlite:///{tmp / 'avatar.db'}")
        yield app
        app.close()
        return
    with pg_schemas() as make:
        from avatar_core.bootstrap import init

        app = make_app(tmp, make())
        init(app)
        yield app
        app.close()


def counts(app: App) -> tuple[int, int]:
    """(users, ledger rows)."""
    with app.db.read() as s:
        users = s.scalar(select(func.count()).select_from(User))
        rows = s.scalar(select(func.count()).select_from(LedgerEntry))
    return int(users or 0), int(rows or 0)


def assert_whole_account(app: App, username: str) -> None:
    """A created account has its welcome grant and a matching balance, nothing else."""
    with app.db.read() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        rows = s.execute(
            select(LedgerEntry.type, LedgerEntry.amount).where(LedgerEntry.user_id == user.id)
        ).all()
        assert [tuple(r) for r in rows] == [("grant", WELCOME)] and user.balance == WELCOME
        assert list(credits.check(s)) == []


valid_names = st.builds(lambda n: f"prop{n}", st.integers(0, 10**9))


@SETTINGS
@given(
    username=st.one_of(any_text, valid_names),
    password=st.one_of(any_text, passwords, st.builds("{}\ud800xyz".format, st.text(max_size=8))),
)
def test_register_never_crashes(signup_app: App, username: str, password: str) -> None:
    before = counts(signup_app)
    try:
        user = signup_app.accounts.register(username, password)
    except AvatarError as err:
        event(f"refused: {type(err).__name__}")
        assert str(err) and "Traceback" not in str(err) and len(str(err)) < 300
        assert counts(signup_app) == before, "a refused sign-up wrote something"
        return
    event("created")
    assert counts(signup_app) == (before[0] + 1, before[1] + 1)
    assert_whole_account(signup_app, user.username)


@pytest.fixture(scope="module")
def http(signup_app: App) -> Iterator[TestClient]:
    """The real web app over the shared App, without the hourly sign-up limits."""
    from avatar_core.services.throttle import Throttle
    from avatar_core.web.server import create_web_app

    signup_app.accounts.throttle = Throttle(
        signup_app.db, signup_per_hour=10**9, signup_global_per_hour=10**9
    )
    with TestClient(create_web_app(signup_app), follow_redirects=False) as client:
        yield client


def assert_clean_page(status: int, body: str) -> None:
    """No server error, no traceback, no exception name in what the browser gets."""
    assert status != 500 and status < 500, body[-2000:]
    for leak in ("Traceback", "Internal Server Error", "sqlalchemy", "psycopg", "Exception"):
        assert leak not in body, body[-2000:]


@SETTINGS
@given(
    username=st.one_of(form_text, valid_names),
    password=passwords,
    same=st.sampled_from([True, True, True, False]),
    confirm=form_text,
)
def test_signup_route_never_500s(
    signup_app: App, http: TestClient, username: str, password: str, same: bool, confirm: str
) -> None:
    http.cookies.clear()
    before = counts(signup_app)
    r = http.post(
        "/signup", data={"username": username, "password": password, "confirm": password if same else confirm}
    )
    assert_clean_page(r.status_code, r.text)
    if r.status_code == 303:
        event("created")
        assert r.headers["location"] == "/" and "avatar_session" in r.cookies
        name = username.strip().lower()
        assert counts(signup_app) == (before[0] + 1, before[1] + 1)
        assert_whole_account(signup_app, name)
    else:
        event(f"refused {r.status_code}")
        assert r.status_code == 400 and 'role="alert"' in r.text
        assert counts(signup_app) == before


KNOWN, KNOWN_PASSWORD = "known-user", "a-long-secret-9"


@SETTINGS
@given(
    username=st.one_of(form_text, st.sampled_from([KNOWN, " Known-User ", "KNOWN-USER\x00"])),
    password=st.one_of(passwords, st.sampled_from([KNOWN_PASSWORD, KNOWN_PASSWORD + "\x00"])),
)
def test_login_route_never_500s(signup_app: App, http: TestClient, username: str, password: str) -> None:
    try:
        signup_app.accounts.by_name(KNOWN)
    except AvatarError:
        signup_app.accounts.register(KNOWN, KNOWN_PASSWORD)
    with signup_app.db.transaction() as session:  # no throttling here: tests/security has it
        session.execute(delete(ThrottleEvent))
    http.cookies.clear()
    before = counts(signup_app)
    r = http.post("/login", data={"username": username, "password": password})
    assert_clean_page(r.status_code, r.text)
    if username.strip().lower() == KNOWN and password == KNOWN_PASSWORD:
        event("logged in")
        assert r.status_code == 303 and "avatar_session" in r.cookies
    else:
        event("refused")
        assert r.status_code == 400 and "Wrong username or password" in r.text
    assert counts(signup_app) == before
