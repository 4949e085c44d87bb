"""The generation use case: select, reserve, render, store, then capture or refund exactly once."""

from __future__ import annotations

import logging
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from avatar_core.domain.errors import NoModelsAvailable, NotFound, TierRefused, ValidationError
from avatar_core.domain.likeness import likeness_instruction
from avatar_core.domain.prompts import MAX_PROMPT_CHARS, BuiltPrompt, build_prompt
from avatar_core.domain.selection import (
    TIERS,
    ModelSpec,
    Preferences,
    Selection,
    accessible_models,
    price_for,
    select_model,
)
from avatar_core.engines.base import Engine, EngineError, Plan, RenderRequest, RenderResult, RouteTarget
from avatar_core.infra.db import Database, lock_user
from avatar_core.infra.metrics import Metrics
from avatar_core.infra.models import Generation, User, utcnow
from avatar_core.infra.storage import ImageStore
from avatar_core.services import credits
from avatar_core.services.auth import UserInfo
from avatar_core.services.catalog import Catalog, PresetView
from avatar_core.services.experiments import active_for, arm_for
from avatar_core.services.photos import PhotoService
from avatar_core.services.projects import clean_name, default_project, owned_project

log = logging.getLogger("avatar_core.services.generation")
MAX_SEED = 2**31 - 1
MIN_SIZE, MAX_SIZE = 256, 2048
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class GenerationRequest:
    """What a user asks for; everything but a prompt or preset is optional."""

    prompt: str = ""
    preset: str | None = None
    model: str | None = None
    prefer_realism: bool = False
    prefer_hd: bool = False
    fast: bool = False
    seed: int | None = None
    size: int | None = None
    from_photo: bool = False  # "From my photo": a likeness model edits the user's photo
    photo_id: int | None = None  # the uploaded photo (required with from_photo to generate)
    project_id: int | None = None  # one of the user's projects (default "My avatars")
    name: str = ""  # the avatar's name (default: the preset's name or the prompt's first words)
    idempotency_key: str | None = None  # a retry with the same key returns the first generation


class Replay(Exception):
    """The request's idempotency key was used before: answer with that generation."""

    def __init__(self, generation_id: int) -> None:
        super().__init__(generation_id)
        self.generation_id = generation_id


@dataclass(frozen=True)
class Source:
    """The user's photo for a likeness avatar: its cleaned bytes and when consent was given."""

    image: bytes
    consent_at: datetime


@dataclass(frozen=True)
class GenerationResult:
    """The outcome the UI and CLI show."""

    generation_id: int
    status: str
    model_key: str
    model_name: str
    engine: str
    credits_charged: int
    balance: int
    seed: int
    seconds: float
    reason: str
    image_key: str | None = None
    thumb_key: str | None = None
    error: str | None = None
    lora_applied: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    width: int = 0  # of the stored image
    height: int = 0
    provider: str = ""  # the route that ran ("offline", "replicate", "fal-ai", "endpoint"...)
    provider_model: str = ""  # the provider's model id that ran
    lora: str | None = None  # the LoRA repo that ran, None when none did
    lora_scale: float | None = None  # its effective scale
    name: str = ""
    project_id: int | None = None

    @property
    def ok(self) -> bool:
        """True when the image was made and paid for."""
        return self.status == "completed"

    def as_dict(self) -> dict[str, object]:
        """The fields `generate --json` and the REST API share."""
        out: dict[str, object] = {
            "generation_id": self.generation_id,
            "status": self.status,
            "model_key": self.model_key,
            "engine": self.engine,
            "offline_preview": self.provider == "offline",
            "credits_charged": self.credits_charged,
            "balance": self.balance,
            "seed": self.seed,
            "seconds": self.seconds,
            "reason": self.reason,
            "lora_applied": self.lora_applied,
            "notes": list(self.notes),
            "width": self.width or None,
            "height": self.height or None,
            "provider": self.provider or None,
            "provider_model": self.provider_model or None,
            "lora": {"repo": self.lora, "scale": self.lora_scale} if self.lora else None,
        }
        if self.error:
            out["error"] = self.error
        return out


def _fields(**values: object) -> str:
    return " ".join(
        f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}" for k, v in values.items()
    )


