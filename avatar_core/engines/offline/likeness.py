"""The offline preview of a likeness avatar: the user's own face, styled, in the preset's scene.

No model runs here; the preview shows what "From my photo" does: the face region of the photo is
kept recognisable (its own pixels, posterised and colour-lifted), feathered into the painted head
of the preset scene and clothes.
"""

from __future__ import annotations

import dataclasses
import io

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from avatar_core.engines.offline.draw import draw_portrait, head_to_pixel, placement
from avatar_core.engines.offline.portrait import PortraitFeatures

FACE_CENTRE_Y = 0.42  # where faces sit in portrait photos, as a fraction of the height


def face_region(photo: Image.Image) -> Image.Image:
    """A square crop around where a portrait photo's face is (centre, a little above middle)."""
    side = int(min(photo.size) * 0.72)
    cx, cy = photo.width / 2, photo.height * FACE_CENTRE_Y
    left = int(min(max(0, cx - side / 2), photo.width - side))
    top = int(min(max(0, cy - side / 2), photo.height - side))
    return photo.crop((left, top, left + side, top + side))


def styled(face: Image.Image) -> Image.Image:
    """The face as an illustration would show it: fewer tones, livelier colour, softer detail."""
    face = face.filter(ImageFilter.SMOOTH_MORE)
    face = ImageOps.posterize(face, 5)
    return ImageEnhance.Color(face).enhance(1.15)


def photo_preview(photo: bytes, features: PortraitFeatures, width: int, height: int) -> Image.Image:
    """The preset scene with the photo's face composed in place of the painted one."""
    scene = draw_portrait(dataclasses.replace(features, tilt=0.0), width, height)
    face = styled(face_region(Image.open(io.BytesIO(photo)).convert("RGB")))
    head = placement(width, height)[1][2]
    fw, fh = max(8, int(head * 0.5)), max(8, int(head * 0.6))
    cx, cy = head_to_pixel(width, height, 0.5 + features.shift, 0.43)
    box = (cx - fw // 2, cy - fh // 2)
    # A soft-edged oval, feathered over a tenth of its width: the photo's face melts into the
    # painted head (the preview used to be a hard oval with a white rim, pasted on top).
    feather = max(2, fw // 10)
    mask = Image.new("L", (fw, fh), 0)
    ImageDraw.Draw(mask).ellipse((feather, feather, fw - 1 - feather, fh - 1 - feather), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(feather * 0.6))
    scene.paste(face.resize((fw, fh), Image.Resampling.LANCZOS), box, mask)
    return scene
