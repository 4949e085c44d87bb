"""The stored PNG: the recipe in text chunks, with or without the provider's original bytes."""

from __future__ import annotations

import io
import json

from PIL import Image, ImageChops
from PIL.PngImagePlugin import PngImageFile

from avatar_core.infra.storage import png_bytes

RECIPE = {"prompt": "a portrait, café, 東京 🎨", "seed": 7, "lora": None}


def _source(mode: str = "RGB") -> tuple[Image.Image, bytes]:
    image = Image.effect_noise((64, 48), 40).convert(mode)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return image, buf.getvalue()


def _open_png(data: bytes) -> PngImageFile:
    """`data` opened as a PNG (its text chunks readable)."""
    stored = Image.open(io.BytesIO(data))
    assert isinstance(stored, PngImageFile)
    return stored


def test_provider_png_is_kept_byte_for_byte_with_the_recipe_added() -> None:
    image, source = _source()
    data = png_bytes(image, RECIPE, source_png=source)
    assert data.startswith(source[:-12]) and data.endswith(source[-12:])  # only chunks inserted
    stored = _open_png(data)
    stored.load()
    assert ImageChops.difference(stored.convert("RGB"), image).getbbox() is None
    assert json.loads(stored.text["recipe"])["seed"] == 7
    assert stored.text["prompt"] == RECIPE["prompt"] and stored.text["lora"] == ""


def test_without_usable_source_bytes_the_image_is_encoded() -> None:
    image, source = _source()
    for bad in (None, b"", source[:-12], b"GIF89a" + source[6:]):
        stored = _open_png(png_bytes(image, RECIPE, source_png=bad))
        assert stored.text["prompt"] == RECIPE["prompt"]
        assert ImageChops.difference(stored.convert("RGB"), image).getbbox() is None
