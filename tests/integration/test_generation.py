"""The generation service on SQLite and PostgreSQL: charge once, refund exactly, fault by fault."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngImageFile
from sqlalchemy import func, select, update

from avatar_core.bootstrap import App
from avatar_core.domain.errors import AvatarError, InsufficientCredits, NotFound, TierRefused, ValidationError
from avatar_core.engines.base import Engine, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.engines.hf import HFEngine
from avatar_core.infra.models import AIModel, Generation, LedgerEntry
from avatar_core.infra.storage import FileBacked, ImageStore, StoredImage
from avatar_core.services import credits
from avatar_core.services.auth import UserInfo
from avatar_core.services.catalog import REALISM_LORA, SCHNELL_KEY
from avatar_core.services.generation import GenerationRequest
from tests.conftest import make_app
from tests.fakes.fake_hf import FakeHF, Reply
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub

DEV = "black-forest-labs/FLUX.1-dev"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHF]:
    """A fake Hugging Face server on 127.0.0.1."""
    with fake_hub(monkeypatch) as server:
        yield server


def hf_app(tmp_path: Path, database_url: str, fake: FakeHF, **engine_options: object) -> App:
    """An app whose engine is the real InferenceClient talking to the fake (base URL route)."""
    options: dict[str, object] = dict(
        token=FAKE_TOKEN, base_url=fake.url, timeout=2.0, max_retries=2, sleep=lambda _s: None
    )
    options.update(engine_options)
    return make_app(tmp_path, database_url, engine_impl=HFEngine(**options))  # type: ignore[arg-type]


def new_user(app: App, tier: str = "free", credits_total: int = 100) -> UserInfo:
    """A user on `tier` whose balance is exactly `credits_total`."""
    name = f"u{uuid.uuid4().hex[:8]}"
    user = app.accounts.register(name, "a-long-secret-9", tier=tier)
    extra = credits_total - user.balance
    if extra:
        with app.db.transaction() as session:
            credits.adjust(session, user.id, extra, actor_id=user.id, key="top-up", reason="test")
    return app.accounts.get(user.id)


def ledger_types(app: App, user_id: int) -> list[str]:
    """The user's ledger row types, oldest first."""
    with app.db.read() as session:
        return list(
            session.scalars(
                select(LedgerEntry.type).where(LedgerEntry.user_id == user_id).order_by(LedgerEntry.id)
            )
        )


def assert_ledger_ok(app: App) -> None:
    """The ledger invariants hold."""
    with app.db.read() as session:
        assert list(credits.check(session)) == []


def generation_count(app: App) -> int:
    """How many generation rows exist."""
    with app.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Generation)) or 0)


# --------------------------------------------------------------------------- offline engine


def test_offline_generation_charges_once_and_stores_png_with_recipe(app: App) -> None:
    user = new_user(app, "free", 24)
    result = app.generations.generate(user, GenerationRequest(preset="Yoga Instructor", seed=42))
    assert result.ok and result.engine == "local"
    assert (result.credits_charged, result.balance, result.seed) == (8, 16, 42)
    assert result.reason == "free tier, default → FLUX.1-dev Base, 8 credits"
    assert ledger_types(app, user.id)[-2:] == ["reserve", "capture"]
    png = Image.open(io.BytesIO(app.store.read(result.image_key or "")))
    assert isinstance(png, PngImageFile) and png.size == (512, 512)
    recipe = json.loads(png.text["recipe"])
    assert recipe["seed"] == 42 and recipe["model"] == "avatar-creator:flux-dev-base"
    assert recipe["steps"] == 28 and recipe["size"] == "512x512" and "yoga" in png.text["prompt"]
    with pytest.raises(FileNotFoundError):  # the thumbnail is made when first asked for
        app.store.read(result.thumb_key or "")
    made = app.gallery.image(user.id, result.generation_id, thumb=True)
    thumb = Image.open(io.BytesIO(made))
    assert thumb.format == "WEBP" and max(thumb.size) == 300
    assert app.store.read(result.thumb_key or "") == made  # kept for the next request
    item = app.gallery.get(user.id, result.generation_id)
    assert item.preset_key == "yoga-instructor" and item.credits_charged == 8
    assert_ledger_ok(app)


