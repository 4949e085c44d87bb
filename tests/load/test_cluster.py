"""The cluster: nginx (sticky on the session cookie) + 2 app processes + PostgreSQL + S3 (moto).

One cluster for the module (scripts/cluster.py), a fake provider in this process. A browser user
signs up and generates through nginx during a burst of 50 generations from 50 users, which must
be spread over both processes; then one process is killed -9 while generations wait on the
provider: the other keeps serving, the killed one's generations are refunded exactly once, the
ledger checks clean, and every completed avatar is readable through either process.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from avatar_core.config import load_settings
from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation, LedgerEntry, User
from avatar_core.infra.storage_s3 import S3ImageStore, make_store
from scripts.cluster import Cluster, GenerateClient, nginx_binary
from tests.conftest import missing
from tests.fakes.fake_hf import FakeHF, Reply
from tests.load.launcher import PASSWORD, SECRET_KEY, hf_fake_env
from tests.load.pgschema import pg_schemas

PRICE = 8  # the free tier's default model
DEADLINE = 5  # s: the provider call's deadline
LEASE = 3  # s (AVATAR_GENERATION_LEASE): a killed process's generations are refunded ~LEASE after
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*"),
]
UPSTREAM = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) .* upstream=(?P<up>[\d.:, ]+) rt='
)


@dataclass
class Person:
    """A user of the cluster with a session cookie."""

    name: str
    cookie: str


CONFIG: dict[str, Any] = {}  # Gradio's /config, fetched once


def generate(person: Person, url: str, prompt: str, delay: float = 0.0) -> dict[str, Any]:
    """One generation through `url` (Gradio's queue protocol); the result record."""
    client = GenerateClient(url, person.cookie, CONFIG or None)
    CONFIG.update(client.config)
    try:
        time.sleep(delay)
        return client.generate(prompt)
    finally:
        client.close()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHF]:
    """The provider, answering after 0.5 s unless a test says otherwise."""
    with FakeHF(Reply.sleep(0.5)) as hf:
        yield hf


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest, fake: FakeHF) -> Iterator[Cluster]:
    """Two app processes behind nginx on one private PostgreSQL schema and one moto bucket."""
    try:
        nginx_binary()
    except SystemExit:
        missing("nginx (apt-get install nginx)")
    if shutil.which("moto_server") is None and not _has_moto():
        missing("moto[server] (pip install -r requirements-dev.txt)")
    failed_before = request.session.testsfailed
    env = hf_fake_env(
        fake.url,
        AVATAR_GENERATION_DEADLINE=str(DEADLINE),
        AVATAR_GENERATION_LEASE=str(LEASE),
        AVATAR_CONCURRENCY="32",
    )
    with pg_schemas() as make_schema:
        started = time.monotonic()
        with Cluster(processes=2, env=env, database_url=make_schema(), secret_key=SECRET_KEY) as c:
            print(f"cluster up in {time.monotonic() - started:.1f} s: {c.url} -> {c.app_urls}")
            yield c
            if request.session.testsfailed > failed_before:
                for log in sorted((c.dir / "logs").glob("*.log")):
                    print(f"\n----- {log.name} -----\n{log.read_text(errors='replace')[-5000:]}")
                print(f"\n----- nginx error.log -----\n{_read(c.dir / 'nginx' / 'error.log')}")


def _has_moto() -> bool:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return False
    return True


def _read(path: Any) -> str:
    try:
        return str(path.read_text(errors="replace"))[-5000:]
    except OSError:
        return "(none)"


def make_people(cluster: Cluster, prefix: str, count: int) -> list[Person]:
    """`count` users (created with a cheap hash, welcome credits only), logged in through nginx."""
    from avatar_core.bootstrap import bootstrap
    from avatar_core.services.auth import make_hasher

    app = bootstrap(
        load_settings(cluster.app_env(0), dotenv_path=None), hasher=make_hasher(rounds=1, memory_kib=1024)
    )
    try:
        for i in range(count):
            app.accounts.register(f"{prefix}{i:02d}", PASSWORD)
    finally:
        app.close()
    people = []
    with httpx.Client(base_url=cluster.url, timeout=30) as http:
        for i in range(count):
            name = f"{prefix}{i:02d}"
            r = http.post("/login", data={"username": name, "password": PASSWORD})
            assert r.status_code == 303, r.text[:500]
            people.append(Person(name, str(r.cookies["avatar_session"])))
            http.cookies.clear()
    return people


