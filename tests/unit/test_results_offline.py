"""The Generate tab says an offline preview is one: for one image and for a batch of 2–4."""

from __future__ import annotations

import re

import pytest

from avatar_core.domain.status import GenerationStatus
from avatar_core.engines.base import OFFLINE_ROUTE
from avatar_core.services.generation import GenerationResult
from avatar_core.web.handlers.results import batch_details, grid_html


def result(gen_id: int, *, offline: bool = True, ok: bool = True) -> GenerationResult:
    """A finished 512² generation, an offline preview unless `offline` is False."""
    return GenerationResult(
        generation_id=gen_id,
        status=GenerationStatus.COMPLETED if ok else GenerationStatus.FAILED,
        model_key="avatar-creator:flux-dev-base",
        model_name="FLUX.1-dev Base",
        engine="local" if offline else "hf",
        credits_charged=8 if ok else 0,
        balance=40 - 8 * gen_id,
        seed=100 + gen_id,
        seconds=0.2,
        reason="the free tier's model",
        error=None if ok else "The provider refused.",
        width=512,
        height=512,
        provider=OFFLINE_ROUTE if offline else "replicate",
        provider_model="offline-preview" if offline else "black-forest-labs/flux-dev",
    )


def alts(html: str) -> list[str]:
    """The alt text of every image in the grid."""
    return re.findall(r'<img [^>]*alt="([^"]*)"', html)


@pytest.mark.parametrize("count", [2, 3, 4])
def test_a_batch_of_offline_images_says_offline_preview_once_and_in_each_alt(count: int) -> None:
    results = [result(i) for i in range(1, count + 1)]
    details = batch_details(results, False)
    assert details.lower().count("offline preview") == 1
    assert "offline previews" in details.splitlines()[0]  # on the summary line, not lost below
    assert alts(grid_html(results, "a smiling man")) == ["a smiling man (offline preview)"] * count


def test_one_offline_image_says_it_in_its_details_and_alt() -> None:
    results = [result(1)]
    assert "offline preview" in batch_details(results, False)
    assert alts(grid_html(results, "a smiling man")) == ["a smiling man (offline preview)"]


def test_model_images_do_not_claim_to_be_offline_previews() -> None:
    results = [result(1, offline=False), result(2, offline=False)]
    assert "offline" not in batch_details(results, False)
    assert alts(grid_html(results, "a smiling man")) == ["a smiling man"] * 2


def test_a_batch_with_a_failure_counts_only_the_previews_made() -> None:
    results = [result(1), result(2, ok=False), result(3)]
    details = batch_details(results, False)
    assert "**2 of 3** images made · **offline previews**" in details
    assert alts(grid_html(results, "x")) == ["x (offline preview)"] * 2
