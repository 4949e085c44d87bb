"""Accounts on SQLite and PostgreSQL: sign-up rules, login, throttle, tiers, admin, HF users."""

from __future__ import annotations

from typing import Any

import pytest
from passlib.context import CryptContext
from sqlalchemy import func, select

from avatar_core.bootstrap import App
from avatar_core.domain.errors import AuthError, ConfigError, NotFound, ValidationError
from avatar_core.infra.models import LedgerEntry, User
from avatar_core.services import credits
from avatar_core.services.auth import Accounts
from avatar_core.services.passwords import MAX_PASSWORD, check_password, normalise_username

PASSWORD = "a-long-secret-9"
WRONG = "Wrong username or password."


def user_count(app: App) -> int:
    with app.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(User)) or 0)


def ledger_count(app: App) -> int:
    with app.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


class CountingContext(CryptContext):
    """A real argon2 CryptContext that counts how often it verifies."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.verifies = 0

    def verify(self, *args: Any, **kwargs: Any) -> bool:
        self.verifies += 1
        return bool(super().verify(*args, **kwargs))


# --- register --------------------------------------------------------------------------------


def test_register_lowercases_and_starts_free_with_welcome_grant(app: App) -> None:
    user = app.accounts.register("  Alice  ", PASSWORD)
    assert (user.username, user.tier, user.is_admin, user.balance) == ("alice", "free", False, 24)
    assert app.accounts.by_name("ALICE").id == user.id
    with app.db.read() as s:
        [move] = credits.history(s, user.id)
        row = s.get(User, user.id)
        assert row is not None and row.password_hash and PASSWORD not in row.password_hash
        assert row.password_hash.startswith("$argon2")
    assert (move.type, move.amount, move.balance_after, move.reason) == ("grant", 24, 24, "welcome grant")


def test_register_with_tier_and_admin(app: App) -> None:
    user = app.accounts.register("carol", PASSWORD, tier="pro", is_admin=True)
    assert (user.tier, user.is_admin) == ("pro", True)


def test_register_unknown_tier_writes_nothing(app: App) -> None:
    with pytest.raises(ValidationError, match="Unknown tier"):
        app.accounts.register("carol", PASSWORD, tier="gold")
    assert user_count(app) == 0


def test_taken_username_case_insensitive(app: App) -> None:
    app.accounts.register("alice", PASSWORD)
    for second in ["alice", "Alice", "ALICE", " alice "]:
        with pytest.raises(ValidationError, match="taken"):
            app.accounts.register(second, "another-secret-7")
    assert user_count(app) == 1
    assert ledger_count(app) == 1


BAD_USERNAMES = [
    "",
    "  ",
    "ab",
    "a" * 33,
    "al ice",
    "alice smith",
    "ålice",
    "aliçe",
    "алиса",
    "al😀ce",
    ".alice",
    "-alice",
    "_alice",
    "al/ice",
    "al@ice",
    "al'ice",
    "alice\x00",
    "alice\nbob",
]
WEAK_PASSWORDS = [
    ("short7!", "at least 8"),
    ("", "at least 8"),
    ("password", "too easy"),
    ("PASSWORD1", "too easy"),
    ("aaaaaaaaaaaa", "too easy"),
    ("abababab", "too easy"),  # fewer than 4 different characters
    ("xx-alice-xx", "too easy"),  # contains the username
    ("ALICE-rules-99", "too easy"),  # contains the username, any case
    ("x" * (MAX_PASSWORD - 3) + "abcd", "at most 128"),  # 129 characters
    ("Aa1-" * 1000, "at most 128"),
]


@pytest.mark.parametrize("name", BAD_USERNAMES)
def test_normalise_username_refuses(name: str) -> None:
    with pytest.raises(ValidationError, match="username"):
        normalise_username(name)


@pytest.mark.parametrize(("password", "match"), WEAK_PASSWORDS)
def test_check_password_refuses(password: str, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        check_password(password, "alice")


def test_bad_usernames_write_nothing(app: App) -> None:
    for name in BAD_USERNAMES:
        with pytest.raises(ValidationError):
            app.accounts.register(name, PASSWORD)
    assert user_count(app) == 0
    assert ledger_count(app) == 0


def test_good_usernames(app: App) -> None:
    for name in ["abc", "a" * 32, "alice.smith", "al_ice-2", "007", "bob."]:
        assert app.accounts.register(name, PASSWORD).username == name
    assert user_count(app) == 6


def test_weak_passwords_write_nothing(app: App) -> None:
    for password, match in WEAK_PASSWORDS:
        with pytest.raises(ValidationError, match=match):
            app.accounts.register("alice", password)
    assert user_count(app) == 0
    assert ledger_count(app) == 0


def test_password_of_exactly_the_maximum_length(app: App) -> None:
    password = ("Zq7-" * 40)[:MAX_PASSWORD]
    app.accounts.register("alice", password)
    assert app.accounts.authenticate("alice", password).username == "alice"


# --- authenticate ----------------------------------------------------------------------------


def test_authenticate_ok_case_insensitive_username(app: App) -> None:
    created = app.accounts.register("alice", PASSWORD)
    assert app.accounts.authenticate("Alice ", PASSWORD) == created


def test_authenticate_failures_share_one_message(app: App) -> None:
    app.accounts.register("alice", PASSWORD)
    cases = [
        ("alice", "wrong-secret-9"),
        ("nobody", PASSWORD),
        ("", ""),
        ("alice", PASSWORD.upper()),
        ("alice", ""),
        ("alice", PASSWORD + " "),
    ]
    for name, password in cases:
        with pytest.raises(AuthError) as info:
            app.accounts.authenticate(name, password)
        assert str(info.value) == WRONG, (name, password)


def test_authenticate_rejects_a_longer_password_with_the_right_prefix(app: App) -> None:
    password = ("Zq7-" * 40)[:MAX_PASSWORD]
    app.accounts.register("alice", password)
    with pytest.raises(AuthError):
        app.accounts.authenticate("alice", password + "anything")


def test_unknown_user_and_wrong_password_cost_one_verify_each(app: App) -> None:
    """Failed logins do the same work whether or not the user exists: exactly one argon2 verify."""
    hasher = CountingContext(schemes=["argon2"], argon2__rounds=1, argon2__memory_cost=1024)
    accounts = Accounts(app.db, hasher, signup_credits=24)
    accounts.register("alice", PASSWORD)
    accounts.hf_user("hf-person")
    cases = [
        ("nobody", PASSWORD),
        ("alice", "wrong-secret-9"),
        ("hf-person", PASSWORD),
        ("alice", "x" * 5000),
    ]
    for name, password in cases:
        before = hasher.verifies
        with pytest.raises(AuthError, match=WRONG):
            accounts.authenticate(name, password)
        assert hasher.verifies - before == 1, name
    before = hasher.verifies
    accounts.authenticate("alice", PASSWORD)
    assert hasher.verifies - before == 1


def test_hf_user_cannot_log_in_with_a_password(app: App) -> None:
    user = app.accounts.hf_user("SomeOne")
    for password in ("", "not-a-real-password", PASSWORD):
        with pytest.raises(AuthError):
            app.accounts.authenticate(user.username, password)


# The login throttle's tests live in tests/security/test_throttle.py (database-backed).


# --- tiers, admin, HF users ------------------------------------------------------------------


def test_set_tier(app: App) -> None:
    app.accounts.register("alice", PASSWORD)
    assert app.accounts.set_tier("Alice", "pro").tier == "pro"
    assert app.accounts.by_name("alice").tier == "pro"
    with pytest.raises(ValidationError, match="Unknown tier"):
        app.accounts.set_tier("alice", "gold")
    with pytest.raises(NotFound):
        app.accounts.set_tier("nobody", "pro")
    assert app.accounts.by_name("alice").tier == "pro"


def test_get_and_by_name_not_found(app: App) -> None:
    with pytest.raises(NotFound):
        app.accounts.get(12345)
    with pytest.raises(NotFound):
        app.accounts.by_name("nobody")


def test_ensure_admin_creates_then_is_idempotent(app: App) -> None:
    first = app.accounts.ensure_admin("Root", "Str0ng-admin-pass")
    assert (first.username, first.is_admin, first.tier, first.balance) == ("root", True, "enterprise", 24)
    second = app.accounts.ensure_admin("root", "Str0ng-admin-pass")
    assert second == first
    assert user_count(app) == 1
    assert ledger_count(app) == 1
    assert app.accounts.authenticate("root", "Str0ng-admin-pass").is_admin


def test_ensure_admin_promotes_only_when_asked(app: App) -> None:
    created = app.accounts.register("alice", PASSWORD)
    with pytest.raises(ConfigError, match="AVATAR_ADMIN_USERNAME: an ordinary account"):
        app.accounts.ensure_admin("alice", "new-admin-pass-1")
    assert not app.accounts.by_name("alice").is_admin
    assert app.accounts.authenticate("alice", PASSWORD).username == "alice"
    promoted = app.accounts.ensure_admin("alice", "new-admin-pass-1", promote_existing=True)
    assert promoted.id == created.id and promoted.is_admin
    with pytest.raises(AuthError):
        app.accounts.authenticate("alice", PASSWORD)
    assert app.accounts.authenticate("alice", "new-admin-pass-1").is_admin


def test_ensure_admin_refuses_weak_password(app: App) -> None:
    with pytest.raises(ConfigError, match="AVATAR_ADMIN_PASSWORD: "):
        app.accounts.ensure_admin("root", "root")
    assert user_count(app) == 0


def test_hf_user_created_once(app: App) -> None:
    first = app.accounts.hf_user("Some.User_Name")
    assert (first.username, first.tier, first.is_admin, first.balance) == (
        "some.user_name",
        "free",
        False,
        24,
    )
    again = app.accounts.hf_user("Some.User_Name")
    assert again == first
    assert user_count(app) == 1
    assert ledger_count(app) == 1


def test_hf_user_name_clash_gets_a_suffix(app: App) -> None:
    local = app.accounts.register("alice", PASSWORD)
    hf = app.accounts.hf_user("alice")
    assert hf.username == "alice-2" and hf.id != local.id
    assert app.accounts.hf_user("alice").id == hf.id


def test_hf_user_odd_names(app: App) -> None:
    for hf_name, local in [("ab", "hf-ab"), ("--x--", "hf-x"), ("...", "hf-user"), ("Jane Doe", "jane-doe")]:
        assert app.accounts.hf_user(hf_name).username == local
