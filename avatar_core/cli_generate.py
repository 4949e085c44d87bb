"""`avatar-creator generate`: the whole generation service, headless."""

from __future__ import annotations

import argparse
from typing import Any


def add_generate_parser(sub: Any, run: Any) -> None:
    """Register the generate command."""
    c = sub.add_parser("generate", help="generate one avatar (headless)",
                       description="Generate one avatar for a user through the full service.")
    c.add_argument("--user", required=True, help="username")
    c.set_defaults(run=run)


def run_generate(app: Any, args: argparse.Namespace) -> int:
    """Placeholder until the generation service lands."""
    print("error: not implemented yet")
    return 1