def test_a_thumbnail_of_an_unreadable_original_is_not_found_and_logged(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    user = new_user(app, "free", 24)
    result = app.generations.generate(user, GenerationRequest(prompt="a fox", seed=5))
    assert result.ok and result.image_key and isinstance(app.store, FileBacked)
    app.store.path(result.image_key).write_bytes(b"\x89PNG\r\n\x1a\n not an image any more")
    with pytest.raises(AvatarError, match="unreadable"):
        app.gallery.image(user.id, result.generation_id, thumb=True)
    assert "gallery.thumbnail_failed" in caplog.text
    assert not app.store.path(result.thumb_key or "").exists()  # nothing half-made kept


def test_same_seed_same_offline_image(app: App) -> None:
    user = new_user(app, "free", 100)
    req = GenerationRequest(prompt="a woman with red curly hair and glasses", seed=7)
    first = app.generations.generate(user, req)
    second = app.generations.generate(user, req)
    a = Image.open(io.BytesIO(app.store.read(first.image_key or ""))).tobytes()
    b = Image.open(io.BytesIO(app.store.read(second.image_key or ""))).tobytes()
    assert a == b and first.generation_id != second.generation_id


def test_random_seed_is_recorded(sqlite_app: App) -> None:
    user = new_user(sqlite_app, "free", 100)
    result = sqlite_app.generations.generate(user, GenerationRequest(prompt="a man with a beard"))
    assert sqlite_app.gallery.get(user.id, result.generation_id).seed == result.seed


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (GenerationRequest(prompt="   "), ValidationError),
        (GenerationRequest(prompt="x" * 1001), ValidationError),
        (GenerationRequest(preset="No Such Preset"), ValidationError),
        (GenerationRequest(prompt="hi", model="avatar-creator:nope"), ValidationError),
        (GenerationRequest(prompt="hi", model="avatar-creator:flux-dev-hd-realism"), TierRefused),
        (GenerationRequest(prompt="hi", seed=-5), ValidationError),
        (GenerationRequest(prompt="hi", seed=2**31), ValidationError),
        (GenerationRequest(prompt="hi", size=99_999), ValidationError),
    ],
)
def test_bad_input_is_refused_before_any_charge(
    app: App, request_: GenerationRequest, error: type[AvatarError]
) -> None:
    user = new_user(app, "free", 24)
    with pytest.raises(error) as caught:
        app.generations.generate(user, request_)
    assert str(caught.value) and "Traceback" not in str(caught.value)
    assert app.accounts.get(user.id).balance == 24
    assert generation_count(app) == 0
    assert_ledger_ok(app)


def test_insufficient_credits_changes_nothing(app: App) -> None:
    user = new_user(app, "free", 5)
    with pytest.raises(InsufficientCredits, match="costs 8 and your balance is 5"):
        app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert app.accounts.get(user.id).balance == 5 and generation_count(app) == 0


def test_enterprise_pays_nothing_for_the_best_model(app: App) -> None:
    user = new_user(app, "enterprise", 0)
    result = app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert result.ok and result.model_key == "avatar-creator:flux-dev-hd-realism"
    assert result.credits_charged == 0 and result.balance == 0


# --------------------------------------------------------------------------- HF engine, real client


LORA_URL = f"https://huggingface.co/{REALISM_LORA}"


