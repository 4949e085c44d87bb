"""An image from the provider is stored as received (plus the recipe), not re-encoded."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngImageFile

from avatar_core.engines.hf import HFEngine
from avatar_core.services.generation import GenerationRequest
from tests.conftest import make_app
from tests.fakes.fake_hf import Reply
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub


def test_provider_png_is_kept_with_the_recipe(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    buf = io.BytesIO()
    Image.effect_noise((512, 512), 50).convert("RGB").save(buf, format="PNG", compress_level=9)
    sent = buf.getvalue()
    raw = Reply(kind="raw", body=sent, headers={"Content-Type": "image/png"})
    with fake_hub(monkeypatch, default=raw) as fake:
        engine = HFEngine(token=FAKE_TOKEN, base_url=fake.url, timeout=5.0, max_retries=0)
        app = make_app(tmp_path, sqlite_url, engine_impl=engine)
        user = app.accounts.register(f"u{uuid.uuid4().hex[:8]}", "a-long-secret-9")
        result = app.generations.generate(user, GenerationRequest(prompt="a red fox", seed=3))
    assert result.ok, result.error
    stored = app.store.read(result.image_key or "")
    assert stored[:-12].startswith(sent[:-12]) and stored.endswith(sent[-12:])
    image = Image.open(io.BytesIO(stored))
    assert isinstance(image, PngImageFile)
    image.load()
    assert json.loads(image.text["recipe"])["seed"] == 3 and "fox" in image.text["prompt"]
    thumb = app.gallery.image(user.id, result.generation_id, thumb=True)
    assert Image.open(io.BytesIO(thumb)).size == (300, 300)
    app.close()
