"""Avatars of the user's own likeness: photo handling, the offline preview, the provider routes."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageStat
from PIL.PngImagePlugin import PngImageFile

from avatar_core.bootstrap import App
from avatar_core.domain.errors import NotFound, TierRefused, ValidationError
from avatar_core.engines.hf import HFEngine
from avatar_core.infra.blobs import LocalBlobStore
from avatar_core.infra.job_table import Job
from avatar_core.services import credits
from avatar_core.services.auth import UserInfo
from avatar_core.services.catalog import LIKENESS_KEY
from avatar_core.services.generation import GenerationRequest
from avatar_core.services.photos import PhotoService
from tests.conftest import make_app
from tests.fakes.fake_hf import FakeHF, Reply
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub

GPS_IFD = 0x8825


def photo(
    colour: tuple[int, int, int], size: tuple[int, int] = (600, 800), fmt: str = "JPEG", exif: bool = True
) -> bytes:
    """A portrait-like test photo: a coloured face oval on a grey wall, with camera and GPS tags."""
    image = Image.new("RGB", size, (120, 120, 125))
    w, h = size
    ImageDraw.Draw(image).ellipse((w * 0.3, h * 0.2, w * 0.7, h * 0.65), fill=colour)
    ImageDraw.Draw(image).rectangle((w * 0.42, h * 0.35, w * 0.58, h * 0.4), fill=(20, 20, 20))
    out = io.BytesIO()
    tags = Image.Exif()
    if exif:
        tags[0x010F] = "PhoneMaker"  # Make
        tags[0x0110] = "Phone 12"  # Model
        tags.get_ifd(GPS_IFD)[2] = (51.0, 30.0, 0.0)  # GPSLatitude
    image.save(out, format=fmt, exif=tags.tobytes() if exif else b"")
    return out.getvalue()


def new_user(app: App, tier: str, total: int) -> UserInfo:
    user = app.accounts.register(f"u{uuid.uuid4().hex[:8]}", "a-long-secret-9", tier=tier)
    with app.db.transaction() as session:
        credits.adjust(session, user.id, total - user.balance, actor_id=user.id, key="top", reason="t")
    return app.accounts.get(user.id)


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[App]:
    instance = make_app(tmp_path, database_url)
    yield instance
    instance.close()


def from_photo(app: App, user: UserInfo, data: bytes, **kwargs: object) -> GenerationRequest:
    kept = app.photos.upload(user, data, consent=True)
    return GenerationRequest(from_photo=True, photo_id=kept.id, **kwargs)  # type: ignore[arg-type]


# ---- photos are personal data ---------------------------------------------------------------


def test_a_photo_is_stored_cleaned_of_every_tag(app: App) -> None:
    user = new_user(app, "basic", 50)
    raw = photo((200, 150, 120))
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(GPS_IFD)  # the upload carries GPS
    kept = app.photos.upload(user, raw, consent=True)
    data, consent_at = app.photos.read(user.id, kept.id)
    cleaned = Image.open(io.BytesIO(data))
    assert cleaned.format == "JPEG" and not cleaned.getexif() and "exif" not in cleaned.info
    assert b"PhoneMaker" not in data and b"GPS" not in data
    files = list(app.settings.photo_dir.rglob("*.jpg"))
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    assert not files[0].is_relative_to(app.settings.image_dir)
    assert consent_at is not None and (kept.width, kept.height) == (600, 800)


@pytest.mark.parametrize(
    ("data", "consent", "message"),
    [
        (photo((1, 2, 3)), False, "Please confirm"),
        (b"", True, "Choose a photo"),
        (b"GIF89a not really", True, "not a photo we can read"),
        (photo((1, 2, 3), fmt="GIF", exif=False), True, "Use a JPEG, PNG or WebP"),
        (photo((1, 2, 3), size=(200, 300)), True, "at least 256 pixels"),
        (b"\xff\xd8" + b"x" * (11 * 1024 * 1024), True, "too large: at most 10 MB"),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_kept(
    app: App, data: bytes, consent: bool, message: str
) -> None:
    user = new_user(app, "basic", 50)
    with pytest.raises(ValidationError, match=message):
        app.photos.upload(user, data, consent=consent)
    assert app.photos.current(user.id) is None and not list(app.settings.photo_dir.rglob("*.jpg"))


def test_photos_are_deleted_after_their_retention_and_on_request(app: App) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    photos = PhotoService(
        app.db,
        LocalBlobStore(app.settings.photo_dir),
        retention_hours=24,
        max_bytes=10 << 20,
        per_hour=10,
        clock=lambda: now[0],
    )
    user = new_user(app, "basic", 50)
    old = photos.upload(user, photo((10, 20, 30)), consent=True)
    now[0] += timedelta(hours=23)
    assert photos.purge() == 0
    now[0] += timedelta(hours=1, seconds=1)
    assert photos.purge() == 1
    with pytest.raises(NotFound):
        photos.read(user.id, old.id)
    young = photos.upload(user, photo((30, 20, 10)), consent=True)
    photos.delete(user.id, young.id)
    with pytest.raises(NotFound):
        photos.read(user.id, young.id)
    assert not list(app.settings.photo_dir.rglob("*.jpg"))


def test_a_new_photo_replaces_the_old_one_unless_a_queued_avatar_needs_it(app: App) -> None:
    """#23 item 3: three uploads kept three files. A replaced photo is deleted at once; one that an
    avatar still in the queue will read is kept 15 minutes longer (then the sweeper's)."""
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    photos = PhotoService(
        app.db,
        LocalBlobStore(app.settings.photo_dir),
        retention_hours=24,
        max_bytes=10 << 20,
        per_hour=10,
        clock=lambda: now[0],
    )
    user, other = new_user(app, "basic", 50), new_user(app, "basic", 50)
    theirs = photos.upload(other, photo((1, 2, 3)), consent=True)
    first = photos.upload(user, photo((10, 20, 30)), consent=True)
    second = photos.upload(user, photo((30, 20, 10)), consent=True)
    with pytest.raises(NotFound):
        photos.read(user.id, first.id)
    assert len(list(app.settings.photo_dir.rglob("*.jpg"))) == 2  # second, and the other user's
    with app.db.transaction() as session:
        session.add(Job(user_id=user.id, status="queued", payload={"photo_id": second.id}))
    third = photos.upload(user, photo((5, 5, 5)), consent=True)
    assert photos.read(user.id, second.id)  # still needed by the queued avatar
    current = photos.current(user.id)
    assert current is not None and current.id == third.id and photos.read(other.id, theirs.id)
    now[0] += timedelta(minutes=15, seconds=1)
    assert photos.purge() == 1
    with pytest.raises(NotFound):
        photos.read(user.id, second.id)
    assert photos.thumbnail(user.id, third.id)[:2] == b"\xff\xd8"  # a JPEG, for its owner only
    with pytest.raises(NotFound):
        photos.thumbnail(other.id, third.id)


def test_uploads_per_hour_are_limited(app: App) -> None:
    photos = PhotoService(
        app.db, LocalBlobStore(app.settings.photo_dir), retention_hours=24, max_bytes=10 << 20, per_hour=2
    )
    user = new_user(app, "basic", 50)
    for _ in range(2):
        photos.upload(user, photo((9, 9, 9)), consent=True)
    with pytest.raises(ValidationError, match="At most 2 photos per hour"):
        photos.upload(user, photo((9, 9, 9)), consent=True)


def test_nobody_else_can_use_or_delete_a_photo(app: App) -> None:
    owner, other = new_user(app, "basic", 50), new_user(app, "basic", 50)
    kept = app.photos.upload(owner, photo((200, 100, 100)), consent=True)
    with pytest.raises(NotFound):
        app.generations.generate(
            other, GenerationRequest(from_photo=True, photo_id=kept.id, preset="yoga-instructor")
        )
    with pytest.raises(NotFound):
        app.photos.delete(other.id, kept.id)
    assert app.accounts.get(other.id).balance == 50


# ---- the offline preview ------------------------------------------------------------------


def test_offline_preview_from_a_photo(app: App) -> None:
    user = new_user(app, "basic", 50)
    result = app.generations.generate(
        user, from_photo(app, user, photo((210, 160, 130)), preset="elegant-evening", seed=3)
    )
    assert result.ok and result.model_key == LIKENESS_KEY and result.credits_charged == 14
    item = app.gallery.get(user.id, result.generation_id)
    assert item.from_photo and "keep the person's face" in item.prompt
    assert "woman" not in item.prompt.split("keep")[0]  # identity left out of the instruction
    png = Image.open(io.BytesIO(app.store.read(result.image_key or "")))
    assert isinstance(png, PngImageFile) and png.text["source"] == "from your photo"
    assert not any(b"JFIF" in p.read_bytes() for p in app.settings.image_dir.rglob("*.png"))


def test_the_offline_preview_blends_the_face_and_keeps_an_exif_rotated_photo_upright() -> None:
    """#23 item 3: the preview was the photo pasted into a hard oval with a white rim, and a phone
    photo stored sideways (EXIF orientation 6) must come out upright."""
    from avatar_core.engines.offline.draw import head_to_pixel, placement
    from avatar_core.engines.offline.likeness import photo_preview
    from avatar_core.engines.offline.portrait import portrait_features
    from avatar_core.services.photos import clean_photo

    upright = Image.new("RGB", (600, 800), (120, 120, 125))
    ImageDraw.Draw(upright).rectangle((0, 0, 600, 260), fill=(20, 200, 20))  # green at the top
    sideways = upright.transpose(Image.Transpose.ROTATE_90)  # as the camera stored it
    tags = Image.Exif()
    tags[0x0112] = 6  # "rotate 90° clockwise to view"
    out = io.BytesIO()
    sideways.save(out, format="JPEG", exif=tags.tobytes())
    cleaned, width, height = clean_photo(out.getvalue(), 10 << 20)
    assert (width, height) == (600, 800)
    features = portrait_features("a woman", {}, 1)
    scene = photo_preview(cleaned, features, 512, 512)
    head = placement(512, 512)[1][2]
    fh = max(8, int(head * 0.6))  # the face box photo_preview uses
    cx, cy = head_to_pixel(512, 512, 0.5, 0.43)
    rgb = scene.convert("RGB").load()
    assert rgb is not None
    top = rgb[cx, cy - fh // 2 + fh // 5]
    assert isinstance(top, tuple) and top[1] > top[0] + 60  # the photo's green top is on top
    rim = [rgb[cx + dx, cy - fh // 2 + 1] for dx in range(-3, 4)]
    assert not [p for p in rim if isinstance(p, tuple) and min(p) > 235]  # no white rim


def face_pixels(app: App, image_key: str) -> Image.Image:
    image = Image.open(io.BytesIO(app.store.read(image_key))).convert("RGB")
    w, h = image.size
    return image.crop((int(w * 0.44), int(h * 0.3), int(w * 0.56), int(h * 0.42)))


def test_two_photos_give_visibly_different_previews(app: App) -> None:
    user = new_user(app, "basic", 50)
    a = app.generations.generate(
        user, from_photo(app, user, photo((220, 40, 40)), seed=1, preset="yoga-instructor")
    )
    b = app.generations.generate(
        user, from_photo(app, user, photo((40, 60, 220)), seed=1, preset="yoga-instructor")
    )
    ra, _, ba = ImageStat.Stat(face_pixels(app, a.image_key or "")).mean
    rb, _, bb = ImageStat.Stat(face_pixels(app, b.image_key or "")).mean
    assert ra > ba + 60 and bb > rb + 60  # the red photo's face is red, the blue one's blue


def test_free_tier_cannot_use_from_my_photo_and_pays_nothing(app: App) -> None:
    user = new_user(app, "free", 50)
    with pytest.raises(TierRefused, match="needs the basic tier"):
        app.generations.generate(user, from_photo(app, user, photo((1, 2, 3)), prompt="x"))
    assert app.accounts.get(user.id).balance == 50


def test_text_requests_never_run_the_likeness_model(app: App) -> None:
    user = new_user(app, "pro", 100)
    with pytest.raises(ValidationError, match="From my photo"):
        app.generations.generate(user, GenerationRequest(prompt="x", model=LIKENESS_KEY))
    assert app.generations.generate(user, GenerationRequest(prompt="x")).model_key != LIKENESS_KEY


# ---- the provider routes (the provider-faithful fake) ---------------------------------------


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHF]:
    with fake_hub(monkeypatch) as server:
        yield server


@pytest.mark.parametrize(
    ("provider", "ran"),
    [("replicate", "black-forest-labs/flux-kontext-dev"), ("fal-ai", "fal-ai/flux-kontext/dev")],
)
def test_the_provider_runs_kontext_on_the_cleaned_photo(
    tmp_path: Path, sqlite_url: str, fake: FakeHF, provider: str, ran: str
) -> None:
    engine = HFEngine(
        token=FAKE_TOKEN, provider=provider, timeout=5, poll_interval=0.01, sleep=lambda _s: None
    )
    app = make_app(tmp_path, sqlite_url, engine_impl=engine)
    fake.fal_queue_polls = 2
    user = new_user(app, "basic", 50)
    result = app.generations.generate(
        user, from_photo(app, user, photo((200, 150, 120)), preset="healthcare-professional")
    )
    run = fake.last_run()
    assert result.ok and (run.model, result.provider_model) == (ran, ran) and run.lora is None
    assert run.image_input is not None and b"PhoneMaker" not in run.image_input
    sent = Image.open(io.BytesIO(run.image_input))
    assert sent.size == (600, 800) and not sent.getexif()
    assert "teal scrubs" in run.prompt and "keep the person's face" in run.prompt
    assert result.image_key and (run.width, run.height) == (result.width, result.height)
    app.close()


def test_a_safety_filtered_likeness_is_refunded(tmp_path: Path, sqlite_url: str, fake: FakeHF) -> None:
    engine = HFEngine(token=FAKE_TOKEN, provider="replicate", timeout=5, sleep=lambda _s: None)
    app = make_app(tmp_path, sqlite_url, engine_impl=engine)
    fake.script([Reply.prediction_failed()])
    user = new_user(app, "basic", 50)
    result = app.generations.generate(user, from_photo(app, user, photo((200, 150, 120)), prompt="x"))
    assert result.status == "failed" and result.balance == 50 and "safety filter" in (result.error or "")
    app.close()
