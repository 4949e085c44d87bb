"""Every error a user can cause: one base class whose message is safe to show."""

from __future__ import annotations


class AvatarError(Exception):
    """Base of all user-facing errors; `str(err)` is a complete, safe sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(AvatarError):
    """Input that does not meet the rules (empty prompt, bad username, size out of range…)."""


class NotFound(AvatarError):
    """An unknown user, model, preset or generation."""


class AuthError(AvatarError):
    """Wrong username or password, or a missing/expired session."""


class PermissionDenied(AvatarError):
    """The caller is not allowed to do this (not an admin, not the owner)."""


class TierRefused(AvatarError):
    """An explicit model choice above the user's tier."""


class NoModelsAvailable(AvatarError):
    """Nothing in the catalog is enabled."""


class InsufficientCredits(AvatarError):
    """The balance does not cover the price."""

    def __init__(self, balance: int, price: int) -> None:
        super().__init__(f"Not enough credits: this image costs {price} and your balance is {balance}.")
        self.balance = balance
        self.price = price


class RateLimited(AvatarError):
    """Too many attempts; `retry_after` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed attempts. Try again in {retry_after} s.")
        self.retry_after = retry_after


class ConfigError(AvatarError):
    """A setting is missing or unsafe for this deployment."""


class TooBusy(AvatarError):
    """The user already has as many generations queued or running as allowed."""
