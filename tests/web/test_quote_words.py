"""Issue #23 item 6, say what was made: the quote says which of the preset's words the user's words
replace (before the click), and the result, the gallery's recipe and the REST API show the prompt
the model was sent, as the generation recorded it."""

from __future__ import annotations

import pytest

from avatar_core.bootstrap import App
from avatar_core.domain.presets_data import PresetData
from avatar_core.web.handlers import AUTO, Handlers
from avatar_core.web.handlers.quote_form import QuoteForm
from tests.web.server import LiveServer
from tests.web.test_api import api, user
from tests.web.test_handlers import PASSWORD, _no_progress, as_user

MODEST = "modest-fashion"
HIJAB = "Your words replace the preset's ‘hijab’ (hair)."
WORDS = "long curly red hair"


@pytest.fixture
def h(app: App) -> Handlers:
    return Handlers(app)


def test_the_quote_says_what_the_words_replace_before_the_click(app: App, h: Handlers) -> None:
    req = as_user(app.accounts.register("quoter", PASSWORD))
    line = h.quote(AUTO, MODEST, False, False, False, False, req, prompt=WORDS)
    assert line.endswith(f"  \n{HIJAB}"), line
    assert "Will use **FLUX.1-dev Base**" in line and "Why:" in line  # the rest is as before
    assert h.quote_view(AUTO, MODEST, False, False, False, False, req, prompt=WORDS)[0] == line
    assert h.refresh(AUTO, MODEST, False, False, False, False, req, prompt=WORDS)[1] == line
    several = h.quote(AUTO, MODEST, False, False, False, False, req, prompt="blue eyes, garden background")
    assert several.endswith("‘brown’ (eyes) and ‘elegant boutique background’ (setting).")
    assert "replace" not in h.quote(AUTO, MODEST, False, False, False, False, req)  # no words
    assert "replace" not in h.quote(AUTO, MODEST, False, False, False, False, req, prompt="smiling")
    assert "replace" not in h.quote(AUTO, None, False, False, False, False, req, prompt=WORDS)  # no preset
    assert "replace" not in h.quote(AUTO, MODEST, False, False, False, True, req, prompt=WORDS)  # a photo


def test_words_naming_nothing_cost_no_read() -> None:
    def no_read(_key: str) -> PresetData:
        raise AssertionError("the preset was read")

    form = QuoteForm.of(AUTO, MODEST, False, False, False, False, prompt="smiling, soft light")
    assert form.words_note(no_read) == ""
    assert QuoteForm.of(AUTO, None, False, False, False, False, prompt=WORDS).words_note(no_read) == ""


def test_the_result_and_the_recipe_show_the_prompt_sent(app: App, h: Handlers) -> None:
    owner = app.accounts.register("maker", PASSWORD)
    req = as_user(owner)
    _html, details, quote_line, data = h.generate(WORDS, MODEST, request=req, progress=_no_progress)
    sent = app.gallery.get(owner.id, data["generation_id"]).prompt
    assert "long curly red hair" in sent and "hijab" not in sent  # the builder's own work
    block = '<details class="prompt-sent"><summary>Prompt sent</summary>'
    assert block in details and "long curly red hair" in details
    assert details.index("Charged") < details.index(block)  # after the result's lines
    assert quote_line.endswith(HIJAB)  # the quote after the click still says it
    _viewer, recipe = h.avatar_detail(str(data["generation_id"]), req)
    assert block in recipe and "long curly red hair" in recipe and "dusty rose abaya" in recipe


def test_a_batch_shows_the_prompt_sent_once(app: App, h: Handlers) -> None:
    req = as_user(app.accounts.register("batcher", PASSWORD))
    _html, details, _quote, _data = h.generate(WORDS, MODEST, request=req, progress=_no_progress, count=2)
    assert details.count("Prompt sent") == 1 and "2 of 2" in details


def test_the_api_carries_the_final_prompt(live: LiveServer) -> None:
    uid, token = user(live)
    with api(live, token) as c:
        project = c.get("/projects").json()[0]["id"]
        body = {"prompt": WORDS, "preset": MODEST}
        gen_id = c.post(f"/projects/{project}/avatars/generate", json=body).json()["id"]
        out = c.get(f"/generations/{gen_id}", headers={"Prefer": "wait=30"}).json()
        recorded = live.app.gallery.get(uid, gen_id).prompt
        assert out["status"] == "completed" and out["final_prompt"] == recorded
        assert "long curly red hair" in recorded and "hijab" not in recorded
        avatar = c.get(f"/avatars/{gen_id}").json()
        assert (avatar["prompt"], avatar["final_prompt"]) == (WORDS, recorded)
        waited = c.post(
            f"/projects/{project}/avatars/generate", json=body, headers={"Prefer": "wait=30"}
        ).json()  # the POST that waits (the README's example) carries it too
        assert waited["status"] == "completed" and "long curly red hair" in waited["final_prompt"]
