"""Modules over 300 lines and functions over 60 in a package (issue #10's limits); migrations aside.

    python3 scripts/sizes.py [avatar_core]

Counts lines as `ruff format` leaves them; data tables (presets_data, word_tables) are listed too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def main(root: Path) -> None:
    """Print both lists, longest first."""
    big: list[tuple[int, str]] = []
    long: list[tuple[int, str]] = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = path.read_text()
        if (lines := source.count("\n")) > 300:
            big.append((lines, str(path)))
        tree = ast.walk(ast.parse(source))
        functions = [n for n in tree if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        long += [(n.end_lineno - n.lineno + 1, f"{path}:{n.name}") for n in functions if n.end_lineno]
    long = [row for row in long if row[0] > 60]
    for title, rows in (("modules > 300 lines", big), ("functions > 60 lines", long)):
        print(f"{title}: {len(rows)}")
        for size, where in sorted(rows, reverse=True):
            print(f"  {size:5d} {where}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "avatar_core"))
