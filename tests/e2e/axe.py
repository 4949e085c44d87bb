"""axe-core in the browser: inject it (from `make dev`'s .venv/axe) and count violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_available() -> bool:
    """True when `npm install --prefix .venv/axe axe-core@4` has run (the Makefile's dev target)."""
    return AXE_JS.is_file()


# Every finite animation or transition has finished (spinners that loop forever are ignored).
STILL = """() => document.getAnimations().every(a => a.playState !== 'running'
    || (a.effect && a.effect.getComputedTiming().iterations === Infinity))"""


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page once it is still (WCAG 2 A/AA rules and best practices).

    Gradio fades updated components in; text caught mid-fade has a lower contrast than it will
    have, so every running animation and transition is awaited first (then 100 ms of quiet).
    """
    for _ in range(2):
        page.wait_for_function(STILL, timeout=10_000)
        page.wait_for_timeout(100)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text())
    result = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']})
        .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' +
                 (n.failureSummary || '').split('\\n').slice(0, 2).join(' '))})))""")
    return list(result)


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the serious and critical violations."""
    return [v for v in violations if v.get("impact") in SERIOUS]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable list for assertion messages."""
    return "\n".join(f"{v['impact']}: {v['id']} ({v['help']}) {v['nodes']}" for v in violations)
