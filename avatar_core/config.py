"""Settings: the one place that reads the environment and `.env`."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import dotenv_values

from avatar_core.config_credits import CreditSettings, credit_settings
from avatar_core.domain.errors import ConfigError
from avatar_core.domain.selection import ENDPOINT_HANDLERS as HANDLERS
from avatar_core.domain.selection import priorities as _priorities

# Package data: the page's css/js and the preset thumbnails (rendered by `avatar-creator init`).
ASSETS_DIR = Path(__file__).with_name("assets")
PRESET_THUMBNAILS = ASSETS_DIR / "presets"
ENGINES = ("auto", "local", "hf")
PROVIDERS = ("", "auto", "replicate", "fal-ai", "hf-inference")
SIGNUP_MODES = ("open", "invite", "closed")
PLACEHOLDER_ADMIN_PASSWORD = "change-me-to-something-long"  # the example value in .env.example
DEV_SECRET_FILE = "secret_key"
# Passed to the S3 client when set (so `.env` works too); unset ones fall to botocore's own chain.
STORAGE_AWS_VARS: tuple[str, ...] = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION")
STORAGE_AWS_VARS += ("AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from the environment, with safe development defaults."""

    data_dir: Path = Path("data")
    database_url: str = ""
    hf_token: str | None = None
    hf_base_url: str | None = None
    hf_provider: str = ""
    hf_timeout: float = 120.0
    hf_base_url_handler: str = "default"  # "avatar-creator": the base URL runs our LoRA handler
    photo_retention_hours: float = 24.0  # source photos are deleted after this
    photo_uploads_per_hour: int = 10  # per user
    api_rate_per_minute: int = 60  # REST API calls per token per minute (all processes together)
    metrics_token: str | None = field(default=None, repr=False)  # /metrics bearer (else loopback)
    log_format: str = "text"  # "text" | "json"
    engine: str = "auto"
    generation_deadline: float = 300.0
    generation_lease: float = 30.0  # a dead process's generations are refunded about this long after
    secret_key: str | None = None
    admin_username: str | None = None
    admin_password: str | None = None
    signup_credits: int = 24
    concurrency: int = 32
    production: bool = False
    on_spaces: bool = False
    trust_proxy: bool = False
    server_name: str = "127.0.0.1"
    server_port: int = 7860
    password_rounds: int = 3
    password_memory_kib: int = 65536
    extra: Mapping[str, str] = field(default_factory=dict)
    storage_aws: Mapping[str, str] = field(default_factory=dict, repr=False)  # AWS_* set (+ .env)
    storage_url: str = ""  # "": <data_dir>/images; a directory; or s3://bucket/prefix
    allowed_origins: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()  # Host names served besides loopback ("*": any; see Policy)
    signup_mode: str = "open"
    signup_per_hour: int = 5
    signup_global_per_hour: int = 200
    max_upload_mb: int = 10
    upload_mb_per_hour: int = 100  # per user, through the UI's upload route
    user_concurrency: int = 4  # a user's jobs running at once (more wait in the queue)
    user_queue: int = 16  # a user's jobs queued or running at once (more are refused: 429)
    worker_slots: int = 32  # jobs the web process's own worker runs at once (0: none, see scaling)
    tier_priority: Mapping[str, int] = field(default_factory=dict)  # claimed first when higher
    queue_max_size: int = 200
    space_host: str | None = None
    hf_oauth: bool = False  # on a Space with "hf_oauth: true" (Spaces sets OAUTH_CLIENT_ID)
    credits: CreditSettings = field(default_factory=CreditSettings)  # shop link, monthly top-up

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite inside the data dir."""
        return self.database_url or f"sqlite:///{self.data_dir / 'avatar_creator.db'}"

    @property
    def photo_dir(self) -> Path:
        """Where users' source photos are kept privately (never inside Gradio's cache)."""
        return self.data_dir / "private-photos"

    @property
    def image_dir(self) -> Path:
        """Where avatars and thumbnails are stored."""
        return self.data_dir / "images"

    @property
    def engine_kind(self) -> str:
        """`local` or `hf`: what `AVATAR_ENGINE=auto` resolves to."""
        if self.engine == "auto":
            return "hf" if (self.hf_token or self.hf_base_url) else "local"
        return self.engine

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests, CLI flags)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}.")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (the first is the default); ConfigError naming the setting otherwise."""
    value = env.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
    return value


