"""The generation use case: select, reserve, render, store, then capture or refund exactly once."""

from __future__ import annotations

import logging
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import credits
from .auth import UserInfo
from .catalog import Catalog, PresetView
from .db import Database, lock_user
from .engines.base import Engine, EngineError, RenderRequest, RenderResult
from .errors import NotFound, ValidationError
from .models import Generation, User, utcnow
from .prompts import MAX_PROMPT_CHARS, build_prompt
from .selection import (
    ModelSpec,
    Preferences,
    Selection,
    accessible_models,
    price_for,
    select_model,
)
from .storage import ImageStore

log = logging.getLogger("avatar_core.generation")
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

    @property
    def ok(self) -> bool:
        """True when the image was made and paid for."""
        return self.status == "completed"


def _fields(**values: object) -> str:
    return " ".join(f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}"
                    for k, v in values.items())  # fmt: skip


def _log(event: str, **values: object) -> None:
    log.info("%s %s", event, _fields(**values))


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
    return text, request.seed


class GenerationService:
    """Turns a request into an avatar; the engine runs outside any transaction."""

    def __init__(self, db: Database, catalog: Catalog, engine: Engine, store: ImageStore,
                 deadline: float = 300.0, clock: Callable[[], float] = time.monotonic,
                 admit: Callable[[Session, User], None] | None = None) -> None:  # fmt: skip
        self.db, self.catalog, self.engine, self.store = db, catalog, engine, store
        self.deadline, self.clock, self.admit = deadline, clock, admit  # admit: under the user lock

    def generate(self, user: UserInfo, request: GenerationRequest,
                 progress: Progress | None = None) -> GenerationResult:  # fmt: skip
        """Run one generation for `user`; bad input raises before anything is charged."""
        report = progress or (lambda _stage, _fraction: None)
        text, seed = validate(request)
        preset = self._preset(request.preset)
        seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
        models = self.catalog.models()
        gen_id, selection, tier, render = self._open(user.id, request, text, preset, seed, models)
        model = selection.model
        report(f"Generating with {model.name} (about {model.expected_seconds} s)", 0.1)
        started = self.clock()
        charged, notes = selection.price, []
        try:
            result = self._render(render)
        except EngineError as err:
            fallback = self._fallback(err, models, model, tier)
            if fallback is None:
                return self._fail(user.id, gen_id, selection, seed, started, err.user_message)
            notes.append(f"{model.name} was refused ({err.status}); fell back to {fallback.name}")
            _log("generation.fallback", generation=gen_id, model=fallback.model_key, status=err.status)
            model, charged = fallback, min(price_for(fallback, tier), selection.price)
            render = self._render_request(text, preset, seed, model)
            try:
                result = self._render(render)
            except EngineError as err2:
                return self._fail(user.id, gen_id, selection, seed, started, err2.user_message)
        except Exception:  # an engine bug must still refund
            log.exception("generation.engine_crash generation=%s", gen_id)
            return self._fail(user.id, gen_id, selection, seed, started,
                              "The image engine failed unexpectedly; your credits were refunded.")
        report("Saving", 0.9)
        return self._complete(user.id, gen_id, selection, model, charged, started, render, result,
                              preset, tuple(notes) + result.notes)  # fmt: skip

    def quote(self, user: UserInfo, request: GenerationRequest) -> Selection:
        """What `generate` would run and charge right now, without charging anything."""
        self._preset(request.preset)
        fresh_tier = self._tier(user.id)
        prefs = Preferences(request.prefer_realism, request.prefer_hd, request.fast)
        return select_model(self.catalog.models(), fresh_tier, prefs, request.model, request.size)

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

    def _open(self, user_id: int, request: GenerationRequest, text: str, preset: PresetView | None,
              seed: int, models: list[ModelSpec]
              ) -> tuple[int, Selection, str, RenderRequest]:  # fmt: skip
        """One transaction: select for the user's current tier, create the row, reserve."""
        prefs = Preferences(request.prefer_realism, request.prefer_hd, request.fast)
        with self.db.transaction() as session:
            user = lock_user(session, user_id)
            if self.admit is not None:
                self.admit(session, user)
            selection = select_model(models, user.tier, prefs, request.model, request.size)
            model = selection.model
            render = self._render_request(text, preset, seed, model)
            gen = Generation(
                user_id=user.id, status="queued", model_key=model.model_key,
                model_id=model.model_id, lora_model=model.lora_model, lora_scale=model.lora_scale,
                preset_key=preset.key if preset else None, user_prompt=text, prompt=render.prompt,
                negative_prompt=render.negative_prompt, seed=seed, width=model.width,
                height=model.height, steps=model.steps, guidance_scale=model.guidance_scale,
                price=selection.price, reason=selection.reason,
            )  # fmt: skip
            session.add(gen)
            session.flush()
            credits.reserve(session, user.id, selection.price, gen.id)
            gen.status = "running"
            _log("generation.selected", generation=gen.id, user=user.username,
                 model=model.model_key, reason=selection.reason, cost=selection.price,
                 resolution=f"{model.width}x{model.height}", lora=model.lora_model,
                 lora_scale=model.lora_scale, steps=model.steps, guidance=model.guidance_scale,
                 engine=getattr(self.engine, "name", "?"))  # fmt: skip
            return gen.id, selection, user.tier, render

    def _render_request(self, text: str, preset: PresetView | None, seed: int,
                        model: ModelSpec) -> RenderRequest:  # fmt: skip
        built = build_prompt(text, preset=preset.as_data() if preset else None,
                             realism=model.is_realism)  # fmt: skip
        return RenderRequest(
            prompt=built.prompt, negative_prompt=built.negative_prompt, width=model.width,
            height=model.height, steps=model.steps, guidance_scale=model.guidance_scale,
            seed=seed, model_id=model.model_id, lora_model=model.lora_model,
            lora_scale=model.lora_scale, attributes=dict(preset.attributes) if preset else {},
        )  # fmt: skip

    def _render(self, request: RenderRequest) -> RenderResult:
        return self.engine.render(request, deadline=self.clock() + self.deadline)

    def _fallback(self, err: EngineError, models: list[ModelSpec], model: ModelSpec,
                  tier: str) -> ModelSpec | None:  # fmt: skip
        """FLUX.1-dev refused (licence/subscription) → schnell, if the tier reaches it."""
        if not err.refused or "flux.1-dev" not in model.model_id.lower():
            return None
        fast = [m for m in accessible_models(models, tier) if m.is_fast]
        return min(fast, key=lambda m: m.credit_cost) if fast else None

    def _fail(self, user_id: int, gen_id: int, selection: Selection, seed: int, started: float,
              message: str) -> GenerationResult:  # fmt: skip
        seconds = round(self.clock() - started, 3)
        with self.db.transaction() as session:
            gen = session.get(Generation, gen_id)
            assert gen is not None
            entry = credits.release(session, user_id, gen_id, reason="generation failed")
            gen.status, gen.error, gen.seconds, gen.finished_at = (
                "failed", message, seconds, utcnow())  # fmt: skip
            balance = entry.balance_after
        _log("generation.failed", generation=gen_id, model=selection.model.model_key,
             seconds=seconds, refunded=selection.price, error=message)  # fmt: skip
        return GenerationResult(
            generation_id=gen_id, status="failed", model_key=selection.model.model_key,
            model_name=selection.model.name, engine=getattr(self.engine, "name", "?"),
            credits_charged=0, balance=balance, seed=seed, seconds=seconds,
            reason=selection.reason, error=message,
        )  # fmt: skip

    def _complete(self, user_id: int, gen_id: int, selection: Selection, model: ModelSpec,
                  charged: int, started: float, render: RenderRequest, result: RenderResult,
                  preset: PresetView | None, notes: tuple[str, ...]
                  ) -> GenerationResult:  # fmt: skip
        seed = render.seed
        recipe = {
            "prompt": render.prompt, "negative_prompt": render.negative_prompt,
            "model": model.model_key, "model_id": result.model_used, "lora": model.lora_model
            if result.lora_applied else None, "lora_scale": result.lora_scale_applied,
            "seed": seed, "steps": model.steps, "guidance": model.guidance_scale,
            "size": f"{model.width}x{model.height}", "engine": result.engine,
            "preset": preset.key if preset else None,
        }  # fmt: skip
        try:
            stored = self.store.save(user_id, f"gen-{gen_id}", result.image, recipe,
                                     source_png=result.source_png)  # fmt: skip
        except Exception:
            log.exception("generation.store_failed generation=%s", gen_id)
            return self._fail(user_id, gen_id, selection, seed, started,
                              "The image could not be saved; your credits were refunded.")
        seconds = round(self.clock() - started, 3)
        with self.db.transaction() as session:
            gen = session.get(Generation, gen_id)
            assert gen is not None
            entry = credits.capture(session, user_id, gen_id, charged=charged)
            session.execute(update(User).where(User.id == user_id)
                            .values(gallery_count=User.gallery_count + 1))  # fmt: skip
            gen.status, gen.seconds, gen.finished_at = "completed", seconds, utcnow()
            gen.credits_charged, gen.engine, gen.notes = charged, result.engine, "; ".join(notes)
            gen.image_path, gen.thumb_path = stored.image_key, stored.thumb_key
            gen.lora_applied, gen.lora_scale = result.lora_applied, result.lora_scale_applied
            if model.model_key != gen.model_key:
                gen.model_key, gen.model_id = model.model_key, model.model_id
                gen.lora_model, gen.width, gen.height = model.lora_model, model.width, model.height
                gen.steps, gen.guidance_scale = model.steps, model.guidance_scale
                gen.prompt, gen.negative_prompt = render.prompt, render.negative_prompt
            balance = entry.balance_after
        _log("generation.completed", generation=gen_id, model=model.model_key, engine=result.engine,
             seconds=seconds, charged=charged, attempts=result.attempts,
             lora_applied=result.lora_applied)  # fmt: skip
        reason = selection.reason if model == selection.model else (
            f"{selection.reason}; fell back to {model.name}, {charged} credits")
        return GenerationResult(
            generation_id=gen_id, status="completed", model_key=model.model_key,
            model_name=model.name, engine=result.engine, credits_charged=charged, balance=balance,
            seed=seed, seconds=seconds, reason=reason, image_key=stored.image_key,
            thumb_key=stored.thumb_key, lora_applied=result.lora_applied, notes=notes,
        )  # fmt: skip

    def recover_stale(self, older_than: float | None = None) -> int:
        """Fail and refund generations left queued/running past the deadline (after a crash)."""
        grace = min(60.0, self.deadline)  # a generation finishing right at its deadline keeps it
        age = self.deadline + grace if older_than is None else older_than
        cutoff = utcnow() - timedelta(seconds=age)
        with self.db.read() as session:
            stale = session.execute(
                select(Generation.id, Generation.user_id)
                .where(Generation.status.in_(("queued", "running")), Generation.created_at < cutoff)
            ).all()  # fmt: skip
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
        """Recover interrupted generations now and then in a daemon thread; set the event to stop."""
        stop = threading.Event()
        every = interval or max(5.0, self.deadline / 2)

        def sweep() -> None:
            while not stop.wait(every):
                try:
                    self.recover_stale()
                except Exception:  # noqa: BLE001 - keep sweeping; the next round retries
                    log.exception("generation.sweeper_failed")

        threading.Thread(target=sweep, name="generation-sweeper", daemon=True).start()
        return stop
