"""Round 2 at the service layer (SQLite and PostgreSQL): F6 photos judged before decoding, F8 the
A/B arm's price quoted, F10 concurrent batches, F18 sign-up addresses (its crash refunds:
tests/load/test_crash_safety.py)."""

from __future__ import annotations

import io
import struct
import threading
import uuid
import zlib

import pytest
from PIL import Image

from avatar_core.bootstrap import App
from avatar_core.domain.errors import InsufficientCredits, ValidationError
from avatar_core.services import credits
from avatar_core.services.experiments import arm_for
from avatar_core.services.generation import GenerationRequest
from avatar_core.services.photos import clean_photo
from tests.integration.test_generation import assert_ledger_ok, ledger_types, new_user
from tests.security.test_throttle import ADDRESS_CEILING, fail

BASE, REALISM = "avatar-creator:flux-dev-base", "avatar-creator:flux-dev-realism"


# ----- F6 ---------------------------------------------------------------------------------------
def declared_png(width: int, height: int) -> bytes:
    """A PNG whose header declares `width`×`height` and whose pixel data is a few junk bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_photo_is_judged_by_its_declared_size_before_it_is_decoded() -> None:
    # 349000×255 (89 million pixels, 267 MB decoded): refused from the header alone, so the junk
    # pixel data is never read (decoding it first answered "not a photo we can read")
    with pytest.raises(ValidationError, match="too small"):
        clean_photo(declared_png(349_000, 255), 10 * 1024 * 1024)
    with pytest.raises(ValidationError, match="too large: at most 50 megapixels"):
        clean_photo(declared_png(9000, 9000), 10 * 1024 * 1024)


def test_refused_photos_count_toward_the_hourly_limit(app: App) -> None:
    app.photos.per_hour = 2
    user = new_user(app, "basic")
    for _ in range(2):
        with pytest.raises(ValidationError, match="too small"):
            app.photos.upload(user, declared_png(349_000, 255), consent=True)
    good = io.BytesIO()
    Image.new("RGB", (400, 400), "grey").save(good, format="PNG")
    with pytest.raises(ValidationError, match="At most 2 photos per hour"):
        app.photos.upload(user, good.getvalue(), consent=True)
    assert app.photos.current(user.id) is None


# ----- F8 ---------------------------------------------------------------------------------------
def test_the_quote_during_an_ab_test_is_what_is_charged(app: App) -> None:
    exp = app.experiments.create("basic", BASE, REALISM, 50)  # A: 8 credits, B: 12
    users = [new_user(app, "basic", 200) for _ in range(10)]
    assert {arm_for(u.id, exp) for u in users} == {"A", "B"}
    for user in users:
        quoted = app.generations.quote(user, GenerationRequest(prompt="x"))
        made = app.generations.generate(user, GenerationRequest(prompt="x"))
        assert (quoted.price, quoted.model.model_key) == (made.credits_charged, made.model_key)
        assert "A/B" not in quoted.reason and "arm" not in quoted.reason
    dear = next(u for u in users if arm_for(u.id, exp) == "B")
    with app.db.transaction() as session:  # 35 credits: 3 images at the arm's 12 are 36
        credits.adjust(
            session, dear.id, 35 - app.accounts.get(dear.id).balance, actor_id=dear.id, key="t2", reason="t"
        )
    with pytest.raises(InsufficientCredits, match="3 images: they cost 36"):
        app.generations.batches.generate_many(dear, GenerationRequest(prompt="x"), 3)
    assert app.accounts.get(dear.id).balance == 35


# ----- F10 --------------------------------------------------------------------------------------
def test_two_concurrent_batches_are_each_all_or_nothing(app: App) -> None:
    user = new_user(app, "free", 40)  # 5 images at 8: room for one batch of 3, not two
    barrier, outcomes = threading.Barrier(2), []

    def click() -> None:
        barrier.wait()
        try:
            outcomes.append(
                len(app.generations.batches.generate_many(user, GenerationRequest(prompt="x"), 3))
            )
        except InsufficientCredits:
            outcomes.append(0)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == [0, 3]  # never 2 + 1: a refused batch charged nothing
    assert ledger_types(app, user.id).count("reserve") == 3
    assert app.accounts.get(user.id).balance == 40 - 24
    assert_ledger_ok(app)


# ----- F18 --------------------------------------------------------------------------------------
def test_a_spray_never_locks_out_an_owner_from_the_address_they_signed_up_from(app: App) -> None:
    name = f"own-{uuid.uuid4().hex[:6]}"
    app.signups.register(name, "correct-horse-7", "192.0.2.50")
    for i in range(ADDRESS_CEILING + 10):  # 60 sprayed guesses from the owner's address
        fail(app, f"victim{i}", "192.0.2.50")
    assert app.accounts.authenticate(name, "correct-horse-7", "192.0.2.50").username == name
