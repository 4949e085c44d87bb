"""Serve the web app like app.py does, for benchmarks (settings from the environment only).

`--gradio-defaults` builds the same app with Gradio's default queue settings (default concurrency
limit 1 per event) to compare against.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    """Bootstrap, init, serve on 127.0.0.1:--port."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--gradio-defaults",
        action="store_true",
        help="Gradio's default queue concurrency instead of AVATAR_CONCURRENCY",
    )
    args = parser.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    logging.basicConfig(level=logging.WARNING)

    import uvicorn

    from avatar_core.bootstrap import bootstrap, init
    from avatar_core.config import load_settings
    from avatar_core.web.server import create_web_app

    app = bootstrap(load_settings(dotenv_path=None))
    init(app)
    # (the keyword only when asked: older trees, measured for before/after, lack it)
    web = create_web_app(app, gradio_defaults=True) if args.gradio_defaults else create_web_app(app)
    uvicorn.run(web, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