@pytest.mark.parametrize(
    ("tier", "model_key", "price", "ran", "lora", "size"),
    [
        ("free", "avatar-creator:flux-dev-base", 8, "black-forest-labs/flux-dev", None, 512),
        (
            "basic",
            "avatar-creator:flux-dev-realism",
            12,
            "black-forest-labs/flux-dev-lora",
            LORA_URL,
            1024,
        ),  # the catalog's 768² cannot be made on Replicate: the next size up, same price
        ("pro", "avatar-creator:flux-dev-hd-realism", 15, "black-forest-labs/flux-dev-lora", LORA_URL, 1024),
    ],
)
def test_tier_default_on_replicate_records_what_really_ran(
    tmp_path: Path,
    database_url: str,
    fake: FakeHF,
    tier: str,
    model_key: str,
    price: int,
    ran: str,
    lora: str | None,
    size: int,
) -> None:
    app = hf_app(tmp_path, database_url, fake, base_url=None, provider="replicate")
    user = new_user(app, tier, 50)
    result = app.generations.generate(user, GenerationRequest(prompt="a portrait", seed=5))
    run = fake.last_run()
    assert (run.model, run.lora, run.seed, run.width, run.height) == (ran, lora, 5, size, size)
    assert run.lora_scale == (0.9 if lora else None) and run.dropped == ()
    assert result.ok and result.model_key == model_key and result.credits_charged == price
    assert (result.width, result.height, result.provider, result.provider_model) == (
        size,
        size,
        "replicate",
        ran,
    )
    assert (result.lora, result.lora_scale) == ((REALISM_LORA, 0.9) if lora else (None, None))
    item = app.gallery.get(user.id, result.generation_id)
    assert (item.width, item.height, item.lora_applied, item.provider_model) == (
        size,
        size,
        lora is not None,
        ran,
    )
    png = Image.open(io.BytesIO(app.store.read(result.image_key or "")))
    assert isinstance(png, PngImageFile)
    recipe = json.loads(png.text["recipe"])
    assert (recipe["size"], recipe["provider_model"], recipe["lora"]) == (
        f"{size}x{size}",
        ran,
        REALISM_LORA if lora else None,
    )
    app.close()


def test_a_lora_row_the_hub_does_not_map_is_not_sold(tmp_path: Path, database_url: str, fake: FakeHF) -> None:
    fake.unmap(REALISM_LORA, "replicate")
    app = hf_app(tmp_path, database_url, fake, base_url=None, provider="replicate")
    user = new_user(app, "basic", 50)
    with pytest.raises(ValidationError, match="not available on this server"):
        realism = GenerationRequest(prompt="a portrait", model="avatar-creator:flux-dev-realism")
        app.generations.generate(user, realism)
    assert app.accounts.get(user.id).balance == 50 and generation_count(app) == 0
    auto = app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert auto.ok and auto.lora is None and fake.last_run().lora is None
    assert auto.model_key == "avatar-creator:flux-dev-base" and auto.credits_charged == 8
    sold = {m.model_key for m in app.generations.sold_models() if m.enabled}
    assert "avatar-creator:flux-dev-realism" not in sold and "avatar-creator:flux-dev-base" in sold
    app.close()


RECOVERS = {
    "503 loading then 200": [Reply.loading(0.01), Reply.png()],
    "429 Retry-After then 200": [Reply.rate_limited(1), Reply.png()],
    "dropped connection then 200": [Reply.drop(), Reply.png()],
    "garbage once then 200": [Reply.garbage(), Reply.png()],
}
FAILS = {
    "500 forever": Reply.status(500, {"error": "boom"}),
    "400 bad request": Reply.status(400, {"error": "bad"}),
    "401 bad token": Reply.status(401, {"error": "unauthorized"}),
    "404 no model": Reply.status(404, {"error": "not found"}),
    "422 invalid": Reply.status(422, {"error": "invalid"}),
    "dropped forever": Reply.drop(),
    "garbage forever": Reply.garbage(),
    "truncated PNG forever": Reply.truncated_png(),
    "timeout": Reply.sleep(1.5),
}


@pytest.mark.parametrize("case", list(RECOVERS))
def test_fault_then_success_charges_exactly_once(
    tmp_path: Path, database_url: str, fake: FakeHF, case: str
) -> None:
    fake.script(RECOVERS[case])
    app = hf_app(tmp_path, database_url, fake)
    user = new_user(app, "free", 30)
    result = app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert result.ok and result.balance == 22
    assert ledger_types(app, user.id).count("capture") == 1
    assert "release" not in ledger_types(app, user.id)
    assert_ledger_ok(app)
    app.close()


