"""`avatar-creator` in-process on SQLite: init, verify, users, credits, models, errors and help."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from avatar_core.cli.main import build_parser, main
from tests.conftest import make_app
from tests.fakes.fake_hf import FakeHF
from tests.fakes.hf_env import FAKE_TOKEN, fake_hub

ROOT = Path(__file__).resolve().parents[2]
MODEL_KEYS = [
    "avatar-creator:flux-dev-base",
    "avatar-creator:flux-dev-realism",
    "avatar-creator:flux-dev-hd-realism",
    "avatar-creator:flux-schnell-fast",
    "avatar-creator:flux-kontext-likeness",
]
JSON_MODEL_FIELDS = {
    "model_key",
    "name",
    "tier",
    "credit_cost",
    "model_id",
    "lora_model",
    "lora_scale",
    "width",
    "height",
    "steps",
    "guidance_scale",
    "enabled",
    "endpoint_url",
    "endpoint_handler",
    "license",
    "cost_usd",
}
# Everything load_settings reads; cleared so the developer's shell cannot leak into a test.
SETTINGS_ENV = (
    "DATABASE_URL",
    "AVATAR_DATA_DIR",
    "HF_TOKEN",
    "HUGGINGFACE_API_KEY",
    "AVATAR_HF_BASE_URL",
    "AVATAR_HF_PROVIDER",
    "AVATAR_HF_TIMEOUT",
    "AVATAR_ENGINE",
    "AVATAR_HF_BASE_URL_HANDLER",
    "AVATAR_GENERATION_DEADLINE",
    "AVATAR_SECRET_KEY",
    "AVATAR_ADMIN_USERNAME",
    "AVATAR_ADMIN_PASSWORD",
    "AVATAR_SIGNUP_CREDITS",
    "AVATAR_CONCURRENCY",
    "AVATAR_ENV",
    "SYSTEM",
)
PASSWORD = "a-long-secret-9"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """Runs `avatar-creator ARGS` in-process and captures its exit code and output."""

    def __init__(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_path: Path
    ) -> None:
        self.capsys, self.monkeypatch, self.db_path = capsys, monkeypatch, db_path

    def __call__(self, *argv: str, stdin: str | None = None) -> Result:
        if stdin is not None:
            self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: --help and usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err
        return Result(code, out, err)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # no stray .env is read
    db_path = tmp_path / "cli.db"
    monkeypatch.setenv("AVATAR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_path}")
    monkeypatch.setenv("AVATAR_ENGINE", "local")
    yield Cli(capsys, monkeypatch, db_path)


@pytest.fixture
def ready(cli: Cli, sqlite_template: Path, tmp_path: Path) -> Cli:
    """A CLI over an initialised database with user alice (basic tier).

    The database is a copy of the migrated, seeded template and alice is created through the API
    with the cheap hasher: `init` and `users add` have their own tests.
    """
    shutil.copy(sqlite_template, cli.db_path)
    app = make_app(tmp_path, f"sqlite:///{cli.db_path}")
    try:
        app.accounts.register("alice", PASSWORD, tier="basic")
    finally:
        app.close()
    return cli


def one_error_line(result: Result) -> str:
    assert result.code != 0
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: ")
    return lines[0]


# --- init / verify ---------------------------------------------------------------------------


def test_init_twice_changes_nothing_the_second_time(cli: Cli) -> None:
    first = cli("init")
    assert first.code == 0, first.err
    assert "5 models, 19 presets (24 rows changed)" in first.out
    second = cli("init")
    assert second.code == 0
    assert "5 models, 19 presets (0 rows changed)" in second.out
    assert cli.db_path.is_file()


def test_init_creates_the_admin_from_the_environment(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATAR_ADMIN_USERNAME", "root")
    monkeypatch.setenv("AVATAR_ADMIN_PASSWORD", "Str0ng-admin-pass")
    assert "Admin account: root" in cli("init").out
    assert "Admin account: root" in cli("init").out
    users = cli("users", "list", "--json").json()
    assert isinstance(users, list) and len(users) == 1
    admin = users[0]
    assert (admin["username"], admin["is_admin"], admin["tier"]) == ("root", True, "enterprise")


def test_init_reset_catalog(cli: Cli) -> None:
    cli("init")
    assert cli("models", "set-cost", MODEL_KEYS[0], "3").code == 0
    assert "(0 rows changed)" in cli("init").out
    assert "(1 rows changed)" in cli("init", "--reset-catalog").out
    [base] = [m for m in cli("models", "list", "--json").json() if m["model_key"] == MODEL_KEYS[0]]
    assert base["credit_cost"] == 8


def test_verify_healthy(cli: Cli) -> None:
    cli("init")
    result = cli("verify")
    assert result.code == 0, result.out
    for key in MODEL_KEYS:
        assert key in result.out
    assert "Tier access matrix" in result.out
    matrix = result.out.split("Tier access matrix")[1].splitlines()
    rows = {
        line.split()[0]: line.split()[1:]
        for line in matrix[1:]
        if line.strip() and line.split()[0] in ("free", "basic", "pro", "enterprise")
    }
    # columns: base, realism, hd-realism, schnell, likeness (from a photo)
    assert rows == {
        "free": ["8", "-", "-", "-", "-"],
        "basic": ["8", "12", "-", "6", "14"],
        "pro": ["8", "12", "15", "6", "14"],
        "enterprise": ["0", "0", "0", "0", "0"],
    }
    assert "[FAIL]" not in result.out
    assert "engine: offline previews" in result.out
    assert "HF token not set" in result.out


def test_verify_uninitialised_database_fails_with_one_clear_line(cli: Cli) -> None:
    result = cli("verify")
    assert result.code == 1
    failures = [line for line in result.out.splitlines() if line.startswith("[FAIL]")]
    assert len(failures) == 1
    assert "avatar-creator init" in failures[0]


def test_verify_unreachable_database(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    result = cli("verify")
    assert result.code == 1
    assert [line for line in result.out.splitlines() if line.startswith("[")] == [
        "[FAIL] database unreachable: OperationalError"
    ]
    assert "avatar-creator init" in one_error_line(cli("users", "list"))


def test_verify_fails_when_every_model_is_disabled(cli: Cli) -> None:
    cli("init")
    for key in MODEL_KEYS:
        assert cli("models", "disable", key).code == 0
    result = cli("verify")
    assert result.code == 1
    assert "[FAIL] 5 models, 0 enabled" in result.out


def test_other_commands_on_an_uninitialised_database(cli: Cli) -> None:
    for argv in (("users", "list"), ("models", "list"), ("credits", "check")):
        line = one_error_line(cli(*argv))
        assert "avatar-creator init" in line


# --- users -----------------------------------------------------------------------------------


def test_users_add_list_set_tier(ready: Cli) -> None:
    added = ready(
        "users", "add", "Bob", "--tier", "basic", "--admin", "--password-stdin", stdin="another-secret-7\n"
    )
    assert added.code == 0, added.err
    assert "Created bob (basic, admin), balance 24" in added.out
    users = ready("users", "list", "--json").json()
    assert isinstance(users, list)
    by_name = {u["username"]: u for u in users}
    assert set(by_name) == {"alice", "bob"}
    assert (by_name["alice"]["tier"], by_name["alice"]["balance"], by_name["alice"]["is_admin"]) == (
        "basic",
        24,
        False,
    )
    assert (by_name["bob"]["tier"], by_name["bob"]["is_admin"]) == ("basic", True)
    assert ready("users", "set-tier", "alice", "enterprise").code == 0
    users = ready("users", "list", "--json").json()
    assert {u["username"]: u["tier"] for u in users} == {"alice": "enterprise", "bob": "basic"}
    text = ready("users", "list")
    assert text.code == 0 and "alice" in text.out and "enterprise" in text.out


def test_users_add_refuses_bad_input(ready: Cli) -> None:
    assert "taken" in one_error_line(
        ready("users", "add", "ALICE", "--password-stdin", stdin="another-secret-7\n")
    )
    one_error_line(ready("users", "add", "x", "--password-stdin", stdin="another-secret-7\n"))
    assert "password" in one_error_line(ready("users", "add", "carol", "--password-stdin", stdin="short\n"))
    names = [u["username"] for u in ready("users", "list", "--json").json()]
    assert names == ["alice"]


# --- credits ---------------------------------------------------------------------------------


def test_credits_grant_show_check(ready: Cli) -> None:
    granted = ready("credits", "grant", "alice", "10", "--reason", "support ticket 42")
    assert granted.code == 0, granted.err
    assert "balance 34" in granted.out
    shown = ready("credits", "show", "alice", "--json").json()
    assert isinstance(shown, dict)
    assert shown["balance"] == 34
    moves = shown["movements"]
    assert [(m["type"], m["amount"], m["balance_after"]) for m in moves] == [
        ("admin_adjust", 10, 34),  # the same kind of row as a grant from the admin tab
        ("grant", 24, 24),
    ]
    assert moves[0]["actor_id"] is None  # the operator at the shell, not an account
    assert moves[0]["reason"] == "support ticket 42"
    latest = ready("credits", "show", "alice", "--json", "--limit", "1").json()
    assert [m["amount"] for m in latest["movements"]] == [10]
    text = ready("credits", "show", "alice")
    assert text.code == 0 and "alice: 34 credits" in text.out
    checked = ready("credits", "check")
    assert checked.code == 0 and "ledger OK" in checked.out


def test_credits_check_exits_1_on_a_violation(ready: Cli) -> None:
    import sqlite3

    with sqlite3.connect(ready.db_path) as conn:
        conn.execute("UPDATE users SET balance = 999 WHERE username = 'alice'")
    result = ready("credits", "check")
    assert result.code == 1
    assert "VIOLATION alice: ledger sum 24 != balance 999" in result.out


def test_credits_errors(ready: Cli) -> None:
    assert "nobody" in one_error_line(ready("credits", "grant", "nobody", "5", "--reason", "x"))
    one_error_line(ready("credits", "grant", "alice", "-5", "--reason", "x"))
    one_error_line(ready("credits", "grant", "alice", "0", "--reason", "x"))
    one_error_line(ready("credits", "show", "nobody"))
    assert ready("credits", "show", "alice", "--json").json()["balance"] == 24


# --- models ----------------------------------------------------------------------------------


def test_generate_json_offline(ready: Cli) -> None:
    result = ready("generate", "--user", "alice", "--preset", "Yoga Instructor", "--seed", "3", "--json")
    assert result.code == 0, result.err
    out = json.loads(result.out.strip().splitlines()[-1])
    assert {
        "generation_id",
        "status",
        "model_key",
        "engine",
        "credits_charged",
        "balance",
        "seed",
        "seconds",
        "image_path",
        "reason",
    } <= set(out)
    assert (out["status"], out["engine"], out["seed"]) == ("completed", "local", 3)
    assert out["model_key"] == "avatar-creator:flux-dev-realism" and out["credits_charged"] == 12
    assert out["balance"] == 12 and out["offline_preview"] is True and "error" not in out
    assert Path(out["image_path"]).is_file()


def test_generate_refusals_are_one_line_and_charge_nothing(ready: Cli) -> None:
    hd = ready(
        "generate", "--user", "alice", "--prompt", "x", "--model", "avatar-creator:flux-dev-hd-realism"
    )
    assert "needs the pro tier" in one_error_line(hd)
    assert "Unknown preset" in one_error_line(ready("generate", "--user", "alice", "--preset", "nope"))
    assert ready("generate", "--user", "alice", "--prompt", "a", "--json").code == 0
    assert ready("generate", "--user", "alice", "--prompt", "b", "--json").code == 0
    broke = ready("generate", "--user", "alice", "--prompt", "c", "--json")
    assert "Not enough credits: this image costs 12 and your balance is 0" in one_error_line(broke)
    refused = json.loads(broke.out.strip().splitlines()[-1])
    assert refused["status"] == "refused" and refused["balance"] == 0 and refused["error"]
    assert ready("credits", "show", "alice", "--json").json()["balance"] == 0
    assert ready("credits", "check").code == 0


def test_models_list_json_shape(ready: Cli) -> None:
    models = ready("models", "list", "--json").json()
    assert isinstance(models, list)
    assert [m["model_key"] for m in models] == MODEL_KEYS
    for m in models:
        assert set(m) == JSON_MODEL_FIELDS
    base, realism = models[0], models[1]
    assert (base["lora_model"], base["lora_scale"], base["enabled"]) == (None, None, True)
    assert (realism["lora_model"], realism["lora_scale"], realism["width"], realism["steps"]) == (
        "XLabs-AI/flux-RealismLora",
        0.9,
        768,
        30,
    )
    text = ready("models", "list")
    assert text.code == 0 and all(key in text.out for key in MODEL_KEYS)


def test_models_disable_enable_set_cost(ready: Cli) -> None:
    def state() -> dict[str, tuple[bool, int]]:
        return {
            m["model_key"]: (m["enabled"], m["credit_cost"]) for m in ready("models", "list", "--json").json()
        }

    key = "avatar-creator:flux-schnell-fast"
    assert ready("models", "disable", key).out.strip() == f"{key} disabled"
    assert state()[key] == (False, 6)
    assert ready("models", "enable", key).code == 0
    assert ready("models", "set-cost", key, "9").out.strip() == f"{key} now costs 9 credits"
    assert state()[key] == (True, 9)
    assert "between 0 and 10000" in one_error_line(ready("models", "set-cost", key, "-1"))
    assert state()[key] == (True, 9)


def test_models_unknown_key(ready: Cli) -> None:
    for action in ("enable", "disable"):
        line = one_error_line(ready("models", action, "avatar-creator:nope"))
        assert "avatar-creator:nope" in line
    one_error_line(ready("models", "set-cost", "avatar-creator:nope", "5"))


# --- usage errors, settings errors, help -----------------------------------------------------


def test_usage_errors_are_one_line_and_exit_1(ready: Cli) -> None:
    for argv in (
        ("users", "set-tier", "alice", "gold"),
        ("users", "add", "x", "--tier", "gold"),
        ("credits", "grant", "alice", "ten", "--reason", "x"),
        ("credits", "grant", "alice", "5"),
        ("models", "set-cost", "k", "cheap"),
        ("frobnicate",),
        (),
    ):
        result = ready(*argv)
        assert result.code == 1, argv  # like every other error (README, "Command line")
        [line] = result.err.strip().splitlines()
        assert line.startswith("avatar-creator: error: ") and "--help" in line
    assert ready("users", "list", "--json").json()[0]["tier"] == "basic"


def test_unknown_user_for_set_tier(ready: Cli) -> None:
    assert "nobody" in one_error_line(ready("users", "set-tier", "nobody", "pro"))


def test_bad_settings_are_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATAR_ENGINE", "gpu")
    assert "AVATAR_ENGINE" in one_error_line(cli("init"))
    monkeypatch.setenv("AVATAR_ENGINE", "local")
    monkeypatch.setenv("AVATAR_SIGNUP_CREDITS", "lots")
    assert "AVATAR_SIGNUP_CREDITS" in one_error_line(cli("init"))
    monkeypatch.delenv("AVATAR_SIGNUP_CREDITS")
    monkeypatch.setenv("AVATAR_ENV", "production")
    assert "AVATAR_SECRET_KEY" in one_error_line(cli("init"))
    assert not cli.db_path.exists()


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]]:
    """Every (sub)parser with its command path and the help shown in its parent's listing."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), sub, helps.get(name)
                yield from _walk(sub, (*path, name))


