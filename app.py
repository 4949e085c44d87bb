"""Avatar Creator web app: `python app.py` serves it on http://127.0.0.1:7860.

Honours GRADIO_SERVER_NAME / GRADIO_SERVER_PORT; settings come from the environment and `.env`
(see .env.example). The same file runs on Hugging Face Spaces.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys


class JsonFormatter(logging.Formatter):
    """One JSON object per log line (AVATAR_LOG_FORMAT=json), for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        import json

        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def main(argv: list[str] | None = None) -> int:
    """Migrate and seed, then serve the web app."""
    parser = argparse.ArgumentParser(
        prog="app.py",
        description="Serve Avatar Creator (sign-up, generate, gallery, admin). Settings come from "
        "the environment and .env; see .env.example.",
    )
    parser.add_argument("--host", help="address to listen on (default GRADIO_SERVER_NAME or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default GRADIO_SERVER_PORT or 7860)")
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("alembic", "httpx", "httpx2", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    import uvicorn

    from avatar_core.bootstrap import bootstrap, init
    from avatar_core.config import load_settings
    from avatar_core.domain.errors import AvatarError
    from avatar_core.services.verify import log_routes
    from avatar_core.web.server import create_web_app

    try:
        app = bootstrap(load_settings())
        if app.settings.log_format == "json":
            for handler in logging.getLogger().handlers:
                handler.setFormatter(JsonFormatter())
        init(app)
    except AvatarError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    recovered = app.generations.recover_stale()
    if recovered:
        logging.getLogger("avatar_core").info("recovered %d interrupted generation(s)", recovered)
    if app.settings.worker_slots:  # this process runs jobs too (one machine, Spaces)
        app.generations.start_worker(app.settings.worker_slots)
    else:  # only `avatar-creator worker` processes run them (docs/scaling.md)
        app.generations.elsewhere = True
    log_routes(app.catalog, app.engine)  # what really runs per model; unsold rows warned
    web = create_web_app(app)
    host = args.host or app.settings.server_name
    port = args.port or app.settings.server_port
    print(
        f"Avatar Creator on http://{host}:{port}  ({'offline previews' if app.offline else 'Hugging Face'})",
        flush=True,
    )
    # Everything built so far (Gradio's Blocks, SQLAlchemy's mappers, botocore's models: ~300k
    # objects) lives as long as the process: keep the cyclic GC from re-scanning it. Each full
    # collection otherwise took ~0.25 s with the GIL held, ~5 % of the CPU under load (bench_cpu).
    gc.collect()
    gc.freeze()
    # X-Forwarded-* are read by our own code, and only with AVATAR_TRUST_PROXY (uvicorn would
    # otherwise believe them from any loopback peer).
    # uvicorn.access is silenced above; access_log=False also skips building its records.
    # loop/http stay "auto": uvicorn takes uvloop and httptools (requirements.txt) when installed.
    uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=False, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