@pytest.mark.parametrize("case", list(FAILS))
def test_fault_refunds_exactly_once(tmp_path: Path, database_url: str, fake: FakeHF, case: str) -> None:
    fake.default = FAILS[case]
    app = hf_app(tmp_path, database_url, fake, timeout=0.3, max_retries=1)
    user = new_user(app, "free", 30)
    result = app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert result.status == "failed" and result.error and "Traceback" not in result.error
    assert result.balance == 30 and app.accounts.get(user.id).balance == 30
    types = ledger_types(app, user.id)
    assert types.count("reserve") == 1 and types.count("release") == 1 and "capture" not in types
    assert app.gallery.page(user.id).total == 0
    assert not list((tmp_path / "data" / "images").rglob("*.png"))
    assert_ledger_ok(app)
    app.close()


def test_dev_refused_falls_back_to_schnell_and_charges_its_price(
    tmp_path: Path, database_url: str, fake: FakeHF
) -> None:
    fake.script([Reply.status(403, {"error": "gated: accept the licence"}), Reply.png()])
    app = hf_app(tmp_path, database_url, fake, base_url=None, provider="replicate")
    user = new_user(app, "basic", 40)
    result = app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert result.ok and result.model_key == "avatar-creator:flux-schnell-fast"
    assert result.credits_charged == 6 and result.balance == 34
    assert any("fell back" in n for n in result.notes)
    assert [r.model for r in fake.runs] == ["black-forest-labs/flux-schnell"]
    assert fake.last_run().lora is None and not result.lora_applied
    item = app.gallery.get(user.id, result.generation_id)
    assert item.model_key == "avatar-creator:flux-schnell-fast" and not item.lora_applied
    assert "licen" not in (result.error or "") + " ".join(result.notes).lower()
    assert_ledger_ok(app)
    app.close()


def test_the_fallback_is_the_rows_catalog_column(tmp_path: Path, database_url: str, fake: FakeHF) -> None:
    fake.default = Reply.status(403, {"error": "gated"})
    app = hf_app(tmp_path, database_url, fake, base_url=None, provider="replicate")
    seeded = {m.model_key: m.fallback_key for m in app.catalog.models()}
    dev_rows = {k for k in seeded if k.startswith("avatar-creator:flux-dev")}
    assert seeded == {k: SCHNELL_KEY if k in dev_rows else None for k in seeded}
    with app.db.transaction() as session:
        session.execute(update(AIModel).values(fallback_key=None))
    user = new_user(app, "basic", 40)
    result = app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert result.status == "failed" and result.balance == 40 and fake.runs == []
    assert len(fake.inference_calls()) == 1  # no second try: the row names no fallback
    app.catalog.seed()
    assert {m.model_key: m.fallback_key for m in app.catalog.models()} == seeded  # seed-owned
    app.close()


def test_a_400_is_refunded_without_any_fallback(tmp_path: Path, database_url: str, fake: FakeHF) -> None:
    fake.script([Reply.status(400, {"error": "NSFW content detected in the prompt"})])
    app = hf_app(tmp_path, database_url, fake, base_url=None, provider="replicate")
    user = new_user(app, "basic", 40)
    result = app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert result.status == "failed" and result.balance == 40 and fake.runs == []
    assert "safety filter" in (result.error or "") and "NSFW content detected" in (result.error or "")
    assert len(fake.inference_calls()) == 1
    app.close()


def test_operator_advice_goes_to_admins_not_to_the_user(
    tmp_path: Path, database_url: str, fake: FakeHF
) -> None:
    from avatar_core.services.admin import OPERATOR

    fake.script([Reply.status(401, {"error": "Invalid credentials in Authorization header"})])
    app = hf_app(tmp_path, database_url, fake, base_url=None, provider="replicate")
    user = new_user(app, "free", 30)
    result = app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert result.status == "failed" and result.balance == 30
    assert "token" not in (result.error or "").lower() and "not available" in (result.error or "")
    [stats] = app.admin.model_stats(OPERATOR)
    assert "HTTP 401" in stats.last_failure and "Invalid credentials" in stats.last_failure
    app.close()


