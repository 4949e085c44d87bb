"""A bare Gradio hello-world, started like app.py (`python bench/_hello.py --port N`).

The cold-start benchmark compares against it; with `--sleep L --concurrency 32` the concurrency
benchmark uses it to show what Gradio alone costs.
"""

from __future__ import annotations

import argparse
import os
import time

SLEEP = 0.0


def greet(name: str) -> str:
    """Hello, name (after --sleep seconds, to stand in for a provider call)."""
    if SLEEP:
        time.sleep(SLEEP)
    return f"Hello, {name}!"


def main() -> int:
    """Build a one-textbox Blocks and launch it on 127.0.0.1:--port."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--sleep", type=float, default=0.0, help="seconds each call waits")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="default_concurrency_limit; Gradio's default (1) if unset",
    )
    args = parser.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    global SLEEP
    SLEEP = args.sleep

    import gradio as gr

    with gr.Blocks(title="Hello") as demo:
        name = gr.Textbox(label="Name")
        out = gr.Textbox(label="Greeting")
        gr.Button("Greet").click(greet, name, out, api_name="greet")
    if args.concurrency:
        demo.queue(api_open=False, default_concurrency_limit=args.concurrency)
    demo.launch(server_name="127.0.0.1", server_port=args.port, ssr_mode=False, quiet=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