COMMANDS = list(_walk(build_parser()))


def test_the_command_tree() -> None:
    paths = {" ".join(p) for p, _, _ in COMMANDS}
    expected = {
        "init",
        "verify",
        "users",
        "users add",
        "users list",
        "users set-tier",
        "credits",
        "credits grant",
        "credits show",
        "credits check",
        "models",
        "models list",
        "models enable",
        "models disable",
        "models set-cost",
    }
    assert expected <= paths


@pytest.mark.parametrize("path", [p for p, _, _ in COMMANDS], ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    _, parser, listed = next(c for c in COMMANDS if c[0] == path)
    assert listed and listed.strip(), f"{' '.join(path)} has no help in its parent's listing"
    assert parser.description and parser.description.strip()
    for action in parser._actions:
        if action.dest != "help" and not isinstance(action, argparse._SubParsersAction):
            assert action.help and action.help.strip(), f"{' '.join(path)} {action.dest}"
    with pytest.raises(SystemExit) as exc:
        main([*path, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: avatar-creator {' '.join(path)}")


def test_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in ("init", "verify", "users", "credits", "models"):
        assert name in out


def test_every_top_level_command_is_in_the_readme() -> None:
    readme = ROOT / "README.md"
    if not readme.is_file():
        pytest.skip("README.md does not exist yet (it is written by the set-up work)")
    text = readme.read_text()
    missing = [
        p[0]
        for p, _, _ in COMMANDS
        if len(p) == 1 and f"avatar-creator {p[0]}" not in text and f"`{p[0]}`" not in text
    ]
    assert missing == [], f"README.md does not document: {', '.join(missing)}"


# --- against Hugging Face (the provider-faithful fake): what really runs ----------------------


@pytest.fixture
def hf(ready: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Cli, FakeHF]]:
    """The ready CLI with HF_TOKEN set, on the Replicate route, talking to the fake."""
    with fake_hub(monkeypatch) as fake:
        monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
        monkeypatch.setenv("AVATAR_ENGINE", "hf")
        monkeypatch.setenv("AVATAR_HF_PROVIDER", "replicate")
        yield ready, fake


def route_line(out: str, key: str) -> str:
    """The row of verify's 'what really runs' table for `key`."""
    table = out.split("What really runs")[1]
    return next(line for line in table.splitlines() if line.startswith(key))


def test_verify_shows_what_runs_on_replicate(hf: tuple[Cli, FakeHF]) -> None:
    cli, _ = hf
    result = cli("verify")
    assert result.code == 0, result.out
    realism = route_line(result.out, "avatar-creator:flux-dev-realism")
    for part in (
        "replicate",
        "black-forest-labs/flux-dev-lora",
        "yes @0.9",
        "1024x1024 (catalog 768x768)",
        "live",
        "FLUX.1-dev non-commercial",
        "ok",
    ):
        assert part in realism, realism
    schnell = route_line(result.out, "avatar-creator:flux-schnell-fast")
    assert "black-forest-labs/flux-schnell" in schnell and "Apache-2.0" in schnell


def test_verify_fails_when_the_lora_cannot_run(hf: tuple[Cli, FakeHF]) -> None:
    cli, fake = hf
    fake.unmap("XLabs-AI/flux-RealismLora", "replicate")
    result = cli("verify")
    assert result.code == 1 and "UNHEALTHY" in result.out
    line = route_line(result.out, "avatar-creator:flux-dev-hd-realism")
    assert "NOT SOLD" in line and "not mapped as a LoRA adapter on 'replicate'" in line
    assert "not sold: avatar-creator:flux-dev-realism, avatar-creator:flux-dev-hd-realism" in result.out


def test_generate_json_records_the_effective_run(hf: tuple[Cli, FakeHF]) -> None:
    cli, fake = hf
    result = cli("generate", "--user", "alice", "--prompt", "a portrait", "--seed", "9", "--json")
    out = json.loads(result.out.strip().splitlines()[-1])
    run = fake.last_run()
    assert result.code == 0 and out["status"] == "completed" and out["credits_charged"] == 12
    assert (out["width"], out["height"]) == (run.width, run.height) == (1024, 1024)
    assert (out["provider"], out["provider_model"]) == ("replicate", run.model)
    assert out["lora"] == {"repo": "XLabs-AI/flux-RealismLora", "scale": run.lora_scale} and run.lora
    assert out["offline_preview"] is False and run.seed == 9


KREA = (
    "models",
    "add",
    "avatar-creator:flux-krea",
    "--model",
    "black-forest-labs/FLUX.1-Krea-dev",
    "--tier",
    "pro",
    "--credits",
    "14",
    "--size",
    "1024x1024",
    "--steps",
    "28",
    "--guidance",
    "4.5",
    "--realism",
    "--license",
    "FLUX.1-dev non-commercial",
)


def test_models_add_is_checked_against_the_hub(
    hf: tuple[Cli, FakeHF], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, fake = hf
    monkeypatch.setenv("AVATAR_HF_PROVIDER", "fal-ai")  # Krea is mapped on Replicate only
    assert "not mapped to 'fal-ai'" in one_error_line(cli(*KREA))
    assert "avatar-creator:flux-krea" not in cli("models", "list").out
    monkeypatch.setenv("AVATAR_HF_PROVIDER", "replicate")
    added = cli(*KREA)
    assert added.code == 0 and "black-forest-labs/flux-krea-dev" in added.out, added.err
    models = {m["model_key"]: m for m in cli("models", "list", "--json").json()}
    assert models["avatar-creator:flux-krea"]["license"] == "FLUX.1-dev non-commercial"
    out = json.loads(
        cli(
            "generate", "--user", "alice", "--prompt", "x", "--model", "avatar-creator:flux-krea", "--json"
        ).out.splitlines()[-1]
    )
    assert out["status"] == "refused" and "pro tier" in out["error"]  # alice is basic
    assert "already exists" in one_error_line(cli(*KREA))
    unmapped_lora = (
        "models",
        "add",
        "avatar-creator:bad-lora",
        "--model",
        "black-forest-labs/FLUX.1-dev",
        "--lora",
        "someone/unmapped-lora",
        "--lora-scale",
        "0.8",
        "--tier",
        "basic",
        "--credits",
        "9",
        "--size",
        "1024x1024",
        "--steps",
        "28",
        "--guidance",
        "3.5",
    )
    assert "not mapped as a LoRA adapter" in one_error_line(cli(*unmapped_lora))
    assert cli(*unmapped_lora, "--no-check").code == 0
    assert "avatar-creator:bad-lora" in route_line(cli("verify").out, "avatar-creator:bad-lora")


def test_set_endpoint_routes_a_row_to_our_handler(hf: tuple[Cli, FakeHF]) -> None:
    cli, fake = hf
    url = fake.add_endpoint("realism", handler="avatar-creator")
    key = "avatar-creator:flux-dev-realism"
    done = cli("models", "set-endpoint", key, url, "--handler", "avatar-creator")
    assert done.code == 0 and "endpoint" in done.out and "yes @0.9" in done.out, done.err
    out = json.loads(cli("generate", "--user", "alice", "--prompt", "p", "--json").out.splitlines()[-1])
    run = fake.last_run()
    assert (run.route, run.lora, run.lora_scale, run.width) == (
        "endpoint",
        "XLabs-AI/flux-RealismLora",
        0.9,
        768,
    )
    assert (out["provider"], out["width"], out["lora"]["scale"]) == ("endpoint", 768, 0.9)
    default = cli("models", "set-endpoint", key, url)  # the toolkit's handler: no LoRA there
    assert default.code == 0 and "NOT SOLD" in default.out
    assert cli("models", "set-endpoint", key, "--clear").code == 0
    assert "must be an http(s) URL" in one_error_line(cli("models", "set-endpoint", key, "ftp://x"))
    assert "--clear" in one_error_line(cli("models", "set-endpoint", key))


def test_generate_from_a_photo_needs_consent_and_keeps_no_photo(ready: Cli, tmp_path: Path) -> None:
    from PIL import Image

    selfie = tmp_path / "me.jpg"
    Image.new("RGB", (400, 500), (200, 150, 120)).save(selfie)
    refused = ready("generate", "--user", "alice", "--photo", str(selfie), "--preset", "Yoga Instructor")
    assert "Please confirm" in one_error_line(refused)
    missing = ready(
        "generate", "--user", "alice", "--photo", str(tmp_path / "nope.jpg"), "--consent", "--prompt", "x"
    )
    assert "Cannot read" in one_error_line(missing)
    done = ready(
        "generate",
        "--user",
        "alice",
        "--photo",
        str(selfie),
        "--consent",
        "--preset",
        "Yoga Instructor",
        "--json",
    )
    out = json.loads(done.out.strip().splitlines()[-1])
    assert done.code == 0 and out["from_photo"] is True and out["credits_charged"] == 14
    assert out["model_key"] == "avatar-creator:flux-kontext-likeness"
    assert not list((tmp_path / "data" / "private-photos").rglob("*.jpg"))  # used once, deleted
    assert ready("photos", "purge").out.startswith("Deleted 0 photo(s)")
