"""Where a catalog row runs on Hugging Face and what would really run there: a `Plan`, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from avatar_core.engines.base import Plan, RouteTarget
from avatar_core.engines.routes.schemas import (
    AUTO_ORDER,
    ENDPOINT,
    FAL,
    HANDLER_AVATAR,
    HANDLER_DEFAULT,
    REPLICATE,
    REPLICATE_SCHEMAS,
    SERVERLESS,
    ceil16,
    replicate_size,
)


@dataclass(frozen=True)
class HubMapping:
    """One provider's entry of a repo's `inferenceProviderMapping` on the Hub."""

    provider: str
    provider_id: str
    status: str = "live"
    task: str = "text-to-image"
    adapter: str | None = None
    adapter_weights_path: str | None = None


# A repo's mapping by provider; None when the Hub could not be asked.
Mappings = Mapping[str, HubMapping] | None


@dataclass(frozen=True)
class RouteConfig:
    """The deployment's routing settings (from Settings)."""

    provider: str = ""  # "", "auto", "replicate", "fal-ai", "hf-inference", ...
    base_url: str | None = None  # AVATAR_HF_BASE_URL: the serverless protocol, <url>/models/<id>
    base_url_handler: str = HANDLER_DEFAULT  # AVATAR_HF_BASE_URL_HANDLER


def plan_route(target: RouteTarget, config: RouteConfig, lookup: Callable[[str], Mappings]) -> Plan:
    """How `target` would be served under `config`; `lookup` gives a repo's Hub mappings."""
    if target.endpoint_url:
        return _plan_endpoint(target, target.endpoint_handler or HANDLER_DEFAULT, ENDPOINT)
    if config.base_url:
        return _plan_endpoint(target, config.base_url_handler, SERVERLESS)
    provider = config.provider or "auto"
    if target.lora_model:
        return _plan_lora(target, provider, lookup(target.lora_model))
    return _plan_base(target, provider, lookup(target.model_id))


def _plan_endpoint(target: RouteTarget, handler: str, route: str) -> Plan:
    size = ceil16(target.width), ceil16(target.height)
    plan = Plan(route, target.model_id, *size, status="n/a")
    if route == ENDPOINT and handler != HANDLER_AVATAR and size[0] != size[1]:
        why = f"the endpoint runs the default handler, which makes square images only (asked {plan.size})"
        return replace(plan, servable=False, why=why)
    if not target.lora_model:
        return plan
    if handler != HANDLER_AVATAR:
        where = "the endpoint" if route == ENDPOINT else "AVATAR_HF_BASE_URL"
        why = (
            f"{where} runs the default handler, which cannot apply a LoRA "
            f"(deploy/endpoint/handler.py can: mark it '{HANDLER_AVATAR}')"
        )
        return replace(plan, servable=False, why=why)
    return replace(plan, lora=target.lora_model, lora_scale=target.lora_scale or 1.0)


def _pick(provider: str, mappings: Mappings) -> str:
    if provider != "auto" or not mappings:
        return REPLICATE if provider == "auto" else provider
    return next((p for p in AUTO_ORDER if p in mappings), REPLICATE)


def _plan_base(target: RouteTarget, provider: str, mappings: Mappings) -> Plan:
    provider = _pick(provider, mappings)
    entry = (mappings or {}).get(provider)
    plan = _sized(Plan(provider, entry.provider_id if entry else "", target.width, target.height))
    if mappings is None:
        return replace(plan, status="unknown", notes=("the Hub mapping could not be checked",))
    if entry is None:
        return replace(
            plan,
            servable=False,
            status="unmapped",
            why=f"{target.model_id} is not mapped to '{provider}' on the Hub",
        )
    return replace(plan, status=entry.status)


def _plan_lora(target: RouteTarget, provider: str, mappings: Mappings) -> Plan:
    provider = _pick(provider, mappings)
    entry = (mappings or {}).get(provider)
    plan = _sized(Plan(provider, entry.provider_id if entry else "", target.width, target.height))
    lora = target.lora_model
    if provider not in (REPLICATE, FAL):
        why = f"'{provider}' cannot run a LoRA; use replicate, fal-ai or an endpoint"
        return replace(plan, servable=False, status="n/a", why=why)
    if mappings is None:
        return replace(
            plan, servable=False, status="unknown", why=f"the Hub mapping of {lora} could not be checked"
        )
    if entry is None or entry.adapter != "lora":
        return replace(
            plan,
            servable=False,
            status="unmapped",
            why=f"{lora} is not mapped as a LoRA adapter on '{provider}'",
        )
    schema = REPLICATE_SCHEMAS.get(entry.provider_id)
    if provider == REPLICATE and (schema is None or "lora_scale" not in schema.inputs):
        return replace(
            plan,
            servable=False,
            status=entry.status,
            why=f"{entry.provider_id} on Replicate has no known LoRA inputs",
        )
    if provider == FAL:
        notes = (
            ()
            if target.lora_scale in (None, 1.0)
            else (f"fal-ai runs LoRAs at scale 1.0 (catalog scale {target.lora_scale:g})",)
        )
        return replace(plan, lora=lora, lora_scale=1.0, status=entry.status, notes=notes)
    scale = 1.0 if target.lora_scale is None else target.lora_scale
    return replace(plan, lora=lora, lora_scale=scale, status=entry.status)


def _sized(plan: Plan) -> Plan:
    """`plan` with the size its route can produce for the requested one."""
    if plan.route == REPLICATE:
        _, _, width, height = replicate_size(plan.width, plan.height)
        return replace(plan, width=width, height=height, negative_prompt=False)
    if plan.route == FAL:
        return replace(plan, width=ceil16(plan.width), height=ceil16(plan.height), negative_prompt=False)
    return plan
