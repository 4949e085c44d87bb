"""Builds the collaborators from Settings: the one place that wires the app together."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from passlib.context import CryptContext

from avatar_core.config import Settings
from avatar_core.engines.base import Engine, Plan, RouteTarget
from avatar_core.infra.db import Database, init_lock, upgrade
from avatar_core.infra.metrics import Metrics
from avatar_core.infra.storage import ImageStore
from avatar_core.infra.storage_s3 import make_store
from avatar_core.services.auth import Accounts, UserInfo, make_hasher
from avatar_core.services.catalog import Catalog
from avatar_core.services.experiments import ExperimentService
from avatar_core.services.gallery import Gallery
from avatar_core.services.generation import GenerationService
from avatar_core.services.invites import Invites
from avatar_core.services.limits import per_user_limit
from avatar_core.services.photos import PhotoService
from avatar_core.services.projects import ProjectService
from avatar_core.services.signup import Signups
from avatar_core.services.throttle import Throttle
from avatar_core.services.tokens import TokenService


@dataclass
class App:
    """Everything a front end (web UI, CLI, tests) calls."""

    settings: Settings
    db: Database
    accounts: Accounts
    catalog: Catalog
    engine_override: Engine | None = None
    extras: dict[str, object] = field(default_factory=dict)

    @cached_property
    def engine(self) -> Engine:
        """The image engine, built on first use (the CLI's other commands never need one)."""
        return self.engine_override or build_engine(self.settings)

    @cached_property
    def store(self) -> ImageStore:
        """Where avatars are kept: AVATAR_STORAGE_URL (the local directory by default)."""
        return make_store(self.settings)

    @cached_property
    def photos(self) -> PhotoService:
        """Users' source photos for likeness avatars (private, short-lived)."""
        s = self.settings
        return PhotoService(
            self.db,
            s.photo_dir,
            retention_hours=s.photo_retention_hours,
            max_bytes=s.max_upload_mb * 1024 * 1024,
            per_hour=s.photo_uploads_per_hour,
        )

    @cached_property
    def generations(self) -> GenerationService:
        """The generation use case."""
        return GenerationService(
            self.db,
            self.catalog,
            self.engine,
            self.store,
            deadline=self.settings.generation_deadline,
            photos=self.photos,
            metrics=self.metrics,
            admit=per_user_limit(self.settings.user_concurrency),
        )

    @cached_property
    def metrics(self) -> Metrics:
        """Prometheus metrics for /metrics (this process's counters; queue depth from the database)."""
        return Metrics(queue_depth=self._queue_depth)

    def _queue_depth(self) -> int:
        from sqlalchemy import func, select

        from avatar_core.infra.models import Generation

        with self.db.read() as session:
            stmt = select(func.count()).where(Generation.status.in_(("queued", "running")))
            return int(session.scalar(stmt) or 0)

    @cached_property
    def experiments(self) -> ExperimentService:
        """A/B tests of a tier's Auto choice."""
        return ExperimentService(self.db)

    @cached_property
    def projects(self) -> ProjectService:
        """Projects (folders of avatars) and avatar names."""
        return ProjectService(self.db)

    @cached_property
    def tokens(self) -> TokenService:
        """Personal access tokens for the REST API."""
        return TokenService(self.db)

    @cached_property
    def invites(self) -> Invites:
        """Sign-up invite codes."""
        return Invites(self.db)

    @cached_property
    def signups(self) -> Signups:
        """Web sign-up: mode, hourly limits, invites."""
        return Signups(self.accounts, self.accounts.throttle, self.invites, self.settings.signup_mode)

    @cached_property
    def gallery(self) -> Gallery:
        """The private gallery."""
        return Gallery(self.db, self.store)

    @property
    def offline(self) -> bool:
        """True when images are offline previews rather than FLUX renders."""
        return bool(getattr(self.engine, "offline", False))

    def close(self) -> None:
        """Release database connections."""
        self.db.dispose()


def build_engine(settings: Settings) -> Engine:
    """The engine the settings ask for: local (offline preview) or Hugging Face."""
    if settings.engine_kind == "local":
        from avatar_core.engines.offline.engine import LocalEngine

        return LocalEngine()
    return build_hf_engine(settings)


def hub_planner(app: App) -> Callable[[RouteTarget], Plan]:
    """How rows would run on Hugging Face: the engine's plan, or the HF routes' when offline."""
    return build_hf_engine(app.settings).plan if app.offline else app.engine.plan


def build_hf_engine(settings: Settings) -> Engine:
    """The Hugging Face engine for `settings` (builds nothing that does I/O)."""
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from avatar_core.engines.hf import HFEngine

    return HFEngine(
        token=settings.hf_token,
        base_url=settings.hf_base_url,
        base_url_handler=settings.hf_base_url_handler,
        provider=settings.hf_provider or None,
        timeout=settings.hf_timeout,
    )


def bootstrap(
    settings: Settings,
    *,
    engine: Engine | None = None,
    hasher: CryptContext | None = None,
    store: ImageStore | None = None,
) -> App:
    """Wire the app for `settings`; tests pass a fake engine, a cheap hasher or a store."""
    db = Database(settings.resolved_database_url)
    hasher = hasher or make_hasher(settings.password_rounds, settings.password_memory_kib)
    app = App(
        settings=settings,
        db=db,
        accounts=Accounts(
            db,
            hasher,
            settings.signup_credits,
            Throttle(
                db,
                signup_per_hour=settings.signup_per_hour,
                signup_global_per_hour=settings.signup_global_per_hour,
            ),
        ),
        catalog=Catalog(db),
        engine_override=engine,
    )
    if store is not None:
        app.store = store
    return app


def init(
    app: App, reset_catalog: bool = False, promote_existing: bool = False
) -> tuple[int, UserInfo | None]:
    """Migrate to head, seed the catalog, create the admin from settings if configured.

    An existing ordinary account of the admin's name is promoted only with `promote_existing`.
    Safe when several replicas start at once: they take turns (`init_lock`).
    """
    with init_lock(app.db):
        upgrade(app.db)
        changed = app.catalog.seed(reset=reset_catalog)
        admin = None
        if app.settings.admin_username and app.settings.admin_password:
            admin = app.accounts.ensure_admin(
                app.settings.admin_username, app.settings.admin_password, promote_existing=promote_existing
            )
    return changed, admin
