"""Builds the collaborators from Settings: the one place that wires the app together."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

from passlib.context import CryptContext

from .auth import Accounts, UserInfo, make_hasher
from .catalog import Catalog
from .config import Settings
from .db import Database, init_lock, upgrade
from .engines.base import Engine
from .gallery import Gallery
from .generation import GenerationService
from .invites import Invites
from .limits import per_user_limit
from .signup import Signups
from .storage import ImageStore, LocalImageStore
from .throttle import Throttle


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
        """Where avatars are kept (the local directory unless a shared store is plugged in)."""
        return LocalImageStore(self.settings.image_dir)

    @cached_property
    def generations(self) -> GenerationService:
        """The generation use case."""
        return GenerationService(self.db, self.catalog, self.engine, self.store,
                                 deadline=self.settings.generation_deadline,
                                 admit=per_user_limit(self.settings.user_concurrency))  # fmt: skip

    @cached_property
    def invites(self) -> Invites:
        """Sign-up invite codes."""
        return Invites(self.db)

    @cached_property
    def signups(self) -> Signups:
        """Web sign-up: mode, hourly limits, invites."""
        return Signups(self.accounts, self.accounts.throttle, self.invites,
                       self.settings.signup_mode)  # fmt: skip

    @cached_property
    def gallery(self) -> Gallery:
        """The private gallery."""
        return Gallery(self.db, self.store)

    @property
    def offline(self) -> bool:
        """True when images are offline previews rather than FLUX renders."""
        return getattr(self.engine, "name", "") == "local"

    def close(self) -> None:
        """Release database connections."""
        self.db.dispose()


def build_engine(settings: Settings) -> Engine:
    """The engine the settings ask for: local (offline preview) or Hugging Face."""
    if settings.engine_kind == "local":
        from .engines.local import LocalEngine

        return LocalEngine()
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from .engines.hf import HFEngine

    return HFEngine(
        token=settings.hf_token,
        base_url=settings.hf_base_url,
        provider=settings.hf_provider or None,
        timeout=settings.hf_timeout,
    )


def bootstrap(
    settings: Settings, *, engine: Engine | None = None, hasher: CryptContext | None = None
) -> App:
    """Wire the app for `settings`; tests pass a fake engine or a cheap hasher."""
    db = Database(settings.resolved_database_url)
    hasher = hasher or make_hasher(settings.password_rounds, settings.password_memory_kib)
    return App(
        settings=settings,
        db=db,
        accounts=Accounts(db, hasher, settings.signup_credits, Throttle(
            db, signup_per_hour=settings.signup_per_hour,
            signup_global_per_hour=settings.signup_global_per_hour)),  # fmt: skip
        catalog=Catalog(db),
        engine_override=engine,
    )


def init(app: App, reset_catalog: bool = False,
         promote_existing: bool = False) -> tuple[int, UserInfo | None]:  # fmt: skip
    """Migrate to head, seed the catalog, create the admin from settings if configured.

    An existing ordinary account of the admin's name is promoted only with `promote_existing`.
    Safe when several replicas start at once: they take turns (`init_lock`).
    """
    with init_lock(app.db):
        upgrade(app.db)
        changed = app.catalog.seed(reset=reset_catalog)
        admin = None
        if app.settings.admin_username and app.settings.admin_password:
            admin = app.accounts.ensure_admin(app.settings.admin_username,
                                              app.settings.admin_password,
                                              promote_existing=promote_existing)  # fmt: skip
    return changed, admin