def cookie(value: str) -> dict[str, str]:
    """The Cookie header of a session."""
    return {"Cookie": f"avatar_session={value}"}


def access_lines(cluster: Cluster) -> list[re.Match[str]]:
    """nginx's access log, parsed (method, path, status, upstream)."""
    lines = cluster.access_log.read_text().splitlines()
    return [m for m in map(UPSTREAM.search, lines) if m]


def upstream_of(cluster: Cluster, people: list[Person]) -> dict[str, int]:
    """Which app process (index) nginx sends each person to: a tagged /healthz per person."""
    with httpx.Client(base_url=cluster.url, timeout=10) as http:
        for p in people:
            probe = http.get(f"/healthz?probe={p.name}", headers=cookie(p.cookie))
            assert probe.status_code == 200
    ports = {f"127.0.0.1:{port}": i for i, port in enumerate(cluster.app_ports)}
    seen = {
        m["path"].split("probe=")[1]: ports[m["up"].split(",")[-1].strip()]
        for m in access_lines(cluster)
        if "probe=" in m["path"]
    }
    return {p.name: seen[p.name] for p in people}


def generations(url: str) -> list[tuple[str, int, str, str | None]]:
    """(username, generation id, status, error) of every generation."""
    db = Database(url)
    try:
        with db.read() as s:
            query = select(User.username, Generation.id, Generation.status, Generation.error)
            rows = s.execute(query.join(User, User.id == Generation.user_id).order_by(Generation.id)).all()
            return [(name, gen_id, status, error) for name, gen_id, status, error in rows]
    finally:
        db.dispose()


def ledger_rows(url: str, gen_id: int) -> list[tuple[str, int]]:
    """(type, amount) of the ledger rows of one generation."""
    db = Database(url)
    try:
        with db.read() as s:
            query = select(LedgerEntry.type, LedgerEntry.amount)
            rows = s.execute(query.where(LedgerEntry.generation_id == gen_id).order_by(LedgerEntry.id)).all()
            return [(type_, amount) for type_, amount in rows]
    finally:
        db.dispose()


