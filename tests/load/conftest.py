"""Fixtures for fault and load tests: app child processes, private PostgreSQL schemas, a fake HF."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest

from tests.fakes.fake_hf import FakeHF
from tests.load.launcher import AppProcess, child_env
from tests.load.pgschema import pg_schemas


def pytest_configure(config: pytest.Config) -> None:
    """`slow`: app child processes (~15-30 s each); still part of the default run and of CI."""
    config.addinivalue_line("markers", "slow: starts app child processes; deselect with -m 'not slow'")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report on the item, so fixtures know whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class Apps:
    """Makes app children for one test and stops every one of them afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.started: list[AppProcess] = []

    def new(
        self, name: str, *, data_dir: Path, database_url: str | None, env: dict[str, str] | None = None
    ) -> AppProcess:
        """An app child (not started yet) over `data_dir` and `database_url`."""
        proc = AppProcess(
            name=name,
            env=child_env(data_dir, database_url, env),
            cwd=self.root / f"cwd-{name}",
            log_path=self.root / f"{name}.log",
        )
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        """Terminate every child that still runs."""
        for proc in self.started:
            proc.terminate(grace=5)


@pytest.fixture
def apps(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Apps]:
    """An app-child factory; the children's logs are printed when the test fails."""
    factory = Apps(tmp_path)
    yield factory
    factory.stop_all()
    failed = any(getattr(getattr(request.node, f"rep_{p}", None), "failed", False) for p in ("setup", "call"))
    if failed:
        for proc in factory.started:
            print(f"\n----- log of {proc.name} ({proc.log_path}) -----\n{proc.log_tail()}")


@pytest.fixture
def pg_schema(apps: Apps) -> Iterator[Callable[[], str]]:
    """`pg_schemas()` for one test; the schemas are dropped after the test's apps stop."""
    with pg_schemas() as make:
        yield make
        apps.stop_all()


@pytest.fixture
def fake_hf() -> Iterator[FakeHF]:
    """A fake Hugging Face on 127.0.0.1 for child processes (they reach it via AVATAR_HF_BASE_URL)."""
    with FakeHF() as fake:
        yield fake