def test_free_tier_gets_no_fallback_and_a_full_refund(
    tmp_path: Path, database_url: str, fake: FakeHF
) -> None:
    fake.default = Reply.status(403, {"error": "gated"})
    app = hf_app(tmp_path, database_url, fake)
    user = new_user(app, "free", 24)
    result = app.generations.generate(user, GenerationRequest(prompt="a portrait"))
    assert result.status == "failed" and result.balance == 24
    assert len(fake.inference_calls()) == 1
    app.close()


# --------------------------------------------------------------------------- crashes and storage


class BrokenEngine(Engine):
    """Implements `Engine` with a bug: raises something that is not an EngineError."""

    name = "broken"
    offline = False

    def plan(self, target: RouteTarget) -> Plan:
        return Plan("broken", "broken", target.width, target.height)

    def render(self, request: RenderRequest, *, deadline: float) -> RenderResult:
        raise RuntimeError("bug")


class BrokenStore(ImageStore, FileBacked):
    """Implements `ImageStore` (and `FileBacked`) over a full disk: every save fails."""

    def save(
        self,
        owner_id: int,
        name: str,
        image: Image.Image,
        recipe: Mapping[str, object],
        source_png: bytes | None = None,
    ) -> StoredImage:
        raise OSError("disk full")

    def put(self, key: str, data: bytes) -> None:
        raise OSError("disk full")

    def read(self, key: str) -> bytes:
        raise AssertionError("not reached")

    def path(self, key: str) -> Path:
        raise AssertionError("not reached")

    def delete(self, key: str) -> None:
        raise AssertionError("not reached")

    def location(self, key: str) -> str:
        raise AssertionError("not reached")


def test_engine_bug_still_refunds(tmp_path: Path, database_url: str) -> None:
    app = make_app(tmp_path, database_url, engine_impl=BrokenEngine())
    user = new_user(app, "free", 24)
    result = app.generations.generate(user, GenerationRequest(prompt="x"))
    assert result.status == "failed" and result.balance == 24 and "bug" not in (result.error or "")
    assert_ledger_ok(app)
    app.close()


def test_store_failure_refunds(tmp_path: Path, database_url: str) -> None:
    app = make_app(tmp_path, database_url, store_impl=BrokenStore())
    user = new_user(app, "free", 24)
    result = app.generations.generate(user, GenerationRequest(prompt="x"))
    assert result.status == "failed" and result.balance == 24
    assert "could not be saved" in (result.error or "")
    assert_ledger_ok(app)
    app.close()


class DeletedDuringPut:
    """Stands in for the gallery's `ImageStore` (read, put, delete): the avatar is deleted, row and
    objects, just before the first thumbnail is written, as another request might do."""

    def __init__(self, store: ImageStore, delete: Callable[[], None]) -> None:
        self.store, self.before_put = store, delete

    def read(self, key: str) -> bytes:
        return self.store.read(key)

    def put(self, key: str, data: bytes) -> None:
        before, self.before_put = self.before_put, lambda: None
        before()
        self.store.put(key, data)

    def delete(self, key: str) -> None:
        self.store.delete(key)


def test_a_thumbnail_made_while_its_avatar_is_deleted_is_not_left_behind(app: App) -> None:
    user = new_user(app, "free", 24)
    result = app.generations.generate(user, GenerationRequest(prompt="a fox", seed=5))
    assert result.ok and result.thumb_key and isinstance(app.store, FileBacked)
    gen_id, store = result.generation_id, app.store
    app.gallery.store = DeletedDuringPut(store, lambda: app.gallery.delete(user.id, gen_id))  # type: ignore[assignment]
    with pytest.raises(NotFound):
        app.gallery.image(user.id, gen_id, thumb=True)
    assert not store.path(result.thumb_key).exists()
    assert not store.path(result.image_key or "").exists()
