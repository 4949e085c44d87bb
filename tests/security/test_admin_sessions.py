"""Finding 2: `init` never hands an attacker's account the admin role; role and password changes
end sessions; the CLI's new user commands; the example password is refused in production."""

from __future__ import annotations

import io
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from avatar_core.bootstrap import init
from avatar_core.cli.main import main
from avatar_core.config import load_settings
from avatar_core.domain.errors import ConfigError
from avatar_core.infra.models import User
from avatar_core.services.auth import EPOCH_TTL
from tests.web.server import ADMIN_PASSWORD, ADMIN_USERNAME, PASSWORD, LiveServer

COOKIE = "avatar_session"
PLACEHOLDER_ADMIN_PASSWORD = "change-me-to-something-long"  # the example value in .env.example


def logged_in(live: LiveServer, cookie: str) -> bool:
    with live.client(cookies={COOKIE: cookie}) as c:
        return c.get("/").status_code == 200


def test_init_does_not_promote_a_squatted_admin_name(live: LiveServer) -> None:
    squatter = live.signup("opsadmin")
    # the same services, started later with other admin settings
    app = replace(
        live.app,
        settings=live.app.settings.with_overrides(
            admin_username="opsadmin", admin_password="Op3rator-pass-77"
        ),
    )
    with pytest.raises(ConfigError, match="AVATAR_ADMIN_USERNAME: an ordinary account"):
        init(app)
    assert not app.accounts.by_name("opsadmin").is_admin
    assert logged_in(live, squatter)
    init(app, promote_existing=True)  # the operator says it is theirs: promoted, sessions end
    assert app.accounts.by_name("opsadmin").is_admin
    assert not logged_in(live, squatter)


def test_rotating_the_admin_password_with_init_ends_old_sessions(live: LiveServer) -> None:
    old = live.login(ADMIN_USERNAME, ADMIN_PASSWORD)
    rotated = replace(live.app, settings=live.app.settings.with_overrides(admin_password="Rotated-Pass-9137"))
    try:
        init(rotated)
        assert not logged_in(live, old)
        assert logged_in(live, live.login(ADMIN_USERNAME, "Rotated-Pass-9137"))
    finally:
        init(live.app)


def run_cli(live: LiveServer, monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setenv("DATABASE_URL", live.app.settings.database_url)
    monkeypatch.setenv("AVATAR_DATA_DIR", str(live.app.settings.data_dir))
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(list(argv))


def epoch(live: LiveServer, username: str) -> int:
    with live.app.db.read() as session:
        return session.scalars(select(User.session_epoch).where(User.username == username)).one()


def test_cli_password_role_and_revoke_end_sessions(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    live.signup("carol-cli")
    monkeypatch.chdir(live.app.settings.data_dir)  # no .env here
    cookie = live.login("carol-cli", PASSWORD)
    start = epoch(live, "carol-cli")
    assert run_cli(live, monkeypatch, "users", "set-admin", "carol-cli", "on") == 0
    assert live.app.accounts.by_name("carol-cli").is_admin and epoch(live, "carol-cli") == start + 1
    assert run_cli(live, monkeypatch, "users", "set-admin", "carol-cli", "off") == 0
    assert not live.app.accounts.by_name("carol-cli").is_admin
    assert run_cli(live, monkeypatch, "users", "revoke", "carol-cli") == 0
    assert (
        run_cli(
            live,
            monkeypatch,
            "users",
            "set-password",
            "carol-cli",
            "--password-stdin",
            stdin="Brand-new-pass-5\n",
        )
        == 0
    )
    assert epoch(live, "carol-cli") == start + 4  # every command ended the sessions
    assert (
        run_cli(live, monkeypatch, "users", "set-password", "carol-cli", "--password-stdin", stdin="short\n")
        == 1
    )
    assert epoch(live, "carol-cli") == start + 4  # bad input changes nothing
    time.sleep(EPOCH_TTL + 0.1)  # the server is another process's view: it rereads the epoch
    assert not logged_in(live, cookie)
    assert logged_in(live, live.login("carol-cli", "Brand-new-pass-5"))


def test_placeholder_admin_password_refused_in_production() -> None:
    env = {
        "AVATAR_ENV": "production",
        "AVATAR_SECRET_KEY": "k" * 40,
        "AVATAR_ADMIN_USERNAME": "admin",
        "AVATAR_ADMIN_PASSWORD": PLACEHOLDER_ADMIN_PASSWORD,
    }
    with pytest.raises(ConfigError, match="AVATAR_ADMIN_PASSWORD is the example value"):
        load_settings(env, dotenv_path=None)
    example = Path(__file__).resolve().parents[2] / ".env.example"
    assert f"AVATAR_ADMIN_PASSWORD={PLACEHOLDER_ADMIN_PASSWORD}" in example.read_text()


def test_admin_password_errors_name_the_setting(live: LiveServer) -> None:
    app = replace(live.app, settings=live.app.settings.with_overrides(admin_password="short"))
    with pytest.raises(ConfigError, match="^AVATAR_ADMIN_PASSWORD: A password has at least"):
        init(app)
