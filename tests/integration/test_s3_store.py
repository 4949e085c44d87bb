"""Avatars in object storage: the S3 store against a real S3-protocol server (moto) on 127.0.0.1.

The server checks signatures and IAM policies (moto's auth is switched on once the bucket and the
app's IAM user exist), so a wrong secret is refused the way AWS refuses it.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngImageFile

from avatar_core.bootstrap import App, bootstrap
from avatar_core.config import load_settings
from avatar_core.domain.errors import ConfigError, NotFound
from avatar_core.infra import storage_s3
from avatar_core.infra.models import Generation
from avatar_core.infra.storage import LocalImageStore
from avatar_core.infra.storage_s3 import S3ImageStore, make_store, s3_options
from avatar_core.services import credits
from avatar_core.services.generation import GenerationRequest, GenerationResult
from tests.conftest import CHEAP_HASHER, fresh_database_url, make_app, missing
from tests.web.server import LiveServer, serve

BUCKET = "avatars"
REGION = "us-east-1"
ALLOW_ALL = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
# What docs/scaling.md says the app needs, and nothing more. s3:ListBucket is what makes S3 answer
# 404 NoSuchKey (not 403 AccessDenied) for a missing object; the app itself never lists.
APP_POLICY: list[dict[str, Any]] = [
    {
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    },
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{BUCKET}"},
]
# pytest's default filters plus Gradio's pandas deprecations (as in tests/web/test_http.py)
pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|The copy keyword is deprecated).*")


class Moto:
    """moto's S3 server in this process on a free loopback port; `stop` closes the socket."""

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            missing("moto[server] (pip install -r requirements-dev.txt)")
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        """Down for good: connections are refused (not left hanging in the listen backlog)."""
        self.server.stop()
        self.server._server.server_close()  # type: ignore[union-attr]