def _log(event: str, **values: object) -> None:
    log.info("%s %s", event, _fields(**values))


def _avatar_name(request: GenerationRequest, text: str, preset: PresetView | None, from_photo: bool) -> str:
    """The name given, else the preset's name, else the prompt's first words."""
    if request.name.strip():
        return clean_name(request.name, "avatar", 120)
    if preset is not None:
        return preset.name + (" (from my photo)" if from_photo else "")
    words = text.split()
    return (" ".join(words[:6]) + ("…" if len(words) > 6 else ""))[:120] or "Avatar"


def _experiment(
    session: Session, models: list[ModelSpec], user_id: int, tier: str, request: GenerationRequest
) -> Selection | None:
    """The A/B arm's selection for an Auto request of a tier with a running experiment."""
    if (
        request.model
        or request.from_photo
        or request.prefer_realism
        or request.prefer_hd
        or request.fast
        or request.size
    ):
        return None
    experiment = active_for(session, tier)
    if experiment is None:
        return None
    arm = arm_for(user_id, experiment)
    key = experiment.model_b if arm == "B" else experiment.model_a
    model = next((m for m in accessible_models(models, tier) if m.model_key == key), None)
    if model is None:  # the arm's model is disabled, unsold or above the tier: the usual choice
        return None
    price = price_for(model, tier)
    reason = f"{tier} tier, A/B test #{experiment.id} arm {arm} → {model.name}, {price} credits"
    return Selection(model=model, price=price, reason=reason, arm=f"exp{experiment.id}:{arm}")


def _select(models: list[ModelSpec], tier: str, request: GenerationRequest) -> Selection:
    """Selection for one request; "From my photo" only among likeness rows, without preferences."""
    if not request.from_photo:
        prefs = Preferences(request.prefer_realism, request.prefer_hd, request.fast)
        return select_model(models, tier, prefs, request.model, request.size)
    likeness = [m for m in models if m.enabled and m.likeness]
    if not likeness:
        raise NoModelsAvailable("“From my photo” is not available on this server right now.")
    if not accessible_models(likeness, tier, likeness=True):
        needed = min((m.tier for m in likeness), key=TIERS.index)
        raise TierRefused(f"“From my photo” needs the {needed} tier or higher; your tier is {tier}.")
    return select_model(models, tier, Preferences(), request.model, likeness=True)


def printable(text: str) -> str:
    """`text` without control characters and lone surrogates (NUL is refused by PostgreSQL)."""
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cs"))


def validate(request: GenerationRequest) -> tuple[str, int | None]:
    """The cleaned user text and seed; ValidationError for anything out of range."""
    text = " ".join(printable(request.prompt or "").split())
    if len(text) > MAX_PROMPT_CHARS:
        raise ValidationError(f"The prompt is too long: at most {MAX_PROMPT_CHARS} characters.")
    if not text and not request.preset:
        raise ValidationError("Write a prompt or pick a preset.")
    if request.seed is not None and not 0 <= request.seed <= MAX_SEED:
        raise ValidationError(f"The seed must be between 0 and {MAX_SEED}.")
    if request.size is not None and not MIN_SIZE <= request.size <= MAX_SIZE:
        raise ValidationError(f"The size must be between {MIN_SIZE} and {MAX_SIZE} pixels.")
    key = request.idempotency_key
    if key is not None and not (0 < len(key) <= 128 and printable(key) == key):
        raise ValidationError("An idempotency key is 1-128 printable characters.")
    if request.name.strip():
        clean_name(request.name, "avatar", 120)
    return text, request.seed


