"""Tier hierarchy and model selection (pure functions over the seed catalog, DESIGN.md §1)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avatar_core.domain.errors import AvatarError, NoModelsAvailable, TierRefused, ValidationError
from avatar_core.domain.selection import (
    TIERS,
    ModelSpec,
    Preferences,
    accessible_models,
    can_access,
    price_for,
    select_model,
    tier_rank,
)
from avatar_core.services.catalog import LIKENESS_KEY, SEED_CAPABILITIES, SEED_MODELS

FIELDS = {f.name for f in dataclasses.fields(ModelSpec)}
CATALOG = [
    ModelSpec(
        **{k: v for k, v in {**row, **SEED_CAPABILITIES.get(row["model_key"], {})}.items() if k in FIELDS}
    )
    for row in SEED_MODELS
]
BY_KEY = {m.model_key: m for m in CATALOG}

BASE = "avatar-creator:flux-dev-base"
REALISM = "avatar-creator:flux-dev-realism"
HD = "avatar-creator:flux-dev-hd-realism"
FAST = "avatar-creator:flux-schnell-fast"

REALISM_PREF = Preferences(realism=True)
HD_PREF = Preferences(hd=True)
FAST_PREF = Preferences(fast=True)


def without(*keys: str) -> list[ModelSpec]:
    """The seed catalog with `keys` disabled."""
    return [dataclasses.replace(m, enabled=m.model_key not in keys) for m in CATALOG]


def keys(models: Iterable[ModelSpec]) -> list[str]:
    return [m.model_key for m in models]


# --- the catalog the tests run on ---------------------------------------------------------


def test_catalog_built_from_seed_has_the_four_models_and_the_likeness_row() -> None:
    assert keys(CATALOG) == [BASE, REALISM, HD, FAST, LIKENESS_KEY]
    assert [m.is_realism for m in CATALOG] == [False, True, True, False, False]
    assert [m.is_fast for m in CATALOG] == [False, False, False, True, False]
    assert [m.likeness for m in CATALOG] == [False, False, False, False, True]


@pytest.mark.parametrize("tier", TIERS)
def test_text_requests_never_get_the_likeness_row(tier: str) -> None:
    assert LIKENESS_KEY not in keys(accessible_models(CATALOG, tier))
    for prefs in (Preferences(), REALISM_PREF, HD_PREF, FAST_PREF):
        assert select_model(CATALOG, tier, prefs).model.model_key != LIKENESS_KEY
    with pytest.raises(ValidationError):
        select_model(CATALOG, tier, explicit=LIKENESS_KEY)


def test_likeness_requests_get_the_likeness_row_from_basic_up() -> None:
    assert select_model(CATALOG, "basic", likeness=True).model.model_key == LIKENESS_KEY
    assert select_model(CATALOG, "enterprise", likeness=True).price == 0
    with pytest.raises(NoModelsAvailable):
        select_model(CATALOG, "free", likeness=True)


# --- tier hierarchy -------------------------------------------------------------------------


def test_tier_order() -> None:
    assert TIERS == ("free", "basic", "pro", "enterprise")
    assert [tier_rank(t) for t in TIERS] == [0, 1, 2, 3]


@pytest.mark.parametrize("user_tier", TIERS)
@pytest.mark.parametrize("model_tier", TIERS)
def test_can_access_matrix(user_tier: str, model_tier: str) -> None:
    expected = TIERS.index(user_tier) >= TIERS.index(model_tier)
    assert can_access(user_tier, model_tier) is expected


@pytest.mark.parametrize("bad", ["", "gold", "Free", "PRO", " free", "admin"])
def test_unknown_tier_is_a_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError, match="Unknown tier"):
        tier_rank(bad)
    with pytest.raises(ValidationError):
        can_access(bad, "free")
    with pytest.raises(ValidationError):
        select_model(CATALOG, bad)


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        ("free", [BASE]),
        ("basic", [BASE, REALISM, FAST]),
        ("pro", [BASE, REALISM, HD, FAST]),
        ("enterprise", [BASE, REALISM, HD, FAST]),
    ],
)
def test_accessible_models_per_tier(tier: str, expected: list[str]) -> None:
    assert keys(accessible_models(CATALOG, tier)) == expected


def test_accessible_models_skip_disabled() -> None:
    assert keys(accessible_models(without(REALISM, FAST), "basic")) == [BASE]
    assert accessible_models(without(BASE), "free") == []


def test_price_enterprise_pays_nothing() -> None:
    hd = BY_KEY[HD]
    assert [price_for(hd, t) for t in TIERS] == [15, 15, 15, 0]


# --- defaults --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "key", "price"),
    [("free", BASE, 8), ("basic", REALISM, 12), ("pro", HD, 15), ("enterprise", HD, 0)],
)
def test_default_per_tier(tier: str, key: str, price: int) -> None:
    sel = select_model(CATALOG, tier)
    assert sel.model.model_key == key
    assert sel.price == price


def test_reason_strings_exact() -> None:
    assert select_model(CATALOG, "free").reason == "free tier, default → FLUX.1-dev Base, 8 credits"
    assert (
        select_model(CATALOG, "pro", requested_size=1024).reason
        == "pro tier, HD requested (size) → FLUX.1-dev HD + Realism LoRA, 15 credits"
    )
    assert (
        select_model(CATALOG, "pro", HD_PREF).reason
        == "pro tier, HD requested → FLUX.1-dev HD + Realism LoRA, 15 credits"
    )
    assert (
        select_model(CATALOG, "enterprise").reason
        == "enterprise tier, default → FLUX.1-dev HD + Realism LoRA, 0 credits"
    )
    assert (
        select_model(CATALOG, "basic", explicit=FAST).reason
        == "basic tier, chosen → FLUX.1-schnell Fast, 6 credits"
    )


def test_reason_uses_singular_for_one_credit() -> None:
    cheap = [dataclasses.replace(m, credit_cost=1) for m in CATALOG]
    assert select_model(cheap, "free").reason.endswith("FLUX.1-dev Base, 1 credit")


# --- requested size --------------------------------------------------------------------------


def test_size_1024_on_pro_gives_hd() -> None:
    sel = select_model(CATALOG, "pro", requested_size=1024)
    assert sel.model.model_key == HD
    assert sel.price == 15


def test_size_above_1024_on_pro_gives_hd() -> None:
    assert select_model(CATALOG, "pro", requested_size=2048).model.model_key == HD


def test_size_below_threshold_on_pro_is_the_default() -> None:
    sel = select_model(CATALOG, "pro", requested_size=1023)
    assert sel.model.model_key == HD  # pro's default is HD anyway
    assert "default" in sel.reason and "(size)" not in sel.reason


def test_size_1024_on_basic_stays_realism() -> None:
    sel = select_model(CATALOG, "basic", requested_size=1024)
    assert sel.model.model_key == REALISM
    assert sel.model.width < 1024
    assert "HD" not in sel.reason


def test_size_1024_on_free_stays_base() -> None:
    assert select_model(CATALOG, "free", requested_size=1024).model.model_key == BASE


def test_size_1024_on_enterprise_gives_hd_for_free() -> None:
    sel = select_model(CATALOG, "enterprise", requested_size=1024)
    assert (sel.model.model_key, sel.price) == (HD, 0)


def test_size_1024_with_hd_disabled_on_pro_gives_realism() -> None:
    sel = select_model(without(HD), "pro", requested_size=1024)
    assert sel.model.model_key == REALISM


# --- preferences -----------------------------------------------------------------------------


def test_realism_on_basic_gives_realism() -> None:
    sel = select_model(CATALOG, "basic", REALISM_PREF)
    assert sel.model.model_key == REALISM
    assert sel.model.lora_model == "XLabs-AI/flux-RealismLora"
    assert "realism requested" in sel.reason


def test_realism_on_pro_gives_the_cheaper_realism_model() -> None:
    assert select_model(CATALOG, "pro", REALISM_PREF).model.model_key == REALISM


def test_hd_on_pro_gives_hd() -> None:
    assert select_model(CATALOG, "pro", HD_PREF).model.model_key == HD


def test_hd_on_basic_gives_its_highest_resolution_realism_model() -> None:
    assert select_model(CATALOG, "basic", HD_PREF).model.model_key == REALISM


@pytest.mark.parametrize("tier", ["basic", "pro"])
def test_fast_gives_schnell(tier: str) -> None:
    sel = select_model(CATALOG, tier, FAST_PREF)
    assert sel.model.model_key == FAST
    assert sel.price == 6
    assert "fast requested" in sel.reason


def test_fast_on_enterprise_is_free() -> None:
    sel = select_model(CATALOG, "enterprise", FAST_PREF)
    assert (sel.model.model_key, sel.price) == (FAST, 0)


def test_fast_on_free_is_unavailable_and_falls_back_to_base() -> None:
    sel = select_model(CATALOG, "free", FAST_PREF)
    assert sel.model.model_key == BASE
    assert sel.reason == "free tier, fast unavailable → FLUX.1-dev Base, 8 credits"


def test_fast_wins_over_realism() -> None:
    both = Preferences(realism=True, fast=True)
    assert select_model(CATALOG, "pro", both).model.model_key == FAST


def test_fast_with_large_size_reason_is_truthful() -> None:
    """Fast beats a size-implied HD wish; the reason must not claim HD for schnell."""
    sel = select_model(CATALOG, "pro", FAST_PREF, requested_size=1024)
    assert sel.model.model_key == FAST
    assert "HD" not in sel.reason
    assert "fast requested" in sel.reason


def test_fast_disabled_on_pro_falls_back_to_default() -> None:
    sel = select_model(without(FAST), "pro", FAST_PREF)
    assert sel.model.model_key == HD
    assert "fast unavailable" in sel.reason


def test_realism_preference_on_free_gets_base() -> None:
    sel = select_model(CATALOG, "free", REALISM_PREF)
    assert sel.model.model_key == BASE
    assert "realism unavailable" in sel.reason


# --- fallbacks -------------------------------------------------------------------------------


def test_realism_disabled_on_basic_falls_back_to_base() -> None:
    sel = select_model(without(REALISM), "basic", REALISM_PREF)
    assert sel.model.model_key == BASE
    assert sel.price == 8
    assert sel.reason == "basic tier, realism unavailable → FLUX.1-dev Base, 8 credits"


def test_realism_disabled_default_on_basic_is_base_not_fast() -> None:
    assert select_model(without(REALISM), "basic").model.model_key == BASE


def test_hd_disabled_on_pro_gives_realism() -> None:
    assert select_model(without(HD), "pro").model.model_key == REALISM
    assert select_model(without(HD), "pro", HD_PREF).model.model_key == REALISM


def test_hd_disabled_on_enterprise_gives_realism_for_free() -> None:
    sel = select_model(without(HD), "enterprise")
    assert (sel.model.model_key, sel.price) == (REALISM, 0)


def test_only_fast_left_is_used_as_default() -> None:
    assert select_model(without(BASE, REALISM, HD), "basic").model.model_key == FAST


def test_realism_wanted_but_only_fast_left_reason_is_truthful() -> None:
    """With no LoRA and no base model the fallback is schnell; the reason must not say 'base'."""
    sel = select_model(without(BASE, REALISM, HD), "basic", REALISM_PREF)
    assert sel.model.model_key == FAST
    assert "realism unavailable" in sel.reason
    assert "base" not in sel.reason.split("→")[0]


def test_nothing_accessible_for_free_when_the_free_model_is_disabled() -> None:
    """No fallback above the tier: a free user with the free model disabled gets a clear error."""
    with pytest.raises(NoModelsAvailable, match="No model for the free tier is available"):
        select_model(without(BASE), "free")


def test_nothing_accessible_only_hd_enabled() -> None:
    with pytest.raises(NoModelsAvailable, match="basic tier"):
        select_model(without(BASE, REALISM, FAST), "basic")


@pytest.mark.parametrize("tier", TIERS)
def test_nothing_enabled_is_a_clear_error(tier: str) -> None:
    with pytest.raises(NoModelsAvailable, match="No models are available") as info:
        select_model(without(BASE, REALISM, HD, FAST), tier)
    assert isinstance(info.value, AvatarError)
    with pytest.raises(NoModelsAvailable):
        select_model([], tier, explicit=BASE)


# --- explicit choice -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "key", "needed"),
    [("free", REALISM, "basic"), ("free", FAST, "basic"), ("free", HD, "pro"), ("basic", HD, "pro")],
)
def test_explicit_choice_above_tier_is_refused(tier: str, key: str, needed: str) -> None:
    with pytest.raises(TierRefused) as info:
        select_model(CATALOG, tier, explicit=key)
    message = str(info.value)
    assert f"needs the {needed} tier" in message
    assert BY_KEY[key].name in message
    assert tier in message


@pytest.mark.parametrize("key", ["avatar-creator:nope", "flux-dev-base", "avatar-creator:FLUX-DEV-BASE"])
def test_explicit_unknown_key_is_a_validation_error(key: str) -> None:
    with pytest.raises(ValidationError, match="unknown or disabled"):
        select_model(CATALOG, "enterprise", explicit=key)


def test_explicit_disabled_key_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="unknown or disabled"):
        select_model(without(FAST), "pro", explicit=FAST)


@pytest.mark.parametrize(
    ("tier", "key", "price"),
    [
        ("free", BASE, 8),
        ("basic", FAST, 6),
        ("basic", BASE, 8),
        ("pro", REALISM, 12),
        ("pro", HD, 15),
        ("enterprise", HD, 0),
        ("enterprise", BASE, 0),
    ],
)
def test_explicit_allowed_choice_is_used(tier: str, key: str, price: int) -> None:
    sel = select_model(CATALOG, tier, Preferences(fast=True, hd=True), explicit=key, requested_size=1024)
    assert sel.model.model_key == key
    assert sel.price == price
    assert ", chosen → " in sel.reason


# --- property --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    enabled=st.lists(st.booleans(), min_size=5, max_size=5),
    costs=st.lists(st.integers(0, 20), min_size=5, max_size=5),
    tier=st.sampled_from(TIERS),
    realism=st.booleans(),
    hd=st.booleans(),
    fast=st.booleans(),
    size=st.one_of(st.none(), st.sampled_from([256, 512, 768, 1023, 1024, 2048])),
    explicit=st.one_of(st.none(), st.sampled_from([BASE, REALISM, HD, FAST, "x:unknown"])),
)
def test_selection_property(
    enabled: list[bool],
    costs: list[int],
    tier: str,
    realism: bool,
    hd: bool,
    fast: bool,
    size: int | None,
    explicit: str | None,
) -> None:
    models = [
        dataclasses.replace(m, enabled=e, credit_cost=c)
        for m, e, c in zip(CATALOG, enabled, costs, strict=True)
    ]
    prefs = Preferences(realism=realism, hd=hd, fast=fast)
    usable = accessible_models(models, tier)
    try:
        sel = select_model(models, tier, prefs, explicit=explicit, requested_size=size)
    except NoModelsAvailable:
        assert not usable  # nothing enabled, or nothing enabled that the tier reaches
        return
    except TierRefused:
        assert explicit is not None
        model = next(m for m in models if m.model_key == explicit)
        assert model.enabled and not can_access(tier, model.tier)
        return
    except ValidationError:
        assert explicit is not None
        assert explicit not in {m.model_key for m in models if m.enabled}
        return
    assert any(enabled)
    assert sel.model.enabled
    if explicit is not None:
        assert sel.model.model_key == explicit
    assert sel.model in usable  # never a model above the tier
    assert (sel.price == 0) == (tier == "enterprise" or sel.model.credit_cost == 0)
    assert sel.price == (0 if tier == "enterprise" else sel.model.credit_cost)
    assert sel.reason.startswith(f"{tier} tier, ")
    unit = "credit" if sel.price == 1 else "credits"
    assert sel.reason.endswith(f"→ {sel.model.name}, {sel.price} {unit}")
    if fast and explicit is None and any(m.is_fast for m in usable):
        assert sel.model.is_fast
