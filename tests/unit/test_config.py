"""Settings: defaults, aliases, `.env`, fail-fast checks and the development secret key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from avatar_core.config import ConfigError, Settings, check_settings, load_settings, secret_key

GOOD_SECRET = "s" * 32


def load(env: dict[str, str], dotenv: Path | None = None) -> Settings:
    """Settings from exactly `env` (never the real environment) and an optional .env file."""
    return load_settings(environ=env, dotenv_path=dotenv)


def test_defaults() -> None:
    s = load({})
    assert s.data_dir == Path("data")
    assert s.database_url == ""
    assert s.resolved_database_url == "sqlite:///data/avatar_creator.db"
    assert s.image_dir == Path("data/images")
    assert s.hf_token is None
    assert (s.engine, s.engine_kind) == ("auto", "local")
    assert s.signup_credits == 24  # three free-tier images at 8 credits
    assert s.production is False
    assert s.secret_key is None
    assert (s.admin_username, s.admin_password) == (None, None)


def test_data_dir_moves_the_default_database() -> None:
    s = load({"AVATAR_DATA_DIR": "/srv/avatars"})
    assert s.resolved_database_url == "sqlite:////srv/avatars/avatar_creator.db"
    assert load({"AVATAR_DATA_DIR": "/x", "DATABASE_URL": "postgresql://h/db"}).resolved_database_url == (
        "postgresql://h/db"
    )


def test_huggingface_api_key_is_an_alias() -> None:
    s = load({"HUGGINGFACE_API_KEY": "hf_alias"})
    assert s.hf_token == "hf_alias"
    assert s.engine_kind == "hf"


def test_hf_token_wins_over_the_alias() -> None:
    assert load({"HF_TOKEN": "hf_main", "HUGGINGFACE_API_KEY": "hf_alias"}).hf_token == "hf_main"


def test_blank_token_is_no_token() -> None:
    s = load({"HF_TOKEN": "   "})
    assert s.hf_token is None
    assert s.engine_kind == "local"


def test_engine_auto_uses_hf_with_a_token_or_base_url() -> None:
    assert load({"HF_TOKEN": "hf_x"}).engine_kind == "hf"
    assert load({"AVATAR_HF_BASE_URL": "http://127.0.0.1:9/"}).engine_kind == "hf"
    assert load({"AVATAR_HF_BASE_URL": "http://127.0.0.1:9/"}).hf_base_url == "http://127.0.0.1:9"
    assert load({"HF_TOKEN": "hf_x", "AVATAR_ENGINE": "local"}).engine_kind == "local"
    assert load({"AVATAR_ENGINE": " HF ", "HF_TOKEN": "hf_x"}).engine_kind == "hf"


def test_engine_hf_without_token_fails_fast() -> None:
    with pytest.raises(ConfigError, match="HF_TOKEN"):
        load({"AVATAR_ENGINE": "hf"})


def test_unknown_engine_or_provider_fails_fast() -> None:
    with pytest.raises(ConfigError, match="AVATAR_ENGINE"):
        load({"AVATAR_ENGINE": "gpu"})
    with pytest.raises(ConfigError, match="AVATAR_HF_PROVIDER"):
        load({"AVATAR_HF_PROVIDER": "together"})
    assert load({"AVATAR_HF_PROVIDER": "Replicate"}).hf_provider == "replicate"


@pytest.mark.parametrize("secret", [None, "", "short", "s" * 31])
def test_production_needs_a_long_secret(secret: str | None) -> None:
    env = {"AVATAR_ENV": "production"}
    if secret is not None:
        env["AVATAR_SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="AVATAR_SECRET_KEY"):
        load(env)


def test_production_with_a_good_secret() -> None:
    s = load({"AVATAR_ENV": "Production", "AVATAR_SECRET_KEY": GOOD_SECRET})
    assert s.production and s.secret_key == GOOD_SECRET


def test_production_refuses_a_short_admin_password() -> None:
    env = {"AVATAR_ENV": "production", "AVATAR_SECRET_KEY": GOOD_SECRET}
    with pytest.raises(ConfigError, match="AVATAR_ADMIN_PASSWORD"):
        load({**env, "AVATAR_ADMIN_PASSWORD": "elevenchars"})
    assert load({**env, "AVATAR_ADMIN_PASSWORD": "twelve-chars"}).admin_password == "twelve-chars"


def test_development_allows_no_secret() -> None:
    check_settings(Settings())
    assert load({"AVATAR_ENV": "development"}).production is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AVATAR_SIGNUP_CREDITS", "lots"),
        ("AVATAR_SIGNUP_CREDITS", "2.5"),
        ("AVATAR_SIGNUP_CREDITS", "-1"),
        ("AVATAR_CONCURRENCY", "0"),
        ("AVATAR_CONCURRENCY", "many"),
        ("AVATAR_HF_TIMEOUT", "soon"),
        ("AVATAR_HF_TIMEOUT", "0"),
        ("AVATAR_GENERATION_DEADLINE", "-5"),
    ],
)
def test_bad_numbers_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load({name: value})
    assert name in str(info.value)
    assert value in str(info.value) or value.lstrip("-") in str(info.value)


def test_numbers_are_parsed() -> None:
    s = load({"AVATAR_SIGNUP_CREDITS": " 0 ", "AVATAR_CONCURRENCY": "4", "AVATAR_HF_TIMEOUT": "2.5"})
    assert (s.signup_credits, s.concurrency, s.hf_timeout) == (0, 4, 2.5)


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\n"
        "HF_TOKEN=hf_from_file\n"
        "AVATAR_SIGNUP_CREDITS=40\n"
        "AVATAR_ADMIN_USERNAME=admin\n"
        'AVATAR_ADMIN_PASSWORD="quoted pass word"\n'
    )
    from_file = load({}, dotenv)
    assert from_file.hf_token == "hf_from_file"
    assert from_file.signup_credits == 40
    assert from_file.admin_password == "quoted pass word"
    both = load({"HF_TOKEN": "hf_from_env", "AVATAR_SIGNUP_CREDITS": "16"}, dotenv)
    assert both.hf_token == "hf_from_env"
    assert both.signup_credits == 16
    assert both.admin_username == "admin"


def test_dotenv_alias_loses_to_the_environment_token(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("HUGGINGFACE_API_KEY=hf_file_alias\n")
    assert load({}, dotenv).hf_token == "hf_file_alias"
    assert load({"HF_TOKEN": "hf_env"}, dotenv).hf_token == "hf_env"


def test_missing_dotenv_is_fine(tmp_path: Path) -> None:
    assert load({}, tmp_path / "absent.env").signup_credits == 24


def test_bad_value_in_dotenv_fails_fast(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("AVATAR_CONCURRENCY=zero\n")
    with pytest.raises(ConfigError, match="AVATAR_CONCURRENCY"):
        load({}, dotenv)


def test_with_overrides_copies() -> None:
    base = Settings()
    changed = base.with_overrides(signup_credits=5, engine="local")
    assert (changed.signup_credits, base.signup_credits) == (5, 24)


def test_secret_key_generated_once_and_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = secret_key(settings)
    path = tmp_path / "data" / "secret_key"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert secret_key(settings) == first
    assert secret_key(Settings(data_dir=tmp_path / "data")) == first
    assert secret_key(Settings(data_dir=tmp_path / "other")) != first


def test_configured_secret_key_is_used_and_nothing_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key=GOOD_SECRET)
    assert secret_key(settings) == GOOD_SECRET
    assert not (tmp_path / "data").exists()


def test_hf_oauth_comes_from_the_environment_through_settings(tmp_path: Path) -> None:
    space = {"SYSTEM": "spaces", "OAUTH_CLIENT_ID": "client-id", "AVATAR_DATA_DIR": str(tmp_path)}
    assert load_settings(environ=space, dotenv_path=None).hf_oauth
    assert not load_settings(environ={**space, "SYSTEM": ""}, dotenv_path=None).hf_oauth  # not on a Space
    assert not load_settings(environ={**space, "OAUTH_CLIENT_ID": " "}, dotenv_path=None).hf_oauth