def _storage_url(env: Mapping[str, str]) -> str:
    """AVATAR_STORAGE_URL: empty (the data dir), a directory, or `s3://bucket[/prefix]`."""
    url = env.get("AVATAR_STORAGE_URL", "").strip()
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in ("", "file", "s3"):
        raise ConfigError(f"AVATAR_STORAGE_URL must be a directory or s3://bucket/prefix, got {url!r}.")
    if scheme == "s3" and not url[5:].strip("/"):
        raise ConfigError("AVATAR_STORAGE_URL=s3://... needs a bucket name (s3://bucket/prefix).")
    return url


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> Settings:
    """Build Settings from `.env` (if present) overlaid by the environment, and check them."""
    env: dict[str, str] = {}
    if dotenv_path and Path(dotenv_path).is_file():
        env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    env.update(os.environ if environ is None else environ)

    on_spaces = env.get("SYSTEM", "") == "spaces"
    default_dir = "/data" if on_spaces and Path("/data").is_dir() else "data"
    engine = env.get("AVATAR_ENGINE", "auto").strip().lower() or "auto"
    if engine not in ENGINES:
        raise ConfigError(f"AVATAR_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}.")
    provider = env.get("AVATAR_HF_PROVIDER", "").strip().lower()
    if provider not in PROVIDERS:
        allowed = ", ".join(p for p in PROVIDERS if p)
        raise ConfigError(f"AVATAR_HF_PROVIDER must be one of {allowed}, got {provider!r}.")
    settings = Settings(
        data_dir=Path(env.get("AVATAR_DATA_DIR", "").strip() or default_dir),
        database_url=env.get("DATABASE_URL", "").strip(),
        hf_token=(env.get("HF_TOKEN") or env.get("HUGGINGFACE_API_KEY") or "").strip() or None,
        hf_base_url=env.get("AVATAR_HF_BASE_URL", "").strip().rstrip("/") or None,
        hf_provider=provider,
        hf_timeout=_float(env, "AVATAR_HF_TIMEOUT", 120.0),
        hf_base_url_handler=_choice(env, "AVATAR_HF_BASE_URL_HANDLER", HANDLERS),
        photo_retention_hours=_float(env, "AVATAR_PHOTO_RETENTION_HOURS", 24.0),
        photo_uploads_per_hour=_int(env, "AVATAR_PHOTO_UPLOADS_PER_HOUR", 10, minimum=1),
        api_rate_per_minute=_int(env, "AVATAR_API_RATE_PER_MINUTE", 60, minimum=1),
        metrics_token=env.get("AVATAR_METRICS_TOKEN", "").strip() or None,
        log_format=_choice(env, "AVATAR_LOG_FORMAT", ("text", "json")),
        engine=engine,
        generation_deadline=_float(env, "AVATAR_GENERATION_DEADLINE", 300.0),
        generation_lease=_float(env, "AVATAR_GENERATION_LEASE", 30.0),
        secret_key=env.get("AVATAR_SECRET_KEY", "").strip() or None,
        admin_username=env.get("AVATAR_ADMIN_USERNAME", "").strip() or None,
        admin_password=env.get("AVATAR_ADMIN_PASSWORD") or None,
        signup_credits=_int(env, "AVATAR_SIGNUP_CREDITS", 24),
        concurrency=_int(env, "AVATAR_CONCURRENCY", 32, minimum=1),
        production=env.get("AVATAR_ENV", "development").strip().lower() == "production",
        on_spaces=on_spaces,
        trust_proxy=_flag(env, "AVATAR_TRUST_PROXY") or on_spaces,
        server_name=env.get("GRADIO_SERVER_NAME", "").strip() or "127.0.0.1",
        server_port=_int(env, "GRADIO_SERVER_PORT", 7860, minimum=1),
        extra={"GRADIO_ANALYTICS_ENABLED": env.get("GRADIO_ANALYTICS_ENABLED", "False")},
        storage_aws={k: env[k].strip() for k in STORAGE_AWS_VARS if env.get(k, "").strip()},
        storage_url=_storage_url(env),
        credits=credit_settings(env),
    )
    settings = settings.with_overrides(**_security_settings(env, on_spaces))
    check_settings(settings)
    return settings