class GenerationService:
    """Turns a request into an avatar; the engine runs outside any transaction."""

    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        engine: Engine,
        store: ImageStore,
        deadline: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        photos: PhotoService | None = None,
        metrics: Metrics | None = None,
        admit: Callable[[Session, User], None] | None = None,
    ) -> None:
        self.db, self.catalog, self.engine, self.store = db, catalog, engine, store
        self.deadline, self.clock, self.photos, self.metrics = deadline, clock, photos, metrics
        self.admit = admit  # called under the user lock before a charge (per-user concurrency)

    def generate(
        self, user: UserInfo, request: GenerationRequest, progress: Progress | None = None
    ) -> GenerationResult:
        """Run one generation for `user`; bad input raises before anything is charged."""
        report = progress or (lambda _stage, _fraction: None)
        text, seed = validate(request)
        preset = self._preset(request.preset)
        seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
        source = self._source(user.id, request)
        models = self._servable(self.catalog.models(), request.model, request.from_photo)
        try:
            gen_id, selection, tier, render = self._open(user.id, request, text, preset, seed, models, source)
        except Replay as replay:
            return self.result(user.id, replay.generation_id, wait=True)
        model = selection.model
        report(f"Generating with {model.name} (about {model.expected_seconds} s)", 0.1)
        started = self.clock()
        charged, notes = selection.price, []
        try:
            result = self._render(render)
        except EngineError as err:
            fallback = self._fallback(err, models, model, tier)
            if fallback is None:
                return self._fail(
                    user.id, gen_id, selection, seed, started, err.user_message, err.detail, err.kind
                )
            notes.append(f"{model.name} was refused ({err.status}); fell back to {fallback.name}")
            _log("generation.fallback", generation=gen_id, model=fallback.model_key, status=err.status)
            model, charged = fallback, min(price_for(fallback, tier), selection.price)
            render = self._render_request(text, preset, seed, model, self.plan(model), source)
            try:
                result = self._render(render)
            except EngineError as err2:
                return self._fail(
                    user.id, gen_id, selection, seed, started, err2.user_message, err2.detail, err2.kind
                )
        except Exception:  # an engine bug must still refund
            log.exception("generation.engine_crash generation=%s", gen_id)
            return self._fail(
                user.id,
                gen_id,
                selection,
                seed,
                started,
                "The image engine failed unexpectedly; your credits were refunded.",
                kind="crash",
            )
        report("Saving", 0.9)
        return self._complete(
            user.id,
            gen_id,
            selection,
            model,
            charged,
            started,
            render,
            result,
            preset,
            tuple(notes) + result.notes,
        )

    def quote(self, user: UserInfo, request: GenerationRequest) -> Selection:
        """What `generate` would run and charge right now, without charging anything."""
        self._preset(request.preset)
        fresh_tier = self._tier(user.id)
        models = self._servable(self.catalog.models(), request.model, request.from_photo)
        return _select(models, fresh_tier, request)

    def plan(self, model: ModelSpec) -> Plan:
        """How the engine would serve `model` (route, LoRA, achievable size, sold or not)."""
        return self.engine.plan(RouteTarget.of(model))

    def sold_models(self, from_photo: bool = False) -> list[ModelSpec]:
        """The catalog as users see it for one mode: rows not sold (or of the other mode) disabled."""
        return self._servable(self.catalog.models(), None, from_photo)

    def _servable(
        self, models: list[ModelSpec], explicit: str | None, from_photo: bool = False
    ) -> list[ModelSpec]:
        """The catalog with rows this engine cannot serve as sold, or of the other mode, disabled.

        An explicit request for such a row is refused here, before anything is charged.
        """
        out = []
        for m in models:
            plan = self.plan(m) if m.enabled else None
            if plan is not None and not plan.servable:
                if m.model_key == explicit:
                    raise ValidationError(f"{m.name} is not available on this server right now.")
                m = replace(m, enabled=False)
            if m.likeness != from_photo:
                if m.model_key == explicit and m.enabled:
                    raise ValidationError(
                        f"{m.name} makes avatars from your photo: use “From my photo”."
                        if m.likeness
                        else f"{m.name} cannot make avatars from a photo."
                    )
                m = replace(m, enabled=False)
            out.append(m)
        return out

    def _source(self, user_id: int, request: GenerationRequest) -> Source | None:
        """The user's photo for "From my photo" (owner-checked), or None for a text avatar."""
        if not request.from_photo:
            return None
        if request.photo_id is None or self.photos is None:
            raise ValidationError("Upload a photo of yourself first.")
        image, consent_at = self.photos.read(user_id, request.photo_id)
        return Source(image, consent_at)

    def _tier(self, user_id: int) -> str:
        with self.db.read() as session:
            tier = session.scalar(select(User.tier).where(User.id == user_id))
        if tier is None:
            raise NotFound("No such user.")
        return str(tier)

    def _preset(self, key: str | None) -> PresetView | None:
        if not key:
            return None
        try:
            if printable(key) != key:  # cannot name a preset; and NUL breaks a PostgreSQL query
                raise NotFound(key)
            return self.catalog.preset(key)
        except NotFound:
            raise ValidationError(f"Unknown preset {key[:60]!r}.") from None

    def _open(
        self,
        user_id: int,
        request: GenerationRequest,
        text: str,
        preset: PresetView | None,
        seed: int,
        models: list[ModelSpec],
        source: Source | None,
    ) -> tuple[int, Selection, str, RenderRequest]:
        """One transaction: select for the user's current tier, create the row, reserve."""
        with self.db.transaction() as session:
            user = lock_user(session, user_id)  # serialises this user's requests, retries included
            if request.idempotency_key:
                same_key = Generation.idempotency_key == request.idempotency_key
                earlier = session.scalar(select(Generation.id).where(Generation.user_id == user_id, same_key))
                if earlier is not None:
                    raise Replay(earlier)
            if self.admit is not None:
                self.admit(session, user)
            selection = _experiment(session, models, user.id, user.tier, request) or _select(
                models, user.tier, request
            )
            model = selection.model
            plan = self.plan(model)
            render = self._render_request(text, preset, seed, model, plan, source)
            project_id = (
                owned_project(session, user_id, request.project_id).id
                if request.project_id
                else default_project(session, user_id)
            )
            gen = Generation(
                user_id=user.id,
                status="queued",
                model_key=model.model_key,
                model_id=model.model_id,
                lora_model=plan.lora,
                lora_scale=plan.lora_scale,
                preset_key=preset.key if preset else None,
                user_prompt=text,
                prompt=render.prompt,
                negative_prompt=render.negative_prompt,
                seed=seed,
                width=plan.width,
                height=plan.height,
                steps=model.steps,
                guidance_scale=model.guidance_scale,
                price=selection.price,
                reason=selection.reason,
                provider=plan.route,
                provider_model=plan.provider_model,
                photo_consent_at=source.consent_at if source else None,
                project_id=project_id,
                name=_avatar_name(request, text, preset, source is not None),
                idempotency_key=request.idempotency_key or None,
                arm=selection.arm,
            )
            session.add(gen)
            session.flush()
            credits.reserve(session, user.id, selection.price, gen.id)
            gen.status = "running"
            _log(
                "generation.selected",
                generation=gen.id,
                user=user.username,
                model=model.model_key,
                reason=selection.reason,
                cost=selection.price,
                resolution=f"{model.width}x{model.height}",
                lora=model.lora_model,
                lora_scale=model.lora_scale,
                steps=model.steps,
                guidance=model.guidance_scale,
                engine=getattr(self.engine, "name", "?"),
            )
            return gen.id, selection, user.tier, render

    def _render_request(
        self,
        text: str,
        preset: PresetView | None,
        seed: int,
        model: ModelSpec,
        plan: Plan,
        source: Source | None = None,
    ) -> RenderRequest:
        data = preset.as_data() if preset else None
        if source is not None:  # an edit instruction that keeps who the person is
            built = BuiltPrompt(likeness_instruction(text, data), "")
        else:
            built = build_prompt(text, preset=data, realism=model.is_realism)
        return RenderRequest(
            prompt=built.prompt,
            negative_prompt=built.negative_prompt if plan.negative_prompt else "",
            width=model.width,
            height=model.height,
            steps=model.steps,
            guidance_scale=model.guidance_scale,
            seed=seed,
            model_id=model.model_id,
            lora_model=model.lora_model,
            lora_scale=model.lora_scale,
            attributes=dict(preset.attributes) if preset else {},
            endpoint_url=model.endpoint_url,
            endpoint_handler=model.endpoint_handler,
            image=source.image if source else None,
        )

    def _render(self, request: RenderRequest) -> RenderResult:
        return self.engine.render(request, deadline=self.clock() + self.deadline)

    def _fallback(
        self, err: EngineError, models: list[ModelSpec], model: ModelSpec, tier: str
    ) -> ModelSpec | None:
        """FLUX.1-dev refused (licence/subscription) → schnell, if the tier reaches it."""
        if not err.refused or "flux.1-dev" not in model.model_id.lower():
            return None
        fast = [m for m in accessible_models(models, tier) if m.is_fast]
        return min(fast, key=lambda m: m.credit_cost) if fast else None

    def _fail(
        self,
        user_id: int,
        gen_id: int,
        selection: Selection,
        seed: int,
        started: float,
        message: str,
        detail: str = "",
        kind: str = "failed",
    ) -> GenerationResult:
        seconds = round(self.clock() - started, 3)
        with self.db.transaction() as session:
            gen = session.get(Generation, gen_id)
            assert gen is not None
            entry = credits.release(session, user_id, gen_id, reason="generation failed")
            gen.status, gen.error, gen.seconds, gen.finished_at = ("failed", message, seconds, utcnow())
            gen.error_detail = (detail or message)[:2000]
            balance = entry.balance_after
        if self.metrics is not None:
            self.metrics.failed(selection.model.model_key, selection.price, str(kind))
        _log(
            "generation.failed",
            generation=gen_id,
            model=selection.model.model_key,
            seconds=seconds,
            refunded=selection.price,
            error=message,
            detail=(detail or message)[:500],
        )
        return GenerationResult(
            generation_id=gen_id,
            status="failed",
            model_key=selection.model.model_key,
            model_name=selection.model.name,
            engine=getattr(self.engine, "name", "?"),
            credits_charged=0,
            balance=balance,
            seed=seed,
            seconds=seconds,
            reason=selection.reason,
            error=message,
        )

    def _complete(
        self,
        user_id: int,
        gen_id: int,
        selection: Selection,
        model: ModelSpec,
        charged: int,
        started: float,
        render: RenderRequest,
        result: RenderResult,
        preset: PresetView | None,
        notes: tuple[str, ...],
    ) -> GenerationResult:
        seed = render.seed
        width, height = result.image.size
        lora = model.lora_model if result.lora_applied else None
        lora_scale = result.lora_scale_applied if lora else None
        recipe = {
            "prompt": render.prompt,
            "negative_prompt": render.negative_prompt,
            "model": model.model_key,
            "model_id": result.model_used,
            "lora": lora,
            "lora_scale": lora_scale,
            "seed": seed,
            "steps": model.steps,
            "guidance": model.guidance_scale,
            "size": f"{width}x{height}",
            "engine": result.engine,
            "provider": result.provider,
            "provider_model": result.provider_model,
            "preset": preset.key if preset else None,
            "source": "from your photo" if render.image is not None else "prompt",
            "arm": selection.arm,
        }
        try:
            stored = self.store.save(
                user_id, f"gen-{gen_id}", result.image, recipe, source_png=result.source_png
            )
        except Exception:
            log.exception("generation.store_failed generation=%s", gen_id)
            return self._fail(
                user_id,
                gen_id,
                selection,
                seed,
                started,
                "The image could not be saved; your credits were refunded.",
                kind="storage",
            )
        seconds = round(self.clock() - started, 3)
        with self.db.transaction() as session:
            gen = session.get(Generation, gen_id)
            assert gen is not None
            entry = credits.capture(session, user_id, gen_id, charged=charged)
            session.execute(
                update(User).where(User.id == user_id).values(gallery_count=User.gallery_count + 1)
            )
            gen.status, gen.seconds, gen.finished_at = "completed", seconds, utcnow()
            gen.credits_charged, gen.engine, gen.notes = charged, result.engine, "; ".join(notes)
            gen.image_path, gen.thumb_path = stored.image_key, stored.thumb_key
            gen.lora_applied, gen.lora_model = lora is not None, lora
            gen.lora_scale = lora_scale
            gen.width, gen.height = width, height
            gen.provider, gen.provider_model = result.provider, result.provider_model
            gen.cost_usd = 0.0 if result.offline else model.cost_usd  # what the provider charges us
            name, project_id = gen.name, gen.project_id
            if model.model_key != gen.model_key:
                gen.model_key, gen.model_id = model.model_key, model.model_id
                gen.steps, gen.guidance_scale = model.steps, model.guidance_scale
                gen.prompt, gen.negative_prompt = render.prompt, render.negative_prompt
            balance = entry.balance_after
        if self.metrics is not None:
            self.metrics.completed(model.model_key, seconds, charged)
        _log(
            "generation.completed",
            generation=gen_id,
            model=model.model_key,
            engine=result.engine,
            seconds=seconds,
            charged=charged,
            attempts=result.attempts,
            lora_applied=result.lora_applied,
        )
        reason = (
            selection.reason
            if model == selection.model
            else (f"{selection.reason}; fell back to {model.name}, {charged} credits")
        )
        return GenerationResult(
            generation_id=gen_id,
            status="completed",
            model_key=model.model_key,
            model_name=model.name,
            engine=result.engine,
            credits_charged=charged,
            balance=balance,
            seed=seed,
            seconds=seconds,
            reason=reason,
            image_key=stored.image_key,
            thumb_key=stored.thumb_key,
            lora_applied=lora is not None,
            notes=notes,
            width=width,
            height=height,
            provider=result.provider,
            provider_model=result.provider_model,
            lora=lora,
            lora_scale=lora_scale,
            name=name,
            project_id=project_id,
        )

    def result(self, user_id: int, generation_id: int, *, wait: bool = False) -> GenerationResult:
        """The outcome of one of the user's generations (waiting while it runs, if asked)."""
        stop = self.clock() + self.deadline
        while True:
            with self.db.read() as session:
                gen = session.get(Generation, generation_id)
                if gen is None or gen.user_id != user_id:
                    raise NotFound("No such generation.")
                balance = session.scalar(select(User.balance).where(User.id == user_id)) or 0
                if gen.status in ("completed", "failed") or not wait or self.clock() > stop:
                    return _result_of(gen, int(balance))
            time.sleep(0.1)

    def recover_stale(self, older_than: float | None = None) -> int:
        """Fail and refund generations left queued/running past the deadline (after a crash)."""
        grace = min(60.0, self.deadline)  # a generation finishing right at its deadline keeps it
        age = self.deadline + grace if older_than is None else older_than
        cutoff = utcnow() - timedelta(seconds=age)
        with self.db.read() as session:
            stale = session.execute(
                select(Generation.id, Generation.user_id).where(
                    Generation.status.in_(("queued", "running")), Generation.created_at < cutoff
                )
            ).all()
        for gen_id, user_id in stale:
            with self.db.transaction() as session:
                lock_user(session, user_id)
                gen = session.get(Generation, gen_id)
                if gen is None or gen.status not in ("queued", "running"):
                    continue
                credits.release(session, user_id, gen_id, reason="interrupted; refunded")
                gen.status, gen.finished_at = "failed", utcnow()
                gen.error = "The generation was interrupted; your credits were refunded."
            _log("generation.recovered", generation=gen_id)
        return len(stale)

    def start_sweeper(self, interval: float | None = None) -> threading.Event:
        """Refund interrupted generations and purge expired photos now and then (a daemon thread)."""
        stop = threading.Event()
        every = interval or max(5.0, self.deadline / 2)

        def sweep() -> None:
            while not stop.wait(every):
                try:
                    self.recover_stale()
                    if self.photos is not None:
                        self.photos.purge()  # photos past their retention
                except Exception:  # noqa: BLE001 - keep sweeping; the next round retries
                    log.exception("generation.sweeper_failed")

        threading.Thread(target=sweep, name="generation-sweeper", daemon=True).start()
        return stop


def _result_of(gen: Generation, balance: int) -> GenerationResult:
    """A GenerationResult from a stored generation (for replays of an idempotent request)."""
    return GenerationResult(
        generation_id=gen.id,
        status=gen.status,
        model_key=gen.model_key,
        model_name=gen.model_key,
        engine=gen.engine,
        credits_charged=gen.credits_charged,
        balance=balance,
        seed=gen.seed,
        seconds=gen.seconds or 0.0,
        reason=gen.reason,
        image_key=gen.image_path,
        thumb_key=gen.thumb_path,
        error=gen.error,
        lora_applied=gen.lora_applied,
        notes=tuple(n for n in gen.notes.split("; ") if n),
        width=gen.width,
        height=gen.height,
        provider=gen.provider,
        provider_model=gen.provider_model,
        lora=gen.lora_model if gen.lora_applied else None,
        lora_scale=gen.lora_scale if gen.lora_applied else None,
        name=gen.name,
        project_id=gen.project_id,
    )
