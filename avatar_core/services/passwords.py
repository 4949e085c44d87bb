"""Account names and passwords: the sign-up rules and argon2 hashing (no database)."""

from __future__ import annotations

import re

from passlib.context import CryptContext

from avatar_core.domain.errors import ValidationError

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 128
COMMON_PASSWORDS = frozenset(
    (
        "password",
        "password1",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyui",
        "qwerty123",
        "iloveyou",
        "letmein1",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "welcome1",
        "admin123",
        "passw0rd",
        "abc12345",
        "trustno1",
        "11111111",
        "00000000",
        "monkey123",
        "dragon12",
        "avatar123",
    )
)


def normalise_username(raw: str) -> str:
    """Lower-case and validate a username; ValidationError says what is wrong."""
    name = (raw or "").strip().lower()
    if not 3 <= len(name) <= 32:
        raise ValidationError("A username has 3 to 32 characters.")
    if not USERNAME_RE.match(name):
        raise ValidationError(
            "A username uses only letters, digits, '.', '_' and '-', and starts with a letter or digit."
        )
    return name


def check_password(password: str, username: str = "") -> None:
    """Refuse weak or over-long passwords with a clear reason."""
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. undecodable bytes read with surrogateescape
        raise ValidationError("A password must be valid text (it contains undecodable bytes).") from None
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"A password has at most {MAX_PASSWORD} characters.")
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"A password has at least {MIN_PASSWORD} characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4 or (username and username in lowered):
        raise ValidationError("That password is too easy to guess; choose a less common one.")


def make_hasher(rounds: int = 3, memory_kib: int = 65536) -> CryptContext:
    """An argon2 CryptContext (tests pass tiny costs)."""
    return CryptContext(schemes=["argon2"], argon2__rounds=rounds, argon2__memory_cost=memory_kib)
