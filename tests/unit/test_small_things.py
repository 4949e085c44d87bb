"""Issue #23 item 12, the small things that need no database: preset search words, the example
admin password's warning, one-line argument errors and where /api/docs sends people for a token."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from avatar_core.config import PLACEHOLDER_ADMIN_PASSWORD, Settings, check_settings
from avatar_core.domain.presets_data import PRESETS, PresetData

ROOT = Path(__file__).resolve().parents[2]

# What people type for a job, and a preset that must come up for it.
SEARCHES = {
    "doctor": "healthcare-professional",
    "nurse": "healthcare-professional",
    "physician": "healthcare-professional",
    "surgeon": "healthcare-professional",
    "dentist": "healthcare-professional",
    "lawyer": "professional-business-woman",
    "attorney": "professional-business-man",
    "CEO": "professional-business-man",
    "executive": "professional-business-woman",
    "accountant": "professional-business-man",
    "engineer": "tech-professional",
    "developer": "tech-professional",
    "programmer": "tech-professional",
    "scientist": "tech-professional",
    "teacher": "casual-young-professional",
    "professor": "casual-young-professional",
    "architect": "casual-young-professional",
    "coach": "fitness-trainer",
    "painter": "casual-creative-artist",
    "designer": "casual-creative-artist",
    "grandfather": "casual-retiree",
    "father": "casual-weekend-dad",
    "marathon": "runner-athlete",
    "wedding": "elegant-evening",
    "kimono": "traditional-japanese",
    "saree": "traditional-indian",
    "kente": "traditional-west-african",
}


def cards(presets: tuple[PresetData, ...] | list[PresetData]) -> dict[str, str]:
    """Each rendered card's key and its `data-search` text, as the page's script reads them."""
    from avatar_core.web.ui.presets import picker_html

    found = re.findall(r'data-key="([^"]+)"[^>]*data-search="([^"]*)"', picker_html(list(presets)))
    return {html.unescape(key): html.unescape(text) for key, text in found}


def matches(query: str, searchable: dict[str, str]) -> list[str]:
    """The preset keys the picker's script shows for `query` (every word a substring, lower case)."""
    words = query.strip().lower().split()
    return [key for key, text in searchable.items() if all(w in text for w in words)]


def test_the_cards_carry_the_search_text() -> None:
    searchable = cards(PRESETS)
    assert set(searchable) == {p.key for p in PRESETS}
    assert matches("yoga", searchable) == ["yoga-instructor"]  # the name still counts


@pytest.mark.parametrize(("query", "key"), sorted(SEARCHES.items()))
def test_preset_search_finds_jobs_people_type(query: str, key: str) -> None:
    assert key in matches(query, cards(PRESETS)), f"{query!r} does not find {key}"


def test_doctor_finds_healthcare_professional_first_and_only() -> None:
    assert matches("doctor", cards(PRESETS)) == ["healthcare-professional"]
    assert matches("doctor hospital", cards(PRESETS)) == ["healthcare-professional"]  # every word


def test_search_words_are_data_for_every_preset() -> None:
    from avatar_core.domain.presets_data import SEARCH_WORDS, search_words

    assert set(SEARCH_WORDS) == {p.key for p in PRESETS}
    for p in PRESETS:
        words = search_words(p.key)
        assert words and all(re.fullmatch("[a-z]+", w) for w in words), p.key
        assert len(set(words)) == len(words), p.key
    assert search_words("a-preset-added-later") == ()


def test_a_search_without_a_preset_points_to_the_prompt() -> None:
    from avatar_core.web.ui.presets import picker_html

    assert matches("chef", cards(PRESETS)) == []  # no preset shows a chef: none is pretended
    assert "prompt" in picker_html(list(PRESETS)).split('class="preset-none"')[1].split("</p>")[0]


# --- the example admin password ---------------------------------------------------------------


def test_the_example_admin_password_is_the_one_in_env_example() -> None:
    assert f"AVATAR_ADMIN_PASSWORD={PLACEHOLDER_ADMIN_PASSWORD}" in (ROOT / ".env.example").read_text()


def test_the_example_admin_password_warns_in_development() -> None:
    from avatar_core.services.verify import settings_warnings

    dev = Settings(admin_username="admin", admin_password=PLACEHOLDER_ADMIN_PASSWORD)
    check_settings(dev)  # development still starts...
    [warning] = settings_warnings(dev)  # ...with a clear warning
    assert "AVATAR_ADMIN_PASSWORD" in warning and ".env.example" in warning
    assert settings_warnings(Settings(admin_username="admin", admin_password="my-own-long-pass")) == []
    assert settings_warnings(Settings()) == []


def test_init_logs_the_example_admin_password_warning(
    tmp_path: Path, sqlite_template: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    from avatar_core.bootstrap import init
    from tests.conftest import make_app

    shutil.copy(sqlite_template, tmp_path / "a.db")
    app = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'a.db'}",
        admin_username="root",
        admin_password=PLACEHOLDER_ADMIN_PASSWORD,
    )
    try:
        with caplog.at_level("WARNING"):
            init(app)
    finally:
        app.close()
    warned = [r for r in caplog.records if r.levelname == "WARNING" and ".env.example" in r.getMessage()]
    assert len(warned) == 1 and "AVATAR_ADMIN_PASSWORD" in warned[0].getMessage()


# --- argument errors: one line, exit 1 (README, "Command line") -------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ("users", "set-tier", "alice", "gold"),
        ("credits", "grant", "alice", "ten", "--reason", "x"),
        ("credits", "grant", "alice", "5"),
        ("usage", "--since", "yesterday"),
        ("frobnicate",),
        (),
    ],
    ids=" ".join,
)
def test_argument_errors_are_one_line_and_exit_1(
    argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    from avatar_core.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    assert exc.value.code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("avatar-creator: error: ")
    assert "--help" in lines[0]


def test_the_readme_says_what_argument_errors_do() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "errors are one line with exit code 1" in readme


# --- /api/docs names the real place to make a token ---------------------------------------------


def test_api_docs_name_the_real_place_for_a_token() -> None:
    from avatar_core.web.api import DESCRIPTION

    assert "API section" not in DESCRIPTION
    assert "Gallery" in DESCRIPTION and '"API tokens"' in DESCRIPTION
    tokens_ui = (ROOT / "avatar_core/web/ui/tokens.py").read_text()
    assert 'gr.Accordion("API tokens' in tokens_ui  # the place the description names
    gallery_ui = (ROOT / "avatar_core/web/ui/__init__.py").read_text()
    assert 'gr.Tab("Gallery"' in gallery_ui
