"""`avatar-creator codes create|list|revoke` (#23 item 7), in-process on SQLite like test_cli.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from avatar_core.cli.codes import expiry
from avatar_core.domain.errors import ValidationError
from tests.conftest import make_app
from tests.integration.test_cli import Cli, cli, one_error_line, ready

FIXTURES = (cli, ready)  # test_cli's fixtures, used here by name


def test_create_list_redeem_and_revoke(ready: Cli, tmp_path: Path) -> None:
    made = ready("codes", "create", "--credits", "30", "--uses", "2", "--days", "7", "--note", "launch")
    assert made.code == 0 and "30 credits, 2 redemption(s), until" in made.err
    code = made.out.strip()
    app = make_app(tmp_path, f"sqlite:///{ready.db_path}")
    try:
        alice = app.accounts.by_name("alice")
        assert app.codes.redeem(alice.id, code).balance == 54
    finally:
        app.close()
    listing = ready("codes", "list")
    assert listing.code == 0 and code not in listing.out
    assert "1/2" in listing.out and "partly used" in listing.out and "alice (" in listing.out
    assert "launch" in listing.out
    [row] = ready("codes", "list", "--json").json()
    assert row["state"] == "partly used" and row["redeemed_by"][0]["username"] == "alice"
    assert row["expires_at"].endswith("Z") and "code" not in row
    assert ready("codes", "revoke", str(row["id"])).code == 0
    assert ready("codes", "list", "--json").json()[0]["state"] == "revoked"


def test_bad_amounts_and_expiries_are_one_line_errors(ready: Cli) -> None:
    for args in (
        ["--credits", "-5"],
        ["--credits", "0"],
        ["--credits", "100001"],
        ["--credits", "5", "--uses", "0"],
        ["--credits", "5", "--days", "0"],
        ["--credits", "5", "--expires", "2001-01-01"],
        ["--credits", "5", "--expires", "tomorrow"],
        ["--credits", "5", "--expires", "2030-01-01", "--days", "3"],
    ):
        one_error_line(ready("codes", "create", *args))
    assert ready("codes", "create").code == 1  # --credits is required
    one_error_line(ready("codes", "revoke", "999"))
    assert ready("codes", "list", "--json").json() == []


def test_expiry_forms() -> None:
    now = datetime(2026, 12, 8, 10, tzinfo=UTC)
    assert expiry("2027-01-31", None, now) == datetime(2027, 2, 1, tzinfo=UTC)  # the end of that day
    assert expiry("2027-01-31T18:00", None, now) == datetime(2027, 1, 31, 18, tzinfo=UTC)
    assert expiry("2027-01-31T18:00+01:00", None, now) == datetime(2027, 1, 31, 17, tzinfo=UTC)
    assert expiry(None, 2, now) == datetime(2026, 12, 10, 10, tzinfo=UTC)
    assert expiry(None, None, now) is None
    try:
        expiry("2027-13-01", None, now)
    except ValidationError as err:
        assert "2027-01-31" in str(err)
    else:
        raise AssertionError("a bad date was accepted")
