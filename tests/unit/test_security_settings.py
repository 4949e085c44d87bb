"""The Security block of the settings: parsing, defaults and clear errors naming the setting."""

from __future__ import annotations

import pytest

from avatar_core.config import load_settings
from avatar_core.domain.errors import ConfigError
from avatar_core.web.security import cors_origins, csp


def test_defaults() -> None:
    s = load_settings({}, dotenv_path=None)
    assert (s.signup_mode, s.signup_per_hour, s.signup_global_per_hour) == ("open", 5, 200)
    assert (s.max_upload_mb, s.user_concurrency, s.queue_max_size) == (10, 4, 200)
    assert s.allowed_origins == () and not s.trust_proxy and cors_origins(s) == ()


def test_origins_and_spaces() -> None:
    s = load_settings(
        {
            "AVATAR_ALLOWED_ORIGINS": "https://A.example.com/, http://b.test:8080",
            "SYSTEM": "spaces",
            "SPACE_HOST": "me-app.hf.space",
        },
        dotenv_path=None,
    )
    assert cors_origins(s) == ("https://a.example.com", "http://b.test:8080", "https://me-app.hf.space")
    assert s.trust_proxy and "https://*.hf.space" in csp(True) and "hf.space" not in csp(False)


@pytest.mark.parametrize(
    "env,setting",
    [
        ({"AVATAR_SIGNUP": "maybe"}, "AVATAR_SIGNUP"),
        ({"AVATAR_ALLOWED_ORIGINS": "evil.test"}, "AVATAR_ALLOWED_ORIGINS"),
        ({"AVATAR_ALLOWED_ORIGINS": "*"}, "AVATAR_ALLOWED_ORIGINS"),
        ({"AVATAR_SIGNUP_PER_HOUR": "lots"}, "AVATAR_SIGNUP_PER_HOUR"),
        ({"AVATAR_MAX_UPLOAD_MB": "0"}, "AVATAR_MAX_UPLOAD_MB"),
        ({"AVATAR_USER_CONCURRENCY": "0"}, "AVATAR_USER_CONCURRENCY"),
    ],
)
def test_bad_values_name_the_setting(env: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigError, match=f"^{setting}"):
        load_settings(env, dotenv_path=None)
