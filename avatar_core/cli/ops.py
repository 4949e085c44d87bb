"""`avatar-creator usage` and `experiments ...`: operations over the same services as the admin tab."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from avatar_core.bootstrap import App
from avatar_core.cli.common import TIER_CHOICES, when
from avatar_core.domain.errors import ValidationError
from avatar_core.services.actors import OPERATOR
from avatar_core.services.usage import USAGE_HEADERS
from avatar_core.services.verify import table


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a date like 2026-11-01") from None


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a time like 2026-11-01T09:00+00:00") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone, e.g. 2026-11-01T09:00+00:00")
    return moment


def cmd_usage(app: App, args: argparse.Namespace) -> int:
    rows = app.admin.usage(OPERATOR, args.since)
    if args.json:
        print(json.dumps([asdict(r) for r in rows]))
        return 0
    print(table(list(USAGE_HEADERS), [r.cells() for r in rows]))
    return 0


def cmd_create(app: App, args: argparse.Namespace) -> int:
    exp = app.admin.start_experiment(OPERATOR, args.tier, args.a, args.b, args.split, args.start, args.stop)
    print(
        f"Experiment #{exp.id}: {exp.tier} tier Auto → A {exp.model_a} / B {exp.model_b} "
        f"({exp.split_pct}% on B)"
    )
    return 0


def cmd_list(app: App, args: argparse.Namespace) -> int:
    rows = [
        (e.id, e.tier, e.model_a, e.model_b, f"{e.split_pct}%", when(e.starts_at), when(e.ends_at))
        for e in app.admin.experiments_list(OPERATOR)
    ]
    print(table(["id", "tier", "A", "B", "on B", "starts", "ends"], rows))
    return 0


def cmd_stop(app: App, args: argparse.Namespace) -> int:
    exp = app.admin.stop_experiment(OPERATOR, args.id)
    print(f"Experiment #{exp.id} ended at {when(exp.ends_at)}")
    return 0


def cmd_results(app: App, args: argparse.Namespace) -> int:
    rows = app.admin.experiment_results(OPERATOR, args.id)
    if args.json:
        print(json.dumps([asdict(r) for r in rows]))
        return 0
    print(
        table(
            ["arm", "model", "gens", "success", "mean s", "rating", "$ / image"],
            [
                (
                    r.arm,
                    r.model_key,
                    r.generations,
                    f"{r.success_rate:.0%}",
                    "-" if r.mean_seconds is None else f"{r.mean_seconds:.2f}",
                    "-" if r.rating is None else f"{r.rating:+.2f}",
                    "-" if r.cost_per_image is None else f"{r.cost_per_image:.3f}",
                )
                for r in rows
            ],
        )
    )
    return 0


def cmd_set_usd_cost(app: App, args: argparse.Namespace) -> int:
    if args.usd != args.usd:
        raise ValidationError("Give a cost in USD, e.g. 0.05.")
    model = app.admin.set_usd_cost(OPERATOR, args.key, args.usd)
    print(f"{model.model_key}: the provider charges ${model.cost_usd:g} per image")
    return 0


def add_ops_parsers(sub: Any, models: Any) -> None:
    """Register `usage`, `experiments ...` and `models set-usd-cost`."""
    c = sub.add_parser(
        "usage",
        help="generations, success, p50/p95 seconds, credits and cost per day and model",
        description="Usage and provider cost per day and model "
        "(UTC days); what the admin tab's Usage view shows.",
    )
    c.add_argument("--since", type=_date, help="first day (YYYY-MM-DD), default: everything")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(run=cmd_usage)
    ex = sub.add_parser(
        "experiments",
        help="A/B tests of a tier's Auto model",
        description="A/B tests: a tier's Auto choice served by model A or B, users split by a stable hash.",
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    c = ex.add_parser("create", help="start an experiment", description="Start an A/B test.")
    c.add_argument("--tier", choices=TIER_CHOICES, required=True, help="whose Auto choice is tested")
    c.add_argument("--a", required=True, help="model key of arm A")
    c.add_argument("--b", required=True, help="model key of arm B")
    c.add_argument("--split", type=int, default=50, help="percent of users on B (default 50)")
    c.add_argument("--start", type=_when, help="start time with zone (default now)")
    c.add_argument("--stop", type=_when, help="end time with zone (default: until stopped)")
    c.set_defaults(run=cmd_create)
    c = ex.add_parser("list", help="list experiments", description="List experiments.")
    c.set_defaults(run=cmd_list)
    c = ex.add_parser("stop", help="end an experiment now", description="End an experiment now.")
    c.add_argument("id", type=int, help="experiment id")
    c.set_defaults(run=cmd_stop)
    c = ex.add_parser(
        "results",
        help="compare the arms",
        description="Per arm: generations, success rate, mean seconds, rating, provider cost per image.",
    )
    c.add_argument("id", type=int, help="experiment id")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(run=cmd_results)
    c = models.add_parser(
        "set-usd-cost",
        help="set what the provider charges per image",
        description="Set a model's provider cost in USD per image (usage and cost reports).",
    )
    c.add_argument("key", help="model key")
    c.add_argument("usd", type=float, help="USD per image, e.g. 0.05")
    c.set_defaults(run=cmd_set_usd_cost)
