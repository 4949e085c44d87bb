"""The composition root: builds every collaborator from Settings, once, into a frozen `App`.

Nothing below this module builds its own collaborators or reads the environment: services get
their database, engine, store, hasher and clock from here. Tests pass fakes through the keyword
arguments of `bootstrap` (an engine, a store, a cheap hasher, a clock).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from passlib.context import CryptContext

from avatar_core.config import PRESET_THUMBNAILS, Settings
from avatar_core.engines.base import Engine, Plan, RouteTarget
from avatar_core.infra.blobs import BlobStore
from avatar_core.infra.db import Database, init_lock, upgrade
from avatar_core.infra.metrics import Metrics
from avatar_core.infra.storage import ImageStore
from avatar_core.infra.storage_s3 import make_photo_store, make_store
from avatar_core.services.admin import AdminService
from avatar_core.services.auth import Accounts, UserInfo, make_hasher
from avatar_core.services.catalog import Catalog
from avatar_core.services.codes import CreditCodes
from avatar_core.services.experiments import ExperimentService
from avatar_core.services.gallery import Gallery
from avatar_core.services.gallery_bulk import GalleryBulk
from avatar_core.services.generation import GenerationService
from avatar_core.services.invites import Invites
from avatar_core.services.limits import per_user_limit
from avatar_core.services.photos import PhotoService
from avatar_core.services.projects import ProjectService
from avatar_core.services.redeem_throttle import RedeemThrottle
from avatar_core.services.signup import Signups
from avatar_core.services.throttle import Throttle
from avatar_core.services.thumbnails import render_preset_thumbnails
from avatar_core.services.tokens import TokenService
from avatar_core.services.topup import MonthlyTopUp
from avatar_core.services.usage import queue_depth
from avatar_core.services.verify import settings_warnings

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class App:
    """Everything a front end (web UI, CLI, REST API, tests) calls; built once by `bootstrap`."""

    settings: Settings
    db: Database
    engine: Engine
    store: ImageStore
    metrics: Metrics
    accounts: Accounts
    catalog: Catalog
    photos: PhotoService
    generations: GenerationService
    gallery: Gallery
    projects: ProjectService
    tokens: TokenService
    throttle: Throttle
    invites: Invites
    signups: Signups
    experiments: ExperimentService
    admin: AdminService

    @property
    def bulk(self) -> GalleryBulk:
        """Several avatars at once (zip, delete, move): stateless over the gallery and projects."""
        return GalleryBulk(self.gallery, self.projects)

    @property
    def codes(self) -> CreditCodes:
        """Credit codes ("Get credits"): stateless over the database and the throttle's table."""
        return CreditCodes(self.db, RedeemThrottle(self.throttle), self.throttle.clock)

    @property
    def topup(self) -> MonthlyTopUp:
        """The monthly free top-up (AVATAR_MONTHLY_TOPUP; services/topup.py has the rule)."""
        return MonthlyTopUp(self.db, self.settings.credits.monthly_topup, self.throttle.clock)

    @property
    def offline(self) -> bool:
        """True when images are offline previews rather than FLUX renders."""
        return self.engine.offline

    def close(self) -> None:
        """Stop this process's job worker, then release database connections."""
        self.generations.close()
        self.db.dispose()


def offline_engine() -> Engine:
    """The Pillow painter: previews without a model, and the preset thumbnails."""
    from avatar_core.engines.offline.engine import LocalEngine

    return LocalEngine()


def build_engine(settings: Settings) -> Engine:
    """The engine the settings ask for: local (offline preview) or Hugging Face."""
    return offline_engine() if settings.engine_kind == "local" else build_hf_engine(settings)


def build_hf_engine(settings: Settings) -> Engine:
    """The Hugging Face engine for `settings` (builds nothing that does I/O)."""
    from avatar_core.engines.hf import HFEngine

    return HFEngine(
        token=settings.hf_token,
        base_url=settings.hf_base_url,
        base_url_handler=settings.hf_base_url_handler,
        provider=settings.hf_provider or None,
        timeout=settings.hf_timeout,
    )


