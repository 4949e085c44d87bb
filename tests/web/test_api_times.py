"""Issue #23 item 12 in the REST API: one timestamp form (ISO-8601 UTC with "Z") everywhere, and
no A/B arm in what a user is shown (result, quote, why line, gallery details, REST answers)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from avatar_core.bootstrap import App
from avatar_core.services.generation import GenerationRequest
from avatar_core.web.api import build_api

pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
REALISM, BASE = "avatar-creator:flux-dev-realism", "avatar-creator:flux-dev-base"
PHOTO = io.BytesIO()
Image.new("RGB", (400, 500), (180, 140, 120)).save(PHOTO, "PNG")


def stamps(value: Any) -> dict[str, str]:
    """Every `*_at` field of a JSON value, by its path."""
    found: dict[str, str] = {}

    def walk(v: Any, path: str) -> None:
        if isinstance(v, dict):
            for k, item in v.items():
                if k.endswith("_at"):
                    found[f"{path}.{k}"] = item
                walk(item, f"{path}.{k}")
        elif isinstance(v, list):
            for i, item in enumerate(v):
                walk(item, f"{path}[{i}]")

    walk(value, "")
    return found


@pytest.fixture
def client(app: App) -> Iterator[tuple[TestClient, App, int]]:
    user = app.accounts.register("timely", "correct-horse-7", tier="basic")
    token = app.tokens.create(user.id, "t")[1]
    with TestClient(build_api(app), headers={"Authorization": f"Bearer {token}"}) as c:
        yield c, app, user.id


def test_post_and_get_of_a_project_give_the_same_created_at(client: tuple[TestClient, App, int]) -> None:
    c, _, _ = client
    made = c.post("/v1/projects", json={"name": "Team"})
    assert made.status_code == 201, made.text
    listed = {p["name"]: p for p in c.get("/v1/projects").json()}
    mine, team = listed["My avatars"], listed["Team"]
    renamed = c.patch(f"/v1/projects/{team['id']}", json={"name": "Crew"}).json()
    assert made.json()["created_at"] == team["created_at"] == renamed["created_at"]
    for value in (mine["created_at"], team["created_at"]):
        assert STAMP.fullmatch(value), value


def test_every_timestamp_the_api_returns_is_iso_utc_with_z(client: tuple[TestClient, App, int]) -> None:
    c, _, _ = client
    answers = [c.get("/v1/projects").json(), c.post("/v1/projects", json={"name": "Other"}).json()]
    project = answers[0][0]["id"]
    made = c.post(
        f"/v1/projects/{project}/avatars/generate", json={"prompt": "a cat"}, headers={"Prefer": "wait=30"}
    )
    assert made.status_code == 201, made.text
    avatar = made.json()["generation_id"]
    answers += [c.get("/v1/avatars").json(), c.get(f"/v1/avatars/{avatar}").json()]
    answers.append(c.patch(f"/v1/avatars/{avatar}", json={"favourite": True}).json())
    answers.append(c.post(f"/v1/avatars/{avatar}/rating", json={"rating": "up"}).json())
    photo = c.post(
        "/v1/photos", files={"photo": ("me.png", PHOTO.getvalue(), "image/png")}, data={"consent": "true"}
    )
    assert photo.status_code == 201, photo.text
    answers.append(photo.json())
    found = {path: value for i, a in enumerate(answers) for path, value in stamps({str(i): a}).items()}
    assert len(found) >= 7, found  # projects, avatars (list, one, patched, rated), the photo
    bad = {path: value for path, value in found.items() if not STAMP.fullmatch(str(value))}
    assert bad == {}
    listed = c.get("/v1/avatars").json()["items"][0]["created_at"]
    assert listed == c.get(f"/v1/avatars/{avatar}").json()["created_at"]


def test_the_documented_examples_use_the_same_form(client: tuple[TestClient, App, int]) -> None:
    c, _, _ = client
    spec = c.get("/openapi.json").json()
    found = stamps(spec["paths"])
    assert found and all(STAMP.fullmatch(str(v)) for v in found.values()), found


def test_no_arm_in_what_a_user_sees(client: tuple[TestClient, App, int]) -> None:
    c, app, uid = client
    exp = app.experiments.create("basic", REALISM, BASE, 50)
    user = app.accounts.get(uid)
    request = GenerationRequest(prompt="a cat")
    quote = app.generations.quote(user, request)
    assert quote.arm and quote.arm.startswith(f"exp{exp.id}:")  # it is in an experiment, recorded
    project = c.get("/v1/projects").json()[0]["id"]
    made = c.post(
        f"/v1/projects/{project}/avatars/generate", json={"prompt": "a cat"}, headers={"Prefer": "wait=30"}
    )
    assert made.status_code == 201, made.text
    gen = made.json()["generation_id"]
    shown = [
        quote.reason,
        json.dumps(app.generations.generate(user, request).as_dict()),
        made.text,
        c.get(f"/v1/generations/{gen}").text,
        c.get(f"/v1/avatars/{gen}").text,
        c.get("/v1/avatars").text,
        repr(app.gallery.get(uid, gen)),
    ]
    for text in shown:
        assert not re.search(r"A/B|\barm\b|experiment|exp\d+:", text, re.IGNORECASE), text


def test_no_arm_in_the_downloaded_png(client: tuple[TestClient, App, int]) -> None:
    c, app, uid = client
    app.experiments.create("basic", REALISM, BASE, 50)
    project = c.get("/v1/projects").json()[0]["id"]
    made = c.post(
        f"/v1/projects/{project}/avatars/generate", json={"prompt": "a cat"}, headers={"Prefer": "wait=30"}
    )
    png = Image.open(io.BytesIO(c.get(f"/v1/avatars/{made.json()['generation_id']}/image").content))
    assert "arm" not in png.text and "exp1:" not in json.dumps(png.text)  # type: ignore[attr-defined]