def _origins(raw: str) -> tuple[str, ...]:
    """`AVATAR_ALLOWED_ORIGINS`: comma-separated `scheme://host[:port]` values."""
    out = []
    for item in (part.strip().rstrip("/") for part in raw.split(",")):
        if not item:
            continue
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", item):
            raise ConfigError(
                f"AVATAR_ALLOWED_ORIGINS: {item!r} is not an origin like https://app.example.com."
            )
        out.append(item.lower())
    return tuple(out)


def _hosts(raw: str) -> tuple[str, ...]:
    """`AVATAR_ALLOWED_HOSTS`: comma-separated host names, `.example.com` for its subdomains too,
    or `*` for any."""
    out = []
    for item in (part.strip().lower() for part in raw.split(",")):
        if item and not re.fullmatch(r"\*|\.?[a-z0-9.-]+|\[[0-9a-f:.]+\]", item):
            raise ConfigError(f"AVATAR_ALLOWED_HOSTS: {item!r} is not a host name like app.example.com.")
        out += [item] if item else []
    return tuple(out)


def _security_settings(env: Mapping[str, str], on_spaces: bool) -> dict[str, object]:
    """The fields of the Security block of .env.example."""
    mode = env.get("AVATAR_SIGNUP", "open").strip().lower() or "open"
    if mode not in SIGNUP_MODES:
        raise ConfigError(f"AVATAR_SIGNUP must be one of {', '.join(SIGNUP_MODES)}, got {mode!r}.")
    space_host = env.get("SPACE_HOST", "").strip().lower() or None if on_spaces else None
    return dict(
        allowed_origins=_origins(env.get("AVATAR_ALLOWED_ORIGINS", "")),
        allowed_hosts=_hosts(env.get("AVATAR_ALLOWED_HOSTS", "")),
        signup_mode=mode,
        signup_per_hour=_int(env, "AVATAR_SIGNUP_PER_HOUR", 5),
        signup_global_per_hour=_int(env, "AVATAR_SIGNUP_GLOBAL_PER_HOUR", 200),
        max_upload_mb=_int(env, "AVATAR_MAX_UPLOAD_MB", 10, minimum=1),
        upload_mb_per_hour=_int(env, "AVATAR_UPLOAD_MB_PER_HOUR", 100, minimum=1),
        user_concurrency=_int(env, "AVATAR_USER_CONCURRENCY", 4, minimum=1),
        user_queue=_int(env, "AVATAR_USER_QUEUE", 16, minimum=1),
        worker_slots=_int(env, "AVATAR_WORKER_SLOTS", 32),
        tier_priority=_priorities(env.get("AVATAR_TIER_PRIORITY", "")),
        queue_max_size=_int(env, "AVATAR_QUEUE_MAX_SIZE", 200, minimum=1),
        space_host=space_host,
        hf_oauth=on_spaces and bool(env.get("OAUTH_CLIENT_ID", "").strip()),
    )


def check_settings(settings: Settings) -> None:
    """Fail fast, with one clear sentence, on settings that are unsafe in production."""
    if settings.engine == "hf" and not (settings.hf_token or settings.hf_base_url):
        raise ConfigError("AVATAR_ENGINE=hf needs HF_TOKEN (or AVATAR_HF_BASE_URL).")
    if not settings.production:
        return
    if not settings.secret_key or len(settings.secret_key) < 32:
        raise ConfigError(
            "AVATAR_ENV=production needs AVATAR_SECRET_KEY of at least 32 characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    if settings.admin_password is not None and len(settings.admin_password) < 12:
        raise ConfigError("AVATAR_ADMIN_PASSWORD must be at least 12 characters in production.")
    if settings.admin_password == PLACEHOLDER_ADMIN_PASSWORD:
        raise ConfigError(
            "AVATAR_ADMIN_PASSWORD is the example value from .env.example; choose your own in production."
        )


def secret_key(settings: Settings) -> str:
    """The session-signing key: configured, or generated once and kept in the data dir."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / DEV_SECRET_FILE
    if path.is_file():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:  # created 0600 from the start; if another process won the race, use its key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
