"""Collecting a provider's result: polling a pending prediction or queued job, downloading the image.

A Replicate prediction's `output` is taken as soon as it is there, whatever its status (as
recorded); one without output yet is polled at its `urls.get`, never re-submitted (it keeps
running and is billed); a fal queue job is polled as huggingface_hub 2.4's `FalAIQueueTask` does, bounded
by the generation's deadline; a failed download is retried as a download, never a generation.
"""

from __future__ import annotations

import base64
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2
from huggingface_hub.utils import get_session, hf_raise_for_status
from PIL import Image

from avatar_core.engines.hf_errors import BadImageError, ProviderFailure

log = logging.getLogger("avatar_core.engines.hf")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Received:
    """One received image (a PNG opened lazily, anything else decoded) and, for a PNG, its bytes."""

    image: Image.Image
    png: bytes | None


class ResultFetcher:
    """Polls pending provider jobs and downloads finished images, all bounded by a deadline."""

    def __init__(
        self,
        *,
        timeout: float,
        poll_interval: float,
        download_retries: int,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout, self.poll_interval, self.download_retries = timeout, poll_interval, download_retries
        self._sleep, self._clock = sleep, clock

    def replicate_output(
        self,
        body: dict[str, Any],
        post_url: str,
        headers: dict[str, Any],
        deadline: float,
        stop: Callable[[], bool] | None = None,
    ) -> str:
        """The output URL of a prediction: its `output` whenever it has one, whatever the status
        (every recorded `Prefer: wait` answer says "processing" with the image already in `output`,
        and huggingface_hub takes it so too); only a prediction without output yet is polled, at
        its `urls.get` re-rooted on the router (a path no recording shows: docs/providers.md)."""
        while True:
            status, output = body.get("status"), body.get("output")
            if status in ("failed", "canceled"):
                error = str(body.get("error") or f"prediction {status}")
                raise ProviderFailure("content" if "nsfw" in error.lower() else "rejected", error)
            url = output[0] if isinstance(output, list) and output else output
            if isinstance(url, str) and url:
                return url
            if status == "succeeded":
                raise BadImageError(f"prediction {body.get('id')} succeeded without an output")
            urls = body.get("urls") or {}
            if stop is not None and stop():  # cancelled by its user, or taken over: stop paying
                self._cancel(urls.get("cancel"), post_url, headers)
                raise ProviderFailure("cancelled", f"prediction {body.get('id')} cancelled while {status}")
            if self._clock() + self.poll_interval >= deadline:
                self._cancel(urls.get("cancel"), post_url, headers)
                raise TimeoutError(f"prediction {body.get('id')} still {status} at the deadline")
            self._sleep(self.poll_interval)
            wait = min(self.timeout, max(1.0, deadline - self._clock()))
            poll = get_session().get(via(post_url, urls["get"]), headers=headers, timeout=wait)
            hf_raise_for_status(poll)
            body = poll.json()

    def fal_result(
        self, body: dict[str, Any], post_url: str, headers: dict[str, Any], deadline: float
    ) -> dict[str, Any]:
        """Poll a fal queue job until COMPLETED, then fetch its result (URLs built as the library does).

        huggingface_hub 2.4 `FalAIQueueTask.get_response` polls `<base><response_url path>/status`
        with no deadline; this is the same protocol, bounded by the generation's deadline.
        """
        parts = urlsplit(post_url)
        router = parts.netloc == "router.huggingface.co"
        base = f"{parts.scheme}://{parts.netloc}" + ("/fal-ai" if router else "")
        query = f"?{parts.query}" if parts.query else ""
        path = urlsplit(str(body.get("response_url") or "")).path
        status = body.get("status")
        while status != "COMPLETED":
            if self._clock() + self.poll_interval >= deadline:
                raise TimeoutError(f"fal job {body.get('request_id')} still {status} at the deadline")
            self._sleep(self.poll_interval)
            poll = get_session().get(f"{base}{path}/status{query}", headers=headers, timeout=self.timeout)
            hf_raise_for_status(poll)
            status = poll.json().get("status")
        result = get_session().get(f"{base}{path}{query}", headers=headers, timeout=self.timeout)
        hf_raise_for_status(result)
        return dict(result.json())

    def _cancel(self, cancel_url: str | None, post_url: str, headers: dict[str, Any]) -> None:
        """Best effort: stop a prediction we will not wait for (it would be billed)."""
        if not cancel_url:
            return
        try:
            get_session().post(via(post_url, cancel_url), headers=headers, timeout=5.0)
        except Exception as exc:  # noqa: BLE001 - best effort; logged for operators
            log.warning("hf.cancel_failed url=%s error=%s", cancel_url, exc)

    def download(self, url: str, deadline: float) -> Received:
        """Fetch a finished result, retrying the download itself (never the generation). A `data:`
        URL (fal's sync_mode answers, recorded) holds the image itself."""
        if url.startswith("data:"):
            try:
                return decode(base64.b64decode(url.split(",", 1)[1], validate=True))
            except (IndexError, ValueError, BadImageError) as exc:
                raise ProviderFailure("download", f"undecodable data URL: {exc}") from exc
        last: Exception | None = None
        for attempt in range(1 + self.download_retries):
            if attempt:
                self._sleep(min(2.0, 0.5 * 2 ** (attempt - 1)))
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            try:
                response = get_session().get(url, timeout=min(self.timeout, remaining))
                response.raise_for_status()
                return decode(response.content)
            except (httpx2.HTTPError, OSError, BadImageError) as exc:
                last = exc
        raise ProviderFailure("download", f"result download failed: {last}")


def via(post_url: str, provider_url: str) -> str:
    """`provider_url` (e.g. Replicate's urls.get) re-rooted on the base the POST went to.

    Through the HF router the POST goes to `<router>/replicate/v1/models/...`; the prediction's
    own URLs name api.replicate.com, which an HF token cannot call directly.
    """
    base = post_url[: post_url.index("/v1/")] if "/v1/" in post_url else post_url.rstrip("/")
    parts = urlsplit(provider_url)
    path = parts.path[parts.path.index("/v1/") :] if "/v1/" in parts.path else parts.path
    return base + path + (f"?{parts.query}" if parts.query else "")


def fal_output(body: dict[str, Any]) -> str:
    """The image URL of a fal response; a safety-filtered result is a content failure."""
    if any(body.get("has_nsfw_concepts") or ()):
        raise ProviderFailure("content", "the provider's safety checker flagged the image")
    return str(body["images"][0]["url"])


def decode(data: bytes) -> Received:
    """Check a received image whole; its pixels are decoded only when something needs them.

    A PNG (what every route asks for) is checked chunk by chunk, as Pillow's `verify()` does:
    every chunk's CRC, IEND present, so a truncated or corrupted body fails here. That takes
    ~0.4 ms for a photo-like 512² PNG where decoding its pixels takes ~16 ms (~65 ms at 1024²,
    the size Replicate makes for LoRA rows), and nothing on the generation path needs the pixels:
    the PNG is stored as received and the thumbnail is made when the gallery first asks for it
    (`Gallery.image`). The returned image is opened again, lazily (Pillow loads on first pixel
    access). Other formats are decoded in full (a truncated body only fails on load).
    """
    try:
        image = Image.open(io.BytesIO(data))
        if image.format == "PNG" and data.startswith(PNG_SIGNATURE):
            image.verify()  # spends the object: open again for the caller
            return Received(Image.open(io.BytesIO(data)), data)
        image.load()
    except Exception as exc:  # noqa: BLE001 - PIL raises OSError, SyntaxError, ValueError...
        raise BadImageError(f"undecodable image: {exc}") from exc
    return Received(image, None)
