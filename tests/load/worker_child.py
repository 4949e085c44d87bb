"""A worker child for the kill -9 tests: the real `avatar-creator worker`, with huggingface_hub's
provider router pointed at a FakeHF (no env var exists for it: see tests/fakes/hf_env.py).

    python tests/load/worker_child.py FAKE_URL [WORKER OPTIONS]   (default: 4 slots, quick polls)
"""

from __future__ import annotations

import sys

from huggingface_hub import constants

url = sys.argv[1].rstrip("/")
constants.ENDPOINT = url
constants.INFERENCE_PROXY_TEMPLATE = url + "/{provider}"

from avatar_core.cli.main import main  # noqa: E402 - after the router is re-pointed

options = sys.argv[2:] or ["--slots", "4", "--poll", "0.1", "--drain", "20"]
raise SystemExit(main(["worker", *options]))
