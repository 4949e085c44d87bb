"""The provider fakes and the engine held to what the services were recorded answering.

Recordings: tests/recordings/ (huggingface_hub's cassettes and huggingface.js's tapes; sources and
dates in the README there). Where no recording exists, the fake says so in its docstring and
docs/providers.md lists the shape as unverified.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from PIL import Image

from avatar_core.engines.hf_results import ResultFetcher, decode
from tests.fakes.fake_hf import FakeHF, Reply
from tests.fakes.replay import RECORDINGS, Exchange, load

JS = RECORDINGS / "huggingface_js"


@pytest.fixture
def fake() -> Iterator[FakeHF]:
    """The provider fakes, called directly over HTTP (as the library would, without it)."""
    with FakeHF() as server:
        yield server


def tapes(name: str) -> list[dict[str, Any]]:
    return list(json.loads((JS / name).read_text()).values())


def recorded(cassette: str, method: str, host: str) -> Exchange:
    (exchange,) = [e for e in load(cassette) if e.method == method and e.host == host]
    return exchange


def post(fake: FakeHF, path: str, body: Any, wait: bool = True) -> httpx2.Response:
    headers = {"Prefer": "wait"} if wait else {}
    return httpx2.post(fake.url + path, json=body, headers=headers, timeout=10)


def headers_of(exchange: Exchange) -> dict[str, str]:
    return {k.lower(): v for k, v in exchange.headers}


REPLICATE_201 = recorded("replicate-text-to-image.yaml", "POST", "router.huggingface.co")
REPLICATE_202 = recorded("replicate-wait-exceeded.yaml", "POST", "api.replicate.com")
FAL_200 = recorded("fal-ai-text-to-image.yaml", "POST", "router.huggingface.co")
JS_REPLICATE_201 = [
    t for t in tapes("replicate.json") if t["init"].get("method") == "POST" and t["response"]["status"] == 201
]
JS_REPLICATE_422 = [t for t in tapes("replicate.json") if t["response"]["status"] == 422]


# ----- Replicate --------------------------------------------------------------------------------
def test_a_prediction_answered_within_the_wait_looks_as_recorded(fake: FakeHF) -> None:
    want = json.loads(REPLICATE_201.body)
    got = post(
        fake, "/replicate/v1/models/black-forest-labs/flux-dev/predictions", {"input": {"prompt": "x"}}
    )
    body = got.json()
    assert got.status_code == REPLICATE_201.status == 201
    assert got.headers["preference-applied"] == headers_of(REPLICATE_201)["preference-applied"] == "wait=60"
    assert set(body) == set(want)
    assert body["status"] == want["status"] == "processing"
    assert isinstance(body["output"], list) and isinstance(want["output"], list) and len(body["output"]) == 1
    assert set(body["urls"]) == set(want["urls"]) == {"get", "cancel", "stream"}
    assert body["urls"]["get"].startswith("https://api.replicate.com/v1/predictions/")
    assert want["urls"]["get"].startswith("https://api.replicate.com/v1/predictions/")  # even via the router
    for tape in JS_REPLICATE_201:  # every recorded 201 (direct calls, 2025): the same shape
        assert set(json.loads(tape["response"]["body"])) == set(want)


def test_a_prediction_past_the_wait_looks_as_recorded(fake: FakeHF) -> None:
    want, want_headers = json.loads(REPLICATE_202.body), headers_of(REPLICATE_202)
    fake.script([Reply.starting(polls=3)])
    got = post(
        fake, "/replicate/v1/models/black-forest-labs/flux-dev/predictions", {"input": {"prompt": "x"}}
    )
    body = got.json()
    assert got.status_code == REPLICATE_202.status == 202
    assert got.headers["location"] == body["urls"]["get"] and want_headers["location"] == want["urls"]["get"]
    assert (body["status"], body["output"]) == (want["status"], want["output"]) == ("starting", None)
    assert set(body) == set(want)


def test_a_refused_input_looks_as_recorded(fake: FakeHF) -> None:
    (tape, *_) = JS_REPLICATE_422
    want = json.loads(tape["response"]["body"])
    got = post(
        fake,
        "/replicate/v1/models/black-forest-labs/flux-dev/predictions",
        {"input": {"prompt": "x", "num_outputs": 9}},
    )
    assert (
        got.status_code == 422 and got.headers["content-type"] == tape["response"]["headers"]["content-type"]
    )
    body = got.json()
    assert set(body) == set(want) and isinstance(body["detail"], str) and body["detail"].startswith("- ")
    assert {k for f in body["invalid_fields"] for k in f} == {k for f in want["invalid_fields"] for k in f}
    assert (body["status"], body["title"]) == (want["status"], want["title"])


@pytest.mark.parametrize("tape", JS_REPLICATE_201 + [None], ids=lambda t: t["url"][-50:] if t else "router")
def test_the_engine_takes_every_recorded_output_without_polling(tape: dict[str, Any] | None) -> None:
    body = json.loads(tape["response"]["body"]) if tape else json.loads(REPLICATE_201.body)
    fetcher = ResultFetcher(timeout=5, poll_interval=0.01, download_retries=0, sleep=_no_sleep)
    url = fetcher.replicate_output(body, "http://127.0.0.1:9/replicate/v1/predictions", {}, deadline=1e12)
    output = body["output"]
    assert url == (output if isinstance(output, str) else output[0])  # a list or a string
    assert body["status"] == "processing"


def _no_sleep(_seconds: float) -> None:
    raise AssertionError("the engine polled a prediction that already had its output")


def test_the_recorded_replicate_image_is_read_from_its_bytes() -> None:
    download = recorded("replicate-text-to-image.yaml", "GET", "replicate.delivery")
    got = decode(download.body)
    assert got.png == download.body and got.image.size == (1024, 1024)  # stored as received


# ----- fal-ai -----------------------------------------------------------------------------------
def test_a_fal_answer_looks_as_recorded_and_declares_jpeg_for_a_png(fake: FakeHF) -> None:
    want = json.loads(FAL_200.body)
    got = post(fake, "/fal-ai/fal-ai/flux/dev", {"prompt": "x"}, wait=False)
    body = got.json()
    assert got.status_code == FAL_200.status == 200
    assert set(body) == set(want) and set(body["images"][0]) == set(want["images"][0])
    file = httpx2.get(body["images"][0]["url"]).content
    recorded_file = recorded("fal-ai-text-to-image.yaml", "GET", "v3.fal.media").body
    assert body["images"][0]["content_type"] == want["images"][0]["content_type"] == "image/jpeg"
    assert file.startswith(b"\x89PNG") and recorded_file.startswith(b"\x89PNG")  # both PNG bytes


def test_fal_sync_mode_data_urls_are_images() -> None:
    (tape,) = [t for t in tapes("fal-ai.json") if "flux-lora" in t["url"] and t["response"]["status"] == 200]
    url = json.loads(tape["response"]["body"])["images"][0]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    fetcher = ResultFetcher(timeout=5, poll_interval=0.01, download_retries=0)
    got = fetcher.download(url, deadline=1e12)
    assert got.image.size == (1024, 768) and got.image.format == "JPEG"
    assert got.image.tobytes() == Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).tobytes()


def test_fal_errors_look_as_recorded(fake: FakeHF) -> None:
    (bad,) = [t for t in tapes("fal-ai.json") if t["response"]["status"] == 422]
    (missing,) = [t for t in tapes("fal-ai.json") if t["response"]["status"] == 404]
    got = post(fake, "/fal-ai/fal-ai/flux/dev", {"prompt": "x", "num_inference_steps": 0}, wait=False)
    assert got.status_code == 422
    want = json.loads(bad["response"]["body"])["detail"][0]
    assert {"loc", "msg", "type"} == set(want) <= set(got.json()["detail"][0])
    assert got.json()["detail"][0]["loc"][0] == want["loc"][0] == "body"
    gone = post(fake, "/fal-ai/fal-ai/flux/nope", {"prompt": "x"}, wait=False)
    assert (gone.status_code, gone.text) == (404, missing["response"]["body"]) == (404, "404: Not Found")


# ----- hf-inference -----------------------------------------------------------------------------
def test_hf_inference_answers_jpeg_to_accept_png_and_the_size_comes_from_the_bytes() -> None:
    answer = recorded("hf-inference-text-to-image.yaml", "POST", "router.huggingface.co")
    assert headers_of(answer)["content-type"] == "image/jpeg"
    got = decode(answer.body)
    assert got.png is None and got.image.format == "JPEG" and got.image.size == (512, 512)
