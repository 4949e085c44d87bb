"""Benchmark 1 — overhead of one generation over a bare InferenceClient call.

The fake HF server answers every inference call after L seconds with the same photo-like 512² PNG
(a free user's default model is FLUX.1-dev base at 512²). One image is fetched N times (median)
each way: a bare `InferenceClient(model=url).text_to_image(...)`; the service `generate()` with the
HF engine; the web app (a subprocess) through Gradio's queue protocol with the session cookie, both
by hand (join + event stream, what a browser does) and with `gradio_client`. Goal: each / bare ≤ 1.05.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import (
    MODEL_ID,
    PROMPT,
    QueueClient,
    bench_app,
    bench_env,
    fake_hf,
    make_users,
    photo_png,
    serve,
    temp_dir,
)
from _report import median, report, table

GENERATE_INPUTS = [PROMPT, "", "auto", False, False, False, -1]  # prompt, preset, model, prefs, seed


def time_bare(url: str) -> float:
    """A fresh InferenceClient per call, as the engine makes one per attempt."""
    from huggingface_hub import InferenceClient

    start = time.perf_counter()
    client = InferenceClient(model=f"{url}/models/{MODEL_ID}", token="hf_test", timeout=60)
    image = client.text_to_image(
        PROMPT, width=512, height=512, num_inference_steps=28, guidance_scale=3.5, seed=1
    )
    image.load()
    return time.perf_counter() - start


def time_service(app: object, user: object) -> float:
    """`app.generations.generate(user, GenerationRequest(prompt=...))`, HF engine, fake server."""
    from avatar_core.services.generation import GenerationRequest

    start = time.perf_counter()
    result = app.generations.generate(user, GenerationRequest(prompt=PROMPT))  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    assert result.ok, result.error
    return elapsed


def time_queue(client: QueueClient) -> float:
    """/generate through the web app's queue, by hand."""
    start = time.perf_counter()
    data = client.call("generate", GENERATE_INPUTS)
    elapsed = time.perf_counter() - start
    assert data[-1].get("status") == "completed", data[-1]  # type: ignore[attr-defined]
    return elapsed


def time_gradio_client(client: object) -> float:
    """`client.predict(prompt=..., api_name="/generate")` through the web app."""
    start = time.perf_counter()
    out = client.predict(prompt=PROMPT, api_name="/generate")  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    assert out[-1].get("status") == "completed", out[-1]
    return elapsed


def gradio_floor(repeats: int) -> float:
    """Median seconds of one no-op call to a bare Gradio hello-world, by hand (the protocol's cost)."""
    with (
        temp_dir("bench-hello-") as tmp,
        serve(bench_env(Path(tmp), None), script="bench/_hello.py", health="/") as hello,
    ):
        client = QueueClient(hello.url, "")
        client.call("greet", ["warm"])
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            client.call("greet", ["bench"])
            times.append(time.perf_counter() - start)
        client.close()
    return median(times)


def main() -> None:
    """Warm each path once, then time them in interleaved rounds and print each / bare."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=1.0, help="L: fake provider seconds")
    parser.add_argument("--repeats", type=int, default=7, help="N timings per path (≥ 5)")
    args = parser.parse_args()
    latency, n = args.latency, max(5, args.repeats)
    image = photo_png(512)
    times: dict[str, list[float]] = {"bare": [], "service": [], "queue": [], "gradio_client": []}
    with fake_hf(latency, image) as fake, temp_dir("bench-overhead-") as tmp:
        url = fake.url  # type: ignore[attr-defined]
        env = bench_env(Path(tmp), url)
        app = bench_app(env)
        service_name, web_name = make_users(app, "ovh", 2)
        service_user = app.accounts.by_name(service_name)  # type: ignore[attr-defined]
        with serve(env) as server:
            cookie = server.login(web_name)
            by_hand, client = QueueClient(server.url, cookie), server.client(cookie)
            by_hand.call("session", [])  # the page load
            client.predict(api_name="/session")  # type: ignore[attr-defined]
            for i in range(n + 1):  # round 0 warms up; interleaved so drift hits every path alike
                sample = {
                    "bare": time_bare(url),
                    "service": time_service(app, service_user),
                    "queue": time_queue(by_hand),
                    "gradio_client": time_gradio_client(client),
                }
                for key, value in sample.items():
                    if i:
                        times[key].append(value)
            client.close()  # type: ignore[attr-defined]
            by_hand.close()
        app.close()  # type: ignore[attr-defined]
    floor = gradio_floor(3 * n)
    bare = median(times["bare"])
    labels = {
        "bare": "bare `InferenceClient.text_to_image`",
        "service": "service `generate()` (HF engine, SQLite, PNG stored)",
        "queue": "web app, Gradio queue by hand (cookie, join + event stream)",
        "gradio_client": "web app via `gradio_client` (cookie)",
    }
    rows = []
    for key, label in labels.items():
        med = median(times[key])
        rows.append(
            [
                label,
                f"{med * 1000:.0f}",
                f"{(med - bare) * 1000:+.0f}",
                f"**{med / bare:.3f}**",
                "✅" if med / bare <= 1.05 else "❌",
            ]
        )
    body = table(["path", "median ms", "over bare ms", "÷ bare", "≤ 1.05"], rows)
    extra = median(times["gradio_client"]) - median(times["queue"])
    web = median(times["queue"]) - median(times["service"])
    notes = (
        f"Of the by-hand row's overhead, {web * 1000:.0f} ms is the web layer; a no-op call to a "
        f"bare Gradio hello-world takes {floor * 1000:.0f} ms by hand in this run (Gradio's queue "
        f"protocol itself). gradio_client adds **{extra * 1000:+.0f} ms** on top: its result loop "
        "sleeps 50 ms whenever no message is pending (gradio_client/utils.py), which no server "
        "can avoid. The by-hand row is what a browser sees."
    )
    report(f"1. Overhead (L = {latency:g} s, N = {n}, photo-like 512² PNG)", body, notes)


if __name__ == "__main__":
    main()
