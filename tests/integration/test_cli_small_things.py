"""Issue #23 item 12 on the command line: times to the second, invite states, verify's notes and
the example admin password's warning (in-process, on SQLite, like tests/integration/test_cli.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from avatar_core.config import PLACEHOLDER_ADMIN_PASSWORD
from tests.conftest import make_app
from tests.integration.test_cli import PASSWORD, Cli, cli, ready

FIXTURES = (cli, ready)  # test_cli's fixtures, used here by name

SECOND = re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\b")
MICROS = re.compile(r"\d\d:\d\d:\d\d\.\d+")


def body(table: str) -> list[str]:
    """The rows of a printed table (after its header and rule)."""
    return [line for line in table.strip().splitlines()[2:] if line.strip()]


def assert_seconds(out: str, rows: int) -> None:
    """Every row shows its time to the second, in UTC, and nothing prints microseconds."""
    assert not MICROS.search(out), out
    lines = body(out)
    assert len(lines) == rows, out
    assert all(SECOND.search(line) for line in lines), out


def test_lists_print_times_to_the_second(ready: Cli) -> None:
    assert ready("tokens", "create", "alice", "--name", "ci").code == 0
    assert_seconds(ready("tokens", "list", "alice").out, 1)
    [token] = ready("tokens", "list", "alice", "--json").json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", token["created_at"]), token
    shown = ready("credits", "show", "alice").out
    assert_seconds(shown.split("\n", 1)[1], 1)  # after the "alice: 24 credits" line
    exp = ready(
        "experiments",
        "create",
        "--tier",
        "basic",
        "--a",
        "avatar-creator:flux-dev-realism",
        "--b",
        "avatar-creator:flux-dev-base",
    )
    assert exp.code == 0, exp.err
    assert_seconds(ready("experiments", "list").out, 1)
    stopped = ready("experiments", "stop", "1")
    assert SECOND.search(stopped.out) and not MICROS.search(stopped.out), stopped.out
    assert ready("invites", "create").code == 0
    assert_seconds(ready("invites", "list").out, 1)


def _signup(ready: Cli, tmp_path: Path, name: str, code: str) -> None:
    app = make_app(tmp_path / name, f"sqlite:///{ready.db_path}")
    try:
        app.signups.register(name, PASSWORD, "192.0.2.7", code)
    finally:
        app.close()


def test_invites_list_shows_each_invites_state(ready: Cli, tmp_path: Path) -> None:
    unused = ready("invites", "create", "--uses", "2").out.strip()
    partly = ready("invites", "create", "--uses", "3", "--credits", "5").out.strip()
    used_up = ready("invites", "create", "--uses", "1", "--credits", "2").out.strip()
    revoked = ready("invites", "create").out.strip()
    _signup(ready, tmp_path, "bobby", partly)
    _signup(ready, tmp_path, "carol", used_up)
    assert ready("invites", "revoke", "4").code == 0
    listing = ready("invites", "list")
    assert listing.code == 0, listing.err
    header = listing.out.splitlines()[0].split()
    assert {"state", "used", "by"} <= set(header), header
    rows = {line.split()[1]: line for line in body(listing.out)}  # by code hint
    assert set(rows) == {f"{c[:4]}…" for c in (unused, partly, used_up, revoked)}
    assert " unused " in rows[f"{unused[:4]}…"]
    assert " 1/3 " in rows[f"{partly[:4]}…"] and " partly used " in rows[f"{partly[:4]}…"]
    assert "bobby " in rows[f"{partly[:4]}…"] and SECOND.search(rows[f"{partly[:4]}…"])
    assert " used up " in rows[f"{used_up[:4]}…"] and "carol " in rows[f"{used_up[:4]}…"]
    assert " revoked " in rows[f"{revoked[:4]}…"]
    for code in (unused, partly, used_up, revoked):
        assert code not in listing.out  # only the hint is kept


def test_verify_without_a_token_is_a_note_not_an_ok(cli: Cli) -> None:
    cli("init")
    result = cli("verify")
    assert result.code == 0, result.out  # offline previews are a way to run, not a failure
    assert "[ok] HF token" not in result.out
    [line] = [line for line in result.out.splitlines() if "HF token" in line]
    assert line.startswith("[note] HF token not set") and "offline preview" in line, line
    assert "UNHEALTHY" not in result.out


def test_verify_without_a_token_in_production_warns(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("init")
    monkeypatch.setenv("AVATAR_ENV", "production")
    monkeypatch.setenv("AVATAR_SECRET_KEY", "s" * 40)
    result = cli("verify")
    assert result.code == 0, result.out
    [line] = [line for line in result.out.splitlines() if "HF token" in line]
    assert line.startswith("[warn] HF token not set") and "offline preview" in line, line


def test_verify_warns_about_the_example_admin_password(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATAR_ADMIN_USERNAME", "admin")
    monkeypatch.setenv("AVATAR_ADMIN_PASSWORD", PLACEHOLDER_ADMIN_PASSWORD)
    assert cli("init").code == 0  # development: accepted, with the warning (logged, see unit test)
    result = cli("verify")
    assert result.code == 0, result.out
    warned = [line for line in result.out.splitlines() if "AVATAR_ADMIN_PASSWORD" in line]
    assert len(warned) == 1 and warned[0].startswith("[warn] ") and ".env.example" in warned[0]
    monkeypatch.setenv("AVATAR_ADMIN_PASSWORD", "my-own-long-password")
    assert "AVATAR_ADMIN_PASSWORD" not in cli("verify").out
    monkeypatch.setenv("AVATAR_ADMIN_PASSWORD", PLACEHOLDER_ADMIN_PASSWORD)
    monkeypatch.setenv("AVATAR_ENV", "production")
    monkeypatch.setenv("AVATAR_SECRET_KEY", "s" * 40)
    refused = cli("verify")  # production refuses it outright, as before
    assert refused.code == 1 and ".env.example" in refused.err
