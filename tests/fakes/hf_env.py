"""Point huggingface_hub at a FakeHF for one test, with no import-order tricks.

Checked in huggingface_hub 2.4.0:
- `constants.ENDPOINT` (from HF_ENDPOINT) is computed at import, but every Hub lookup builds a fresh
  `HfApi()` that reads `constants.ENDPOINT` at call time -> patching the constant is enough.
- `constants.INFERENCE_PROXY_TEMPLATE` is read at call time by replicate/fal-ai/... for tokens
  starting with "hf_"; but the hf-inference helpers (one object per task in `PROVIDERS`, built at
  import) copy it into `base_url` and build `/models/<id>` URLs from that copy -> re-pointed too.
- `constants.HF_HUB_OFFLINE` is computed at import from HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE and then
  read at call time by the request hook (`is_offline_mode()`) -> unsetting the env var is NOT enough
  once the library is imported; patch the constant too. Same for HF_HUB_DISABLE_TELEMETRY.
- `constants.HUGGINGFACE_CO_URL_TEMPLATE` (used for fal-ai LoRA weight URLs) stays frozen at import:
  with the constant patched, fal-ai payloads still name https://huggingface.co/... as in production.
- Provider mappings (`_fetch_inference_provider_mapping`) and hf-inference task checks
  (`_check_supported_task`) are `lru_cache`d per process: cleared here before and after each test.

Use from a test or a conftest fixture (the monkeypatch fixture undoes everything afterwards):

    @pytest.fixture
    def fake_hf(monkeypatch):
        with fake_hub(monkeypatch) as fake:   # FakeHF started + use_fake_hub(monkeypatch, fake.url)
            yield fake

A child process (e.g. the app under e2e tests) inherits HF_ENDPOINT from `use_fake_hub`, which
covers Hub lookups; there is no env var for the provider router, so such a process must also set
`huggingface_hub.constants.INFERENCE_PROXY_TEMPLATE = url + "/{provider}"` itself (or use base_url).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fakes.fake_hf import FakeHF, Reply

FAKE_TOKEN = "hf_test"


def isolate_hf_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No offline mode, no telemetry, no token from the machine's env or token file."""
    from huggingface_hub import constants

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(Path("/nonexistent/hf-token-for-tests")))


def use_fake_hub(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Send Hub lookups and provider-router calls to `url` for the rest of this test."""
    from huggingface_hub import constants

    isolate_hf_env(monkeypatch)
    monkeypatch.setenv("HF_ENDPOINT", url)  # for subprocesses started by the test
    monkeypatch.setattr(constants, "ENDPOINT", url.rstrip("/"))
    monkeypatch.setattr(constants, "INFERENCE_PROXY_TEMPLATE", url.rstrip("/") + "/{provider}")
    # hf-inference helpers froze INFERENCE_PROXY_TEMPLATE into `base_url` at import and build model
    # URLs from it: re-point the live helper objects too (undone by monkeypatch).
    from huggingface_hub.inference._providers import PROVIDERS

    for helper in PROVIDERS["hf-inference"].values():
        monkeypatch.setattr(helper, "base_url", url.rstrip("/") + "/hf-inference")
    clear_hub_caches()


@contextmanager
def fake_hub(monkeypatch: pytest.MonkeyPatch, default: Reply | None = None) -> Iterator[FakeHF]:
    """A running FakeHF that huggingface_hub talks to; caches cleared on the way out too."""
    with FakeHF(default) as fake:
        use_fake_hub(monkeypatch, fake.url)
        try:
            yield fake
        finally:
            clear_hub_caches()


def clear_hub_caches() -> None:
    """Forget provider mappings and task checks cached by earlier calls in this process."""
    from huggingface_hub.inference._providers import _common, hf_inference

    _common._fetch_inference_provider_mapping.cache_clear()
    hf_inference._check_supported_task.cache_clear()
