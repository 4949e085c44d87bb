"""SQL statements per Generate (offline engine, SQLite): pinned so a regression is deliberate."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr
from sqlalchemy import event

from avatar_core.bootstrap import App
from avatar_core.services.generation import GenerationRequest

# Update these deliberately (and say why in the commit) when the generation path changes.
# 17 before the job queue (#22): + the job row, its claim (3 + BEGIN), re-reading the row and its
# preset in the worker (3) and the fenced end of the job; 18 before the reserve of a new row
# stopped looking up an earlier one.
GENERATE_STATEMENTS = 26
QUOTE_STATEMENTS = 5  # 4 before the quote asked for the tier's A/B test (it prices the arm, #20 F8)


@contextmanager
def counted(app: App) -> Iterator[list[str]]:
    """Every statement the app's engine sends to the database inside the block."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(app.db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(app.db.engine, "before_cursor_execute", before)


def test_statements_per_generate_and_the_quote_after_it(sqlite_app: App) -> None:
    app = sqlite_app
    user = app.accounts.register("counter", "a-long-secret-9", tier="basic")
    request = GenerationRequest(prompt="a lighthouse keeper", preset="yoga-instructor", seed=7)
    app.generations.generate(user, request)  # warm caches (projects, compiled statements)
    with counted(app) as generate_sql:
        result = app.generations.generate(user, request)
    assert result.ok
    with counted(app) as quote_sql:
        quote = app.generations.quote(user, request)
    assert result.quote == quote and result.tier == "basic"  # a caller need not quote again
    assert result.balance == app.accounts.get(user.id).balance
    listing, quoted = "\n".join(generate_sql), "\n".join(quote_sql)
    assert len(generate_sql) == GENERATE_STATEMENTS, f"update GENERATE_STATEMENTS deliberately:\n{listing}"
    assert len(quote_sql) == QUOTE_STATEMENTS, f"update QUOTE_STATEMENTS deliberately:\n{quoted}"


class _NoProgress(gr.Progress):
    """Stands in for gr.Progress outside a Gradio event: every update is dropped."""

    def __call__(self, *_args: Any, **_kwargs: Any) -> None:
        """Drop the update."""


# One Generate click in the web UI: who is calling, the generation, and the price line after it
# (built from the generation's own result). Before issue #10 it was 36 (24 in the service, then a full
# re-quote); quoting again on today's service would make it 27. #23 item 6 adds one read (2 statements:
# its BEGIN and the row) for the prompt the model was sent, as the generation recorded it.
CLICK_STATEMENTS = 30  # 19 before the job queue (#22): the same 9 more as GENERATE_STATEMENTS; +2 (#23)


def test_statements_per_generate_click_in_the_web_ui(sqlite_app: App) -> None:
    from avatar_core.web.handlers import AUTO, Handlers

    app = sqlite_app
    user = app.accounts.register("clicker", "a-long-secret-9", tier="basic")
    handlers, request = Handlers(app), gr.Request(username=str(user.id))
    form = ("a lighthouse keeper", "yoga-instructor", AUTO, False, False, False, 7)
    handlers.generate(*form, request=request, progress=_NoProgress())  # warm caches
    with counted(app) as click_sql:
        _image, _details, quote_line, data = handlers.generate(*form, request=request, progress=_NoProgress())
    assert data["status"] == "completed"
    assert quote_line == handlers.quote(AUTO, "yoga-instructor", False, False, False, request=request)
    listing = "\n".join(click_sql)
    assert len(click_sql) == CLICK_STATEMENTS, f"update CLICK_STATEMENTS deliberately:\n{listing}"