def run_all(jobs: list[Callable[[], Any]], timeout: float) -> list[Any]:
    """Run each job in its own thread; results (or the exception) in order."""
    results: list[Any] = [TimeoutError("did not finish")] * len(jobs)

    def run(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # noqa: BLE001 - inspected by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(jobs))]
    for t in threads:
        t.start()
    end = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    return results


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll until `predicate()` is truthy."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def test_browser_user_and_50_generations_over_both_processes(cluster: Cluster, fake: FakeHF) -> None:
    from tests.e2e import browser

    if not browser.chromium_available():
        missing("Chromium + Playwright (apt-get install chromium; pip install playwright)")
    from playwright.sync_api import sync_playwright

    people = make_people(cluster, "burst", 50)
    where = upstream_of(cluster, people)
    assert set(where.values()) == {0, 1}, f"50 sessions all hashed to one process: {where}"
    # 50 generations spread over ~5 s, while a browser signs up and generates through nginx
    window: dict[str, float] = {}
    burst: list[Any] = []

    def run_burst() -> None:
        window["start"] = time.monotonic()
        burst.extend(
            run_all(
                [
                    partial(generate, p, cluster.url, f"burst portrait {i}", i * 0.1)
                    for i, p in enumerate(people)
                ],
                timeout=90,
            )
        )
        window["end"] = time.monotonic()

    burster = threading.Thread(target=run_burst, daemon=True)
    with sync_playwright() as pw:
        chromium = browser.launch(pw)
        try:
            page = browser.signup(chromium, cluster.url, "browser-user", PASSWORD)
            burster.start()
            time.sleep(1.0)
            window["browser_generate"] = time.monotonic()
            browser.generate(page, "a lighthouse keeper, oil painting")
            window["browser_done"] = time.monotonic()
            src = page.locator("#result-image img.avatar-result").get_attribute("src") or ""
        finally:
            chromium.close()
    burster.join(120)
    assert not burster.is_alive(), "the burst did not finish"
    assert window["start"] < window["browser_generate"] < window["end"], window  # during the burst

    failures = [r for r in burst if not (isinstance(r, dict) and r.get("status") == "completed")]
    assert failures == [], failures[:5]
    joins = Counter(
        m["up"]
        for m in access_lines(cluster)
        if m["path"].startswith("/gradio_api/queue/join") and m["status"] == "200"
    )
    print(f"queue joins per process: {dict(joins)}; browser image: {src[:60]}")
    assert len(joins) == 2 and min(joins.values()) >= 5, joins
    assert sum(joins.values()) >= 51
    done = [g for g in generations(str(cluster.database_url)) if g[2] == "completed"]
    assert len(done) == 51
    check = cluster.cli("credits", "check")
    assert check.returncode == 0 and "ledger OK" in check.stdout, check.stdout + check.stderr
    # nginx refuses uploads above AVATAR_MAX_UPLOAD_MB (10 MB) + 1 MB of form before any app sees them
    big = httpx.post(
        f"{cluster.url}/gradio_api/upload",
        headers=cookie(people[0].cookie),
        files={"files": ("big.png", b"x" * (12 << 20), "image/png")},
        timeout=30,
    )
    assert big.status_code == 413, big.status_code


def test_kill_9_mid_burst(cluster: Cluster, fake: FakeHF) -> None:
    url = str(cluster.database_url)
    people = make_people(cluster, "crash", 16)
    where = upstream_of(cluster, people)
    victim = Counter(where.values()).most_common(1)[0][0]
    survivor = 1 - victim
    on_victim = [p for p in people if where[p.name] == victim]
    on_survivor = [p for p in people if where[p.name] == survivor]
    assert on_victim and on_survivor, where

    fake.default = Reply.sleep(3.0)  # every generation is still at the provider when the kill comes
    calls_before = len(fake.inference_calls())
    results: list[Any] = []
    burster = threading.Thread(
        target=lambda: results.extend(
            run_all(
                [partial(generate, p, cluster.url, f"crash portrait {p.name}") for p in people], timeout=60
            )
        ),
        daemon=True,
    )
    burster.start()
    wait_for(
        lambda: len(fake.inference_calls()) - calls_before >= len(people),
        30,
        "every generation to reach the provider",
    )
    running = {g[1] for g in generations(url) if g[2] == "running"}
    assert len(running) == len(people), running
    cluster.kill_app(victim)
    killed_at = time.monotonic()
    fake.default = Reply.sleep(0.3)
    # a supervisor restarts it; meanwhile nginx sends its users to the survivor
    restart = threading.Thread(target=cluster.restart_app, args=(victim,), daemon=True)
    restart.start()

    # The survivor keeps serving: a user of each process generates right away through nginx
    # (the victim's user is routed to the survivor: connection refused -> next upstream).
    after = run_all(
        [
            lambda: generate(on_survivor[0], cluster.url, "after the crash, survivor"),
            lambda: generate(on_victim[0], cluster.url, "after the crash, rerouted"),
        ],
        timeout=30,
    )
    assert [r.get("status") if isinstance(r, dict) else repr(r) for r in after] == ["completed"] * 2
    burster.join(60)
    by_name = dict(zip([p.name for p in people], results, strict=True))
    for p in on_survivor:  # answered: completed, or refunded when the victim's worker had its job
        r = by_name[p.name]
        assert isinstance(r, dict), (p.name, r)
        assert r["status"] == "completed" or "interrupted" in (r.get("error") or ""), (p.name, r)
    assert not any(
        isinstance(r, dict) and r.get("status") == "completed" for r in (by_name[p.name] for p in on_victim)
    ), by_name

    # The killed process's generations: refunded once, by the survivor's sweeper or the restart.
    restart.join(90)
    assert cluster.apps[victim].alive, cluster.apps[victim].log_tail()
    victims = {p.name for p in on_victim}
    interrupted = [g for g in generations(url) if g[0] in victims and g[1] in running]
    wait_for(
        lambda: not any(g[2] == "running" for g in generations(url)),
        3 * DEADLINE + 10,
        "the interrupted generations to be refunded",
    )
    print(
        f"killed app{victim} with {len(interrupted)} generation(s) in flight; all refunded "
        f"{time.monotonic() - killed_at:.1f} s after the kill"
    )
    by_id = {g[1]: g for g in generations(url)}
    refunded = 0
    for _, gen_id, _, _ in interrupted:  # each ran in some process's worker (both claim them all)
        _, _, status, error = by_id[gen_id]
        if status == "completed":  # the survivor's worker had it: it finished, charged once
            assert [t for t, _ in ledger_rows(url, gen_id)] == ["reserve", "capture"]
            continue
        # the victim's worker had it: sent, no request id to resume (this route answers in one
        # request), so the survivor's worker refunded it once its lease ran out
        assert status == "failed" and error and "interrupted" in error, by_id[gen_id]
        assert ledger_rows(url, gen_id) == [("reserve", -PRICE), ("release", PRICE)]
        refunded += 1
    assert refunded, "the killed process ran none of its users' generations"
    for p in on_survivor:
        [gen] = [g for g in by_id.values() if g[0] == p.name and g[1] in running]
        settled = [t for t, _ in ledger_rows(url, gen[1])]
        assert settled == (["reserve", "capture"] if gen[2] == "completed" else ["reserve", "release"])
    check = cluster.cli("credits", "check")
    assert check.returncode == 0 and "ledger OK" in check.stdout, check.stdout + check.stderr

    # Every completed avatar (both tests) is readable through either process, by its owner only.
    cookies = {p.name: p.cookie for p in people}
    cookies.update(
        {
            p.name: p.cookie
            for p in make_cookies(
                cluster,
                sorted({g[0] for g in by_id.values() if g[0] not in cookies and g[0] != "browser-user"}),
            )
        }
    )
    completed = [g for g in by_id.values() if g[2] == "completed" and g[0] in cookies]
    assert len(completed) >= 51 + len(on_survivor)
    for app_url in cluster.app_urls:
        with httpx.Client(base_url=app_url, timeout=30) as http:
            for name, gen_id, _, _ in completed:
                r = http.get(f"/avatars/{gen_id}/image.png", headers=cookie(cookies[name]))
                assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n", (app_url, gen_id)
                # made by the first process asked, kept in the bucket, served by the other from there
                r = http.get(f"/avatars/{gen_id}/thumb.webp", headers=cookie(cookies[name]))
                assert r.status_code == 200 and r.content[8:12] == b"WEBP", (app_url, gen_id)
            stranger = cookies[on_victim[0].name]
            foreign = next(g for g in completed if g[0] != on_victim[0].name)
            assert http.get(f"/avatars/{foreign[1]}/image.png", headers=cookie(stranger)).status_code == 404
    bucket = make_store(load_settings(cluster.app_env(0), dotenv_path=None))
    assert isinstance(bucket, S3ImageStore)
    thumbs = [p for p in bucket.fs.find(f"{bucket.bucket}/{bucket.prefix}") if p.endswith(".thumb.webp")]
    assert len(thumbs) >= len(completed)  # made on the first request, kept for the other process


def make_cookies(cluster: Cluster, names: list[str]) -> list[Person]:
    """Log existing users in again (through nginx) for their cookies."""
    people = []
    with httpx.Client(base_url=cluster.url, timeout=30) as http:
        for name in names:
            r = http.post("/login", data={"username": name, "password": PASSWORD})
            assert r.status_code == 303, r.text[:300]
            people.append(Person(name, str(r.cookies["avatar_session"])))
            http.cookies.clear()
    return people
