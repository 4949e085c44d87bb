"""`avatar-creator generate`: the whole generation service, headless."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from avatar_core.bootstrap import App
from avatar_core.domain.aspects import ASPECTS, SQUARE
from avatar_core.domain.errors import AvatarError, ValidationError
from avatar_core.services.auth import UserInfo
from avatar_core.services.generation import GenerationRequest, GenerationResult
from avatar_core.services.photos import CONSENT


def add_generate_parser(sub: Any, run: Any) -> None:
    """Register the generate command."""
    c = sub.add_parser(
        "generate",
        help="generate one avatar for a user (headless)",
        description="Generate one avatar for USER through the full service: model selection, "
        "credits, the engine (offline preview without HF_TOKEN), storage. With --json the last "
        "stdout line is one JSON object. Exits 1 when the generation failed.",
    )
    c.add_argument("--user", required=True, help="username to generate for (and charge)")
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--prompt", help="what the avatar should look like")
    what.add_argument("--preset", help="a preset name or key, e.g. 'Yoga Instructor'")
    c.add_argument("--model", help="model key (default: chosen for the user's tier)")
    c.add_argument("--prefer-realism", action="store_true", help="prefer a Realism LoRA model")
    c.add_argument("--prefer-hd", action="store_true", help="prefer the highest resolution")
    c.add_argument("--fast", action="store_true", help="prefer the fast (schnell) model")
    c.add_argument(
        "--aspect",
        choices=ASPECTS,
        default=SQUARE,
        help="the image's shape: 1:1 square (default), 3:4 or 4:5 portrait, 4:3 landscape; the "
        "model's area reshaped, then what the route can make (printed with the result)",
    )
    c.add_argument("--seed", type=int, help="fixed seed (default random, always recorded)")
    c.add_argument(
        "--photo",
        type=Path,
        help="make the avatar from this photo of the person "
        "(JPEG/PNG/WebP; needs --consent; kept AVATAR_PHOTO_RETENTION_HOURS, see "
        "docs/likeness.md)",
    )
    c.add_argument(
        "--consent", action="store_true", help=f"with --photo: {CONSENT.lower()} (recorded with the avatar)"
    )
    c.add_argument("--project", help='project name (default "My avatars")')
    c.add_argument("--name", help="the avatar's name (default: the preset's name or the prompt)")
    c.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    c.set_defaults(run=run)


def run_generate(app: App, args: argparse.Namespace) -> int:
    """Run one generation and print the outcome."""
    app.generations.recover_stale()
    user = app.accounts.by_name(args.user)
    project_id = app.projects.resolve(user.id, args.project) if args.project else None
    photo_id = _upload(app, user, args)
    request = GenerationRequest(
        prompt=args.prompt or "",
        preset=args.preset,
        model=args.model,
        prefer_realism=args.prefer_realism,
        prefer_hd=args.prefer_hd,
        fast=args.fast,
        seed=args.seed,
        aspect=args.aspect,
        from_photo=photo_id is not None,
        photo_id=photo_id,
        project_id=project_id,
        name=args.name or "",
    )
    try:
        result = app.generations.generate(user, request)
    except AvatarError as err:  # refused before anything was charged
        if args.json:
            print(
                json.dumps(
                    {
                        "status": "refused",
                        "error": str(err),
                        "credits_charged": 0,
                        "balance": app.accounts.get(user.id).balance,
                    }
                )
            )
        raise
    finally:
        if photo_id is not None:  # used once from the command line: not kept for retention
            app.photos.delete(user.id, photo_id)
    _print_result(app, result, args, from_photo=photo_id is not None)
    return 0 if result.ok else 1


def _print_result(app: App, result: GenerationResult, args: argparse.Namespace, *, from_photo: bool) -> None:
    """The outcome: one JSON object with --json, else two readable lines."""
    image = app.store.location(result.image_key) if result.image_key else None  # path or s3:// URL
    if args.json:
        out = result.as_dict() | {"image_path": image, "from_photo": from_photo, "name": result.name}
        print(json.dumps(out))
    elif result.ok:
        kind = (
            "offline preview"
            if result.provider == "offline"
            else (
                f"{result.provider}: {result.provider_model}"
                + (f" + {result.lora} @ {result.lora_scale:g}" if result.lora else "")
            )
        )
        print(f"Avatar #{result.generation_id} ({kind}, {result.width}x{result.height}): {image}")
        print(
            f"{result.reason}; charged {result.credits_charged}, balance {result.balance}, "
            f"seed {result.seed}, {result.seconds:.2f} s"
        )
    else:
        print(f"Generation #{result.generation_id} failed: {result.error} Balance {result.balance}.")


def _upload(app: App, user: UserInfo, args: argparse.Namespace) -> int | None:
    """The --photo file uploaded as the user's source photo (with --consent), or None."""
    if args.photo is None:
        return None
    try:
        data = args.photo.read_bytes()
    except OSError as err:
        raise ValidationError(f"Cannot read {args.photo}: {err.strerror or err}.") from None
    return app.photos.upload(user, data, consent=args.consent).id
