"""Smoke: the fixtures give a migrated, seeded database of each kind."""

from avatar_core.bootstrap import App


def test_seeded_catalog_and_signup(app: App) -> None:
    assert len(app.catalog.models()) == 5
    user = app.accounts.register("alice", "a-long-secret-9")
    assert user.balance == 24 and user.tier == "free"