def hub_planner(settings: Settings, engine: Engine) -> Callable[[RouteTarget], Plan]:
    """How rows would run on Hugging Face: the engine's plan, or the HF routes' when offline."""
    if not engine.offline:
        return engine.plan
    hf = cache(lambda: build_hf_engine(settings))  # built on the first admin check, not at start
    return lambda target: hf().plan(target)


def utcnow() -> datetime:
    """The wall clock, timezone-aware (UTC)."""
    return datetime.now(UTC)


def bootstrap(
    settings: Settings,
    *,
    engine: Engine | None = None,
    store: ImageStore | None = None,
    hasher: CryptContext | None = None,
    clock: Clock | None = None,
) -> App:
    """Wire the app for `settings`; tests pass a fake engine, a store, a cheap hasher or a clock."""
    clock = clock or utcnow
    db = Database(settings.resolved_database_url)
    engine = engine or build_engine(settings)
    store = store or make_store(settings)
    throttle = Throttle(
        db,
        signup_per_hour=settings.signup_per_hour,
        signup_global_per_hour=settings.signup_global_per_hour,
        api_per_minute=settings.api_rate_per_minute,
        clock=clock,
    )
    hasher = hasher or make_hasher(settings.password_rounds, settings.password_memory_kib)
    accounts = Accounts(db, hasher, settings.signup_credits, throttle)
    catalog = Catalog(db)
    metrics = Metrics(queue_depth=lambda: queue_depth(db))
    photos = _photos(db, make_photo_store(settings, store), settings, clock)
    generations = GenerationService(
        db,
        catalog,
        engine,
        store,
        deadline=settings.generation_deadline,
        lease=settings.generation_lease,
        photos=photos,
        metrics=metrics,
        admit=per_user_limit(max(settings.user_queue, settings.user_concurrency)),
        user_concurrency=settings.user_concurrency,
        priorities=dict(settings.tier_priority),
    )
    invites, experiments = Invites(db), ExperimentService(db)
    return App(
        settings=settings,
        db=db,
        engine=engine,
        store=store,
        metrics=metrics,
        accounts=accounts,
        catalog=catalog,
        photos=photos,
        generations=generations,
        gallery=Gallery(db, store),
        projects=ProjectService(db),
        tokens=TokenService(db),
        throttle=throttle,
        invites=invites,
        signups=Signups(accounts, throttle, invites, settings.signup_mode),
        experiments=experiments,
        admin=AdminService(
            db, accounts, catalog, experiments, invites, engine, hub_planner(settings, engine)
        ),
    )


def _photos(db: Database, blobs: BlobStore, settings: Settings, clock: Clock) -> PhotoService:
    """Users' source photos for likeness avatars (private, short-lived)."""
    return PhotoService(
        db,
        blobs,
        retention_hours=settings.photo_retention_hours,
        max_bytes=settings.max_upload_mb * 1024 * 1024,
        per_hour=settings.photo_uploads_per_hour,
        clock=clock,
    )


def init(
    app: App, reset_catalog: bool = False, promote_existing: bool = False
) -> tuple[int, UserInfo | None]:
    """Migrate to head, seed the catalog, create the admin from settings if configured; log a
    warning for each setting that starts but is unsafe (`settings_warnings`).

    An existing ordinary account of the admin's name is promoted only with `promote_existing`.
    Safe when several replicas start at once: they take turns (`init_lock`).
    """
    for warning in settings_warnings(app.settings):
        logging.getLogger("avatar_core.config").warning("%s", warning)
    with init_lock(app.db):
        upgrade(app.db)
        changed = app.catalog.seed(reset=reset_catalog)
        with contextlib.suppress(OSError):  # a read-only install keeps the shipped thumbnails
            render_preset_thumbnails(app.catalog.presets(), PRESET_THUMBNAILS, offline_engine())
        admin = None
        if app.settings.admin_username and app.settings.admin_password:
            admin = app.accounts.ensure_admin(
                app.settings.admin_username, app.settings.admin_password, promote_existing=promote_existing
            )
    return changed, admin


def database_unready(err: BaseException) -> bool:
    """True when `err` means the database is unreachable or not initialised (for one-line CLI errors)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    return isinstance(err, (OperationalError, ProgrammingError))