@dataclass
class S3:
    """The running server, the app's credentials, and an admin view of the bucket."""

    moto: Moto
    key_id: str
    secret: str
    no_thumbs: tuple[str, str]  # an IAM user that may write originals but not thumbnails
    admin: tuple[str, str]  # may list, to see everything in the bucket

    def aws(
        self, secret: str | None = None, key_id: str | None = None, url: str | None = None
    ) -> dict[str, str]:
        """The AWS_* settings a deployment would set."""
        return {
            "AWS_ENDPOINT_URL": url or self.moto.url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": key_id or self.key_id,
            "AWS_SECRET_ACCESS_KEY": secret or self.secret,
        }

    def objects(self, prefix: str) -> dict[str, bytes]:
        """Every object under `prefix` (listed and read as the admin)."""
        return {p: self.fs.cat_file(p) for p in self.fs.find(f"{BUCKET}/{prefix}")}

    @cached_property
    def fs(self) -> Any:
        """An s3fs filesystem with the admin's credentials."""
        key_id, secret = self.admin
        return S3ImageStore(f"s3://{BUCKET}", s3_options(self.aws(secret, key_id))).fs


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    """A moto server with the bucket and the app's IAM users; signatures and policies enforced."""
    moto = Moto()
    import boto3

    setup = {
        "endpoint_url": moto.url,
        "region_name": REGION,
        "aws_access_key_id": "setup",
        "aws_secret_access_key": "setup",
    }
    boto3.client("s3", **setup).create_bucket(Bucket=BUCKET)
    iam = boto3.client("iam", **setup)

    def user(name: str, *statements: dict[str, Any]) -> tuple[str, str]:
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name,
            PolicyName="avatars",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    app_key = user("avatar-app", *APP_POLICY)
    deny_thumbs = {"Effect": "Deny", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*.webp"}
    no_thumbs = user("no-thumbs", *APP_POLICY, deny_thumbs)
    admin = user("admin", ALLOW_ALL)
    httpx.post(f"{moto.url}/moto-api/reset-auth", content=b"0").raise_for_status()  # auth on
    try:
        yield S3(moto, *app_key, no_thumbs, admin)
    finally:
        httpx.post(f"{moto.url}/moto-api/reset-auth", content=b"inf")
        moto.stop()


def s3_app(tmp_path: Path, database_url: str, aws: dict[str, str]) -> tuple[App, str]:
    """An app whose store AVATAR_STORAGE_URL-style settings point at a fresh prefix."""
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    app = make_app(tmp_path, database_url, storage_url=f"s3://{BUCKET}/{prefix}", storage_aws=aws)
    return app, prefix


def new_user(app: App) -> int:
    """A free-tier user with the welcome credits (24)."""
    return app.accounts.register(f"u{uuid.uuid4().hex[:8]}", "a-long-secret-9").id


def generate(app: App, user_id: int) -> GenerationResult:
    """One generation for the user, through the service."""
    return app.generations.generate(app.accounts.get(user_id), GenerationRequest(prompt="a sailor"))


def assert_refunded(app: App, user_id: int, result: GenerationResult, balance: int = 24) -> None:
    """Failed cleanly: the balance restored, a failed row naming no image, ledger invariants hold."""
    assert result.status == "failed" and result.balance == balance
    assert app.accounts.get(user_id).balance == balance
    assert "could not be saved" in (result.error or "") and result.image_key is None
    with app.db.read() as session:
        gen = session.get(Generation, result.generation_id)
        assert gen is not None and gen.status == "failed"
        assert gen.image_path is None and gen.thumb_path is None
        assert list(credits.check(session)) == []


# ----- settings and the factory (no server) -----
def test_storage_url_and_aws_settings(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("AVATAR_STORAGE_URL=s3://bucket/some/prefix\nAWS_SECRET_ACCESS_KEY=from-file\n")
    s = load_settings(
        environ={
            "AWS_ACCESS_KEY_ID": "AKIA1",
            "AWS_ENDPOINT_URL": "http://minio:9000",
            "AWS_DEFAULT_REGION": "eu-west-3",
        },
        dotenv_path=dotenv,
    )
    assert s.storage_url == "s3://bucket/some/prefix" and "from-file" not in repr(s)
    assert s3_options(s.storage_aws) | {"config_kwargs": None} == {
        "key": "AKIA1",
        "secret": "from-file",
        "endpoint_url": "http://minio:9000",
        "client_kwargs": {"region_name": "eu-west-3"},
        "config_kwargs": None,
    }
    assert load_settings(environ={}, dotenv_path=None).storage_url == ""
    for bad in ("ftp://host/x", "s3://", "gs://bucket"):
        with pytest.raises(ConfigError, match="AVATAR_STORAGE_URL"):
            load_settings(environ={"AVATAR_STORAGE_URL": bad}, dotenv_path=None)


def test_make_store_picks_the_store(tmp_path: Path) -> None:
    default = make_store(load_settings(environ={"AVATAR_DATA_DIR": str(tmp_path)}, dotenv_path=None))
    assert isinstance(default, LocalImageStore) and default.root == (tmp_path / "images").resolve()
    other = make_store(
        load_settings(environ={"AVATAR_STORAGE_URL": str(tmp_path / "imgs")}, dotenv_path=None)
    )
    assert isinstance(other, LocalImageStore) and other.root == (tmp_path / "imgs").resolve()
    s3 = make_store(load_settings(environ={"AVATAR_STORAGE_URL": "s3://b/p/"}, dotenv_path=None))
    assert isinstance(s3, S3ImageStore) and s3.location("1/gen-1.png") == "s3://b/p/1/gen-1.png"
    for bad in ("../1/x.png", "/1/x.png", "1//x.png", ""):
        with pytest.raises(ValueError):
            s3.read(bad)
    given = LocalImageStore(tmp_path / "given")
    app = bootstrap(
        load_settings(environ={"AVATAR_DATA_DIR": str(tmp_path)}, dotenv_path=None),
        hasher=CHEAP_HASHER,
        store=given,
    )
    assert app.store is given and app.gallery.store is given
    app.close()


# ----- against the server -----
def test_save_read_thumbnail_delete(s3: S3, tmp_path: Path, sqlite_url: str) -> None:
    app, prefix = s3_app(tmp_path, sqlite_url, s3.aws())
    try:
        user_id = new_user(app)
        result = generate(app, user_id)
        assert result.ok and result.image_key and result.thumb_key
        stored = s3.objects(prefix)
        assert set(stored) == {f"{BUCKET}/{prefix}/{result.image_key}"}  # the thumbnail: on first request

        png = app.gallery.image(user_id, result.generation_id)
        assert png == stored[f"{BUCKET}/{prefix}/{result.image_key}"]
        image = Image.open(io.BytesIO(png))
        assert isinstance(image, PngImageFile) and image.size == (512, 512)
        assert json.loads(image.text["recipe"])["seed"] == result.seed
        made = app.gallery.image(user_id, result.generation_id, thumb=True)
        thumb = Image.open(io.BytesIO(made))
        assert thumb.format == "WEBP" and max(thumb.size) <= 300
        assert s3.objects(prefix)[f"{BUCKET}/{prefix}/{result.thumb_key}"] == made  # kept
        assert app.gallery.image(user_id, result.generation_id, thumb=True) == made
        assert app.store.location(result.image_key) == f"s3://{BUCKET}/{prefix}/{result.image_key}"

        app.gallery.delete(user_id, result.generation_id)
        assert s3.objects(prefix) == {}  # both objects gone
        app.store.delete(result.image_key)  # deleting again is fine
        with pytest.raises(NotFound):
            app.gallery.image(user_id, result.generation_id)
    finally:
        app.close()


@pytest.fixture(scope="module")
def live_s3(
    s3: S3, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[LiveServer, str]]:
    """The real web app (SQLite) with its images in the bucket."""
    tmp_path = tmp_path_factory.mktemp("live-s3")
    app, prefix = s3_app(tmp_path, fresh_database_url("sqlite", tmp_path, sqlite_template, None), s3.aws())
    try:
        with serve(app) as server:
            yield server, prefix
    finally:
        app.close()


def test_owner_routes_serve_from_the_bucket_and_missing_is_404(
    s3: S3, live_s3: tuple[LiveServer, str]
) -> None:
    live, prefix = live_s3
    names = [f"s3{uuid.uuid4().hex[:8]}" for _ in range(2)]
    owner, other = (live.signup(name) for name in names)
    owner_id = live.app.accounts.by_name(names[0]).id
    gen_id = generate(live.app, owner_id).generation_id
    stored = s3.objects(prefix)
    cookies = {"avatar_session": owner}
    with live.client(cookies=cookies) as c:
        r = c.get(f"/avatars/{gen_id}/image.png")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert r.content in stored.values() and "private" in r.headers["cache-control"]
        r = c.get(f"/avatars/{gen_id}/thumb.webp")
        assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
        assert Image.open(io.BytesIO(r.content)).format == "WEBP"
        r = c.get(f"/avatars/{gen_id}/download.png")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    with live.client(cookies={"avatar_session": other}) as c:
        assert c.get(f"/avatars/{gen_id}/image.png").status_code == 404
    s3.fs.rm_file(next(p for p in stored if p.endswith(".png")))  # lost behind the app's back
    with live.client(cookies=cookies) as c:
        r = c.get(f"/avatars/{gen_id}/image.png")
        assert r.status_code == 404 and r.text == "Not found."
        assert c.get(f"/avatars/{gen_id}/thumb.webp").status_code == 200


def test_wrong_secret_is_refused_and_refunded(s3: S3, tmp_path: Path, sqlite_url: str) -> None:
    app, prefix = s3_app(tmp_path, sqlite_url, s3.aws(secret="not-the-secret"))
    try:
        user_id = new_user(app)
        assert_refunded(app, user_id, generate(app, user_id))
        assert s3.objects(prefix) == {}
    finally:
        app.close()


def test_a_thumbnail_that_cannot_be_kept_is_still_served(
    s3: S3, tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    key_id, secret = s3.no_thumbs  # the original's PUT succeeds, the thumbnail's is denied
    app, prefix = s3_app(tmp_path, sqlite_url, s3.aws(secret=secret, key_id=key_id))
    try:
        assert isinstance(app.store, S3ImageStore)
        fs = app.store.fs
        fs.pipe_file(f"{BUCKET}/{prefix}/probe.png", b"png")  # the policy does what it says
        with pytest.raises(PermissionError):
            fs.pipe_file(f"{BUCKET}/{prefix}/probe.webp", b"webp")
        fs.rm_file(f"{BUCKET}/{prefix}/probe.png")
        user_id = new_user(app)
        result = generate(app, user_id)
        assert result.ok and set(s3.objects(prefix)) == {f"{BUCKET}/{prefix}/{result.image_key}"}
        for _ in range(2):  # made each time it is asked for, since it cannot be kept
            thumb = app.gallery.image(user_id, result.generation_id, thumb=True)
            assert Image.open(io.BytesIO(thumb)).format == "WEBP"
        assert set(s3.objects(prefix)) == {f"{BUCKET}/{prefix}/{result.image_key}"}
        assert caplog.text.count("gallery.thumbnail_not_kept") == 2
    finally:
        app.close()


def test_server_down_during_a_save_is_refunded(
    s3: S3, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_s3, "RETRIES", 1)  # no retry backoff: each failure is immediate
    doomed = Moto()  # a second endpoint onto the same in-process backend, taken down before the save
    app, prefix = s3_app(tmp_path, sqlite_url, s3.aws(url=doomed.url))
    try:
        user_id = new_user(app)
        kept = generate(app, user_id)
        assert kept.ok and len(s3.objects(prefix)) == 1
        doomed.stop()
        assert_refunded(app, user_id, generate(app, user_id), balance=24 - kept.credits_charged)
        assert len(s3.objects(prefix)) == 1  # nothing new written, as seen through the live endpoint
        app.gallery.delete(user_id, kept.generation_id)  # the row goes; the objects stay, unreachable
        assert app.gallery.page(user_id).total == 0
    finally:
        app.close()


def test_a_photo_uploaded_on_one_replica_is_used_on_another(s3: S3, tmp_path: Path, sqlite_url: str) -> None:
    from tests.integration.test_likeness import photo

    a, prefix = s3_app(tmp_path / "a", sqlite_url, s3.aws())
    b = make_app(tmp_path / "b", sqlite_url, storage_url=f"s3://{BUCKET}/{prefix}", storage_aws=s3.aws())
    try:
        user = a.accounts.register(f"u{uuid.uuid4().hex[:8]}", "a-long-secret-9", tier="basic")
        kept = a.photos.upload(user, photo((200, 120, 90)), consent=True)
        [key] = [k for k in s3.objects(prefix) if "/private-photos/" in k]  # in the bucket, not on a disk
        assert not list(a.settings.photo_dir.rglob("*.jpg"))
        request = GenerationRequest(from_photo=True, photo_id=kept.id, preset="yoga-instructor")
        result = b.generations.generate(b.accounts.get(user.id), request)  # the other replica
        assert result.ok and result.credits_charged == 14
        b.photos.delete(user.id, kept.id)
        assert key not in s3.objects(prefix)
    finally:
        a.close()
        b.close()
