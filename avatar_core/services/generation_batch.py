"""Several images per click, and variations of an avatar: each image its own generation, the
images of a click rendered at the same time.

Each image is charged on its own and refunded on its own failure; a batch the balance cannot
cover is refused before anything is charged (all its images are reserved in one transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from avatar_core.domain.errors import InsufficientCredits, NotFound, ValidationError
from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation
from avatar_core.services.auth import UserInfo
from avatar_core.services.generation_attempt import Opened
from avatar_core.services.generation_request import MAX_SEED, GenerationRequest, recipe_request, validate
from avatar_core.services.generation_result import GenerationResult


class Generator(Protocol):
    """What `Batches` uses of its GenerationService (declared here, so neither imports the other)."""

    db: Database

    def open(self, user: UserInfo, requests: list[GenerationRequest]) -> Opened: ...

    def run(self, opened: Opened, progress: Progress | None = None) -> list[GenerationResult]: ...


MAX_IMAGES = 4
Progress = Callable[[str, float], None]


class BatchTooDear(InsufficientCredits):
    """The balance does not cover every image of a batch at the quoted price."""

    def __init__(self, balance: int, price: int, count: int) -> None:
        super().__init__(balance, price * count)
        self.message = short_for(count, price, balance)
        self.args = (self.message,)


def check_count(count: int) -> int:
    """`count` when it is 1-4; ValidationError otherwise."""
    if not isinstance(count, int) or not 1 <= count <= MAX_IMAGES:
        raise ValidationError(f"Make 1 to {MAX_IMAGES} images at a time.")
    return count


def batch_seeds(seed: int | None, count: int) -> list[int | None]:
    """One seed per image: a fixed seed and the next ones (reproducible), or all random."""
    if seed is None:
        return [None] * count
    return [(seed + i) % (MAX_SEED + 1) for i in range(count)]


def short_for(count: int, price: int, balance: int) -> str:
    """'' when `balance` covers `count` images at `price`, else the sentence saying it does not."""
    if balance >= price * count:
        return ""
    if count == 1:
        return f"Not enough credits: this image costs {price} and your balance is {balance}."
    return (
        f"Not enough credits for {count} images: they cost {price * count} ({price} each) "
        f"and your balance is {balance}."
    )


def short_of(balance: int, price: int, count: int) -> InsufficientCredits:
    """The error for a balance that does not cover `count` images at `price`."""
    return InsufficientCredits(balance, price) if count == 1 else BatchTooDear(balance, price, count)


class Batches:
    """Runs several generations for one click (a GenerationService's `generate`, one after another)."""

    def __init__(self, service: Generator) -> None:
        self.service = service

    def generate_many(
        self, user: UserInfo, request: GenerationRequest, count: int, progress: Progress | None = None
    ) -> list[GenerationResult]:
        """`count` images for `request` (seeds seed, seed+1, ... when fixed), each charged on its
        own. All are reserved in one transaction first: a batch the balance cannot cover is
        refused whole, before anything is charged, even while another click spends credits."""
        s, report = self.service, progress or (lambda _stage, _fraction: None)
        check_count(count)
        validate(request)
        key = request.idempotency_key
        requests = [
            replace(request, seed=seed, idempotency_key=f"{key}#{i}" if key and i else key)
            for i, seed in enumerate(batch_seeds(request.seed, count))
        ]
        opened = s.open(user, requests)
        if opened.replayed is not None:
            return [opened.replayed]
        return s.run(opened, report)  # a worker slot per image: all of them at the same time

    def variations(
        self, user: UserInfo, avatar_id: int, count: int = 2, progress: Progress | None = None
    ) -> list[GenerationResult]:
        """New avatars with the recipe of one of the user's avatars and new seeds, each charged."""
        check_count(count)
        with self.service.db.read() as session:
            gen = session.get(Generation, avatar_id)
            if gen is None or gen.user_id != user.id or not gen.image_path:
                raise NotFound("No such avatar.")
            if gen.photo_consent_at is not None:
                raise ValidationError("Variations of an avatar made from a photo: use “From my photo” again.")
            name = f"{gen.name} (variation)"[:120] if gen.name else ""
            request = replace(recipe_request(gen), seed=None, name=name)
        return self.generate_many(user, request, count, progress)
