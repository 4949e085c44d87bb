"""A deleted avatar's id is never handed to a new generation: the ledger's keys name generations."""

from __future__ import annotations

from avatar_core.bootstrap import App
from avatar_core.services import credits
from avatar_core.services.generation import GenerationRequest


def test_a_generation_after_deleting_the_newest_avatar_is_charged_again(app: App) -> None:
    user = app.accounts.register("del-dora", "a-long-secret-9")  # free tier, 24 credits, 8 per image
    first = app.generations.generate(user, GenerationRequest(prompt="a sailor", seed=1))
    app.gallery.delete(user.id, first.generation_id)  # removes the newest row of the table
    second = app.generations.generate(user, GenerationRequest(prompt="a sailor", seed=2))
    assert second.ok and second.generation_id != first.generation_id  # SQLite reused the id before
    assert second.credits_charged == 8 and second.balance == 8  # charged, not taken as paid
    with app.db.read() as session:
        assert list(credits.check(session)) == []
