"""The stage clocks of concurrent generations share one ticker thread, which stops calling on exit."""

from __future__ import annotations

import threading
import time

from avatar_core.web.handlers.progress import StageClock, Ticker


def test_clocks_share_one_thread_and_stop_on_exit() -> None:
    ticker = Ticker()
    seen: dict[str, list[str]] = {"a": [], "b": []}
    before = threading.active_count()
    with (
        StageClock(lambda _f, desc: seen["a"].append(desc), tick=0.02, ticker=ticker) as a,
        StageClock(lambda _f, desc: seen["b"].append(desc), tick=0.02, ticker=ticker) as b,
    ):
        a.report("Generating with A (about 5 s)", 0.1)
        b.report("Generating with B (about 5 s)", 0.1)
        assert threading.active_count() <= before + 1
        time.sleep(0.15)
        a.report("Saving", 0.9)
        count = len(seen["a"])
        time.sleep(0.1)
        assert len(seen["a"]) == count  # no tick after the next stage
        assert len(seen["b"]) > 2  # the other one still ticks
    after = len(seen["b"])
    time.sleep(0.1)
    assert len(seen["b"]) == after
    assert seen["a"][-1] == "Saving" and seen["a"][1].startswith("Generating with A · 0 s of about 5 s")


def test_a_failing_progress_does_not_stop_the_others() -> None:
    ticker = Ticker()
    seen: list[str] = []

    def broken(_fraction: float, desc: str) -> None:
        if "of about" in desc:
            raise RuntimeError("closed event")

    with (
        StageClock(broken, tick=0.02, ticker=ticker) as bad,
        StageClock(lambda _f, desc: seen.append(desc), tick=0.02, ticker=ticker) as good,
    ):
        bad.report("Generating with A (about 5 s)", 0.1)
        good.report("Generating with B (about 5 s)", 0.1)
        time.sleep(0.12)
    assert len(seen) > 2
