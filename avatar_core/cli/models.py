"""`avatar-creator models ...`: the model catalog, thin over `Catalog` and the route planner."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from typing import Any

from avatar_core.bootstrap import App
from avatar_core.cli.common import TIER_CHOICES
from avatar_core.domain.errors import ValidationError
from avatar_core.domain.selection import ENDPOINT_HANDLERS, ModelSpec
from avatar_core.services.actors import OPERATOR
from avatar_core.services.verify import ROUTE_HEADERS, route_rows, table

Handler = Callable[[App, argparse.Namespace], int]
JSON_KEYS = (
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
)


def cmd_list(app: App, args: argparse.Namespace) -> int:
    models = app.admin.models(OPERATOR)
    if args.json:
        print(json.dumps([{k: getattr(m, k) for k in JSON_KEYS} for m in models]))
        return 0
    rows = [
        (
            m.model_key,
            m.name,
            m.tier,
            m.credit_cost,
            f"{m.width}x{m.height}",
            m.steps,
            m.guidance_scale,
            f"{m.lora_model} @{m.lora_scale}" if m.lora_model else "-",
            "yes" if m.enabled else "no",
            m.license or "-",
            f"{m.endpoint_url} ({m.endpoint_handler})" if m.endpoint_url else "-",
        )
        for m in models
    ]
    print(
        table(
            [
                "key",
                "name",
                "tier",
                "credits",
                "size",
                "steps",
                "guidance",
                "lora",
                "enabled",
                "licence",
                "endpoint",
            ],
            rows,
        )
    )
    return 0


def _set_enabled(enabled: bool) -> Handler:
    def run(app: App, args: argparse.Namespace) -> int:
        model = app.admin.set_enabled(OPERATOR, args.key, enabled)
        print(f"{model.model_key} {'enabled' if enabled else 'disabled'}")
        return 0

    return run


def cmd_set_cost(app: App, args: argparse.Namespace) -> int:
    model = app.admin.set_cost(OPERATOR, args.key, args.credits)
    print(f"{model.model_key} now costs {model.credit_cost} credits")
    return 0


def cmd_set_endpoint(app: App, args: argparse.Namespace) -> int:
    if args.clear == bool(args.url):
        raise ValidationError("Give an endpoint URL, or --clear to serve the model from the provider.")
    url = None if args.clear else args.url
    model, plan = app.admin.set_endpoint(OPERATOR, args.key, url, args.handler)
    where = (
        f"{model.endpoint_url} ({model.endpoint_handler} handler)"
        if model.endpoint_url
        else "its provider again"
    )
    print(f"{model.model_key} now runs on {where}")
    print(table(ROUTE_HEADERS, route_rows([model], [plan])))
    return 0


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2,5})[x×](\d{2,5})", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError("a size like 1024x1024")
    return int(match[1]), int(match[2])


def cmd_add(app: App, args: argparse.Namespace) -> int:
    if (args.lora is None) != (args.lora_scale is None):
        raise ValidationError("--lora and --lora-scale go together.")
    width, height = args.size
    model = ModelSpec(
        model_key=args.key,
        name=args.name or args.key.split(":")[-1],
        tier=args.tier,
        credit_cost=args.credits,
        model_id=args.model,
        lora_model=args.lora,
        lora_scale=args.lora_scale,
        width=width,
        height=height,
        steps=args.steps,
        guidance_scale=args.guidance,
        license=args.license or "",
        realism=args.realism,
    )
    saved, plan = app.admin.add_model(OPERATOR, model, check=not args.no_check)
    print(f"Added {saved.model_key} ({saved.name}, {saved.tier}, {saved.credit_cost} credits)")
    print(table(ROUTE_HEADERS, route_rows([saved], [plan])))
    return 0


def add_models_parser(sub: Any) -> Any:
    """Register `models list|enable|disable|set-cost|set-endpoint|add`."""
    mo = sub.add_parser(
        "models", help="list, add, enable, disable, price and route models", description="The model catalog."
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    c = mo.add_parser("list", help="list the catalog", description="List the model catalog.")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(run=cmd_list)
    for name, flag in (("enable", True), ("disable", False)):
        c = mo.add_parser(name, help=f"{name} a model", description=f"{name.title()} a model.")
        c.add_argument("key", help="model key, e.g. avatar-creator:flux-dev-base")
        c.set_defaults(run=_set_enabled(flag))
    c = mo.add_parser("set-cost", help="set a model's price", description="Set a model's price.")
    c.add_argument("key", help="model key")
    c.add_argument("credits", type=int, help="price in credits (0-10000)")
    c.set_defaults(run=cmd_set_cost)
    _add_endpoint_parser(mo)
    _add_add_parser(mo)
    return mo


def _add_endpoint_parser(mo: Any) -> None:
    """`models set-endpoint KEY [URL] [--handler H] [--clear]`."""
    c = mo.add_parser(
        "set-endpoint",
        help="serve a model from a dedicated Inference Endpoint",
        description="Serve one catalog row from a dedicated Inference Endpoint (POSTed "
        "to at its own URL), or back from the provider with --clear. LoRA rows run on "
        "an endpoint only with --handler avatar-creator (deploy/endpoint/handler.py; "
        "see docs/self-hosting.md).",
    )
    c.add_argument("key", help="model key")
    c.add_argument("url", nargs="?", help="the endpoint URL (https://...endpoints.huggingface.cloud)")
    c.add_argument(
        "--handler",
        choices=ENDPOINT_HANDLERS,
        default="default",
        help="what the endpoint runs: the toolkit's default handler (no LoRA) or "
        "avatar-creator (applies allowed LoRAs or refuses); default: default",
    )
    c.add_argument("--clear", action="store_true", help="remove the endpoint")
    c.set_defaults(run=cmd_set_endpoint)


def _add_add_parser(mo: Any) -> None:
    """`models add KEY --model ... --tier ... --credits ... --size ... --steps ... --guidance ...`."""
    c = mo.add_parser(
        "add",
        help="add a model row (checked against the Hub first)",
        description="Add a catalog row. Before saving, the model (or LoRA) is looked "
        "up in the Hub's inference provider mappings for the configured provider; a "
        "row that cannot be served as described is refused (see docs/models.md).",
    )
    c.add_argument("key", help="new model key, e.g. avatar-creator:flux-krea-realism")
    c.add_argument("--model", required=True, help="base model repo, e.g. black-forest-labs/FLUX.1-Krea-dev")
    c.add_argument("--lora", help="LoRA repo (needs --lora-scale)")
    c.add_argument("--lora-scale", type=float, help="LoRA scale, -1..3")
    c.add_argument("--tier", choices=TIER_CHOICES, required=True, help="lowest tier that reaches it")
    c.add_argument("--credits", type=int, required=True, help="price in credits (0-10000)")
    c.add_argument("--size", type=_size, required=True, help="WxH, e.g. 1024x1024")
    c.add_argument("--steps", type=int, required=True, help="inference steps (1-100)")
    c.add_argument("--guidance", type=float, required=True, help="guidance (0-20)")
    c.add_argument("--name", help="display name (default: from the key)")
    c.add_argument("--license", help="licence, e.g. 'FLUX.1-dev non-commercial'")
    c.add_argument(
        "--realism",
        action="store_true",
        help="count it as a realism model without a LoRA (e.g. FLUX.1-Krea-dev)",
    )
    c.add_argument("--no-check", action="store_true", help="save without the Hub check")
    c.set_defaults(run=cmd_add)
