"""The HTTP routes of FakeHF: Hub lookups, provider calls, polls and result files."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from tests.fakes import endpoints, fal, hub, replicate
from tests.fakes.common import EffectiveRun, Rejected
from tests.fakes.fake_hf import QuietHandler, Recorded, Reply, parse, reply_bytes

if TYPE_CHECKING:
    from tests.fakes.fake_hf import FakeHF

BROKEN = ("garbage", "truncated")


def handler_for(fake: FakeHF) -> type[QuietHandler]:
    """A request handler class bound to `fake`."""

    class Handler(QuietHandler):
        def _read(self) -> tuple[str, dict[str, list[str]], Any]:
            """Parse and record the request: (path, query, JSON body or raw bytes)."""
            path, query = parse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.record(Recorded(self.command, path, query, headers, body))
            return path, query, body

        # ---- GET -----------------------------------------------------------------------------

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            """Hub model info, prediction / queue polls, result files, endpoint health."""
            path, query, _ = self._read()
            if path.startswith("/files/"):
                return self._file(path[len("/files/") :])
            if path.startswith("/api/models/"):
                return self._model_info(path[len("/api/models/") :].split("/revision/")[0], query)
            if path.startswith("/replicate/v1/predictions/"):
                return self._poll(path.rsplit("/", 1)[-1])
            if path.startswith("/fal-ai/") and "/requests/" in path:
                return self._queue(path.split("/requests/", 1)[1])
            if path.startswith("/endpoints/"):
                name = path.split("/")[2]
                if name in fake.endpoints:
                    return self.send(200, b"Ok", {"Content-Type": "text/plain"})
            return self.send_json(404, {"error": "not found"}, {"X-Error-Code": "EntryNotFound"})

        def _model_info(self, repo: str, query: dict[str, list[str]]) -> None:
            """The Hub's model info (404 RepoNotFound for `fake.mappings[repo] = None`)."""
            if fake.model_info_delay and fake.closing.wait(fake.model_info_delay):
                return self.drop()
            if repo in fake.mappings and fake.mappings[repo] is None:
                return self.send_json(404, {"error": "Repository not found"}, hub.NOT_FOUND_HEADERS)
            return self.send_json(200, hub.model_info(repo, fake.mapping_for(repo), query.get("expand", [])))

        def _file(self, name: str) -> None:
            """A stored result file, after any scripted download fault and `download_delay`."""
            fault = fake.next_download()
            if fault is not None and fault.delay and fake.closing.wait(fault.delay):
                return self.drop()
            if fault is not None and fault.kind == "drop":
                return self.drop()
            if fault is not None and fault.kind in ("json", "raw"):
                return self.send(
                    fault.code, reply_bytes(fault), {"Content-Type": "application/json", **fault.headers}
                )
            if name not in fake.files:
                return self.send_json(404, {"error": "not found"})
            if fake.download_delay and fake.closing.wait(fake.download_delay):
                return self.drop()
            data, content_type = fake.files[name]
            if fault is not None and fault.kind in BROKEN:
                data = (
                    fake.broken("garbage", None)
                    if fault.kind == "garbage"
                    else data[: max(60, len(data) // 2)]
                )
            return self.send(200, data, {"Content-Type": content_type})

        def _poll(self, prediction_id: str) -> None:
            """GET a Replicate prediction (advances "starting" ones; logs the run once)."""
            with fake._lock:
                prediction = fake.predictions.get(prediction_id)
                run = prediction.poll() if prediction else None
                answer = prediction.to_json(fake.url) if prediction else None
            fake.log_run(run)
            if answer is None:
                return self.send_json(404, replicate.NOT_FOUND)
            return self.send_json(200, answer)

        def _queue(self, rest: str) -> None:
            """fal queue: `<id>/status` advances the job, `<id>` returns its result once COMPLETED."""
            job_id, _, action = rest.partition("/")
            with fake._lock:
                job = fake.jobs.get(job_id)
                if job is None:
                    answer, run, status = {"detail": "Request not found"}, None, 404
                elif action == "status":
                    (answer, run), status = job.poll(), 200
                    answer.update(job.urls(fake.url))
                elif job.completed:
                    answer, run, status = job.answer, job.finish(), 200
                else:
                    answer, run, status = fal.IN_PROGRESS, None, 400
            fake.log_run(run)
            return self.send_json(status, answer)

        # ---- POST ----------------------------------------------------------------------------

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            """Generation calls (scripted replies apply) and Replicate cancels."""
            path, query, body = self._read()
            if path.startswith("/replicate/v1/predictions/") and path.endswith("/cancel"):
                return self._cancel(path.split("/")[-2])
            route = self._route(path, query)
            if route is None:
                return self.send_json(404, {"error": "not found"})
            reply = fake.next_reply()
            if reply.delay and fake.closing.wait(reply.delay):
                return self.drop()
            if reply.kind == "drop":
                return self.drop()
            if reply.kind in ("json", "raw"):  # the body verbatim, with the reply's headers
                return self.send(
                    reply.code, reply_bytes(reply), {"Content-Type": "application/json", **reply.headers}
                )
            try:
                return route(body, reply)
            except Exception as error:  # a bug in the fake: say so instead of dropping the socket
                return self.send_json(500, {"error": f"fake provider crashed: {error!r}"})

        def _route(self, path: str, query: dict[str, list[str]]) -> Any:
            """The handler of a generation POST, None when no route matches."""
            parts = path.strip("/").split("/")
            if path.startswith("/replicate/v1/models/") and len(parts) == 6 and parts[5] == "predictions":
                return lambda body, reply: self._replicate(f"{parts[3]}/{parts[4]}", body, reply)
            if path.startswith("/fal-ai/") and len(parts) > 1:
                queued = "queue" in query.get("_subdomain", [])
                return lambda body, reply: self._fal("/".join(parts[1:]), queued, body, reply)
            if path.startswith("/endpoints/") and len(parts) in (2, 3) and parts[-1] in (parts[1], "predict"):
                return lambda body, reply: self._endpoint(parts[1], body, reply)
            if path.startswith("/models/") and len(parts) > 1:
                return lambda body, reply: self._serverless("/".join(parts[1:]), body, reply)
            if path.startswith("/hf-inference/models/") and len(parts) > 2:
                model = "/".join(parts[2:])
                return lambda body, reply: self._pipeline("hf-inference", model, "default", (), body, reply)
            return None

        def _replicate(self, model: str, body: Any, reply: Reply) -> None:
            """Create a prediction: 201 with its JSON, or Cog's 422 / Replicate's 404."""
            if model not in replicate.MODELS:
                return self.send_json(404, replicate.NOT_FOUND)
            plan: replicate.Plan | None = None
            try:
                plan = replicate.plan(model, body, fake.load_image)
            except Rejected as rejected:
                if reply.kind not in BROKEN:
                    return self.send_json(
                        rejected.status, rejected.body, {"Content-Type": "application/problem+json"}
                    )
            given = body.get("input") if isinstance(body, dict) else body
            prediction = replicate.Prediction(fake.new_id("p"), model, given, "succeeded")
            if reply.kind in BROKEN or plan is None:
                prediction.outputs = [fake.store_file(fake.broken(reply.kind, plan.run if plan else None))]
                prediction.succeed()  # no run attached: nothing is logged
            elif reply.kind == "failed":
                prediction.fail(reply.error)
            else:
                seed = plan.run.seed
                prediction.outputs = [
                    fake.store_file(*fake.image(plan.run, reply, None if seed is None else seed + i))
                    for i in range(plan.count)
                ]
                prediction.run = plan.run
                waits = "wait" in self.headers.get("Prefer", "")
                if reply.kind == "starting" or not waits:
                    prediction.status, prediction.polls_left = "starting", reply.polls
                else:
                    fake.log_run(prediction.deliver())
            with fake._lock:
                fake.predictions[prediction.id] = prediction
                answer = prediction.to_json(fake.url)
            if prediction.status == "starting":  # recorded: the wait ran out (or was not asked for)
                headers = {"Location": answer["urls"]["get"], "Preference-Applied": "wait=60"}
                return self.send_json(202, answer, headers)
            return self.send_json(201, answer, {"Preference-Applied": "wait=60"})

        def _cancel(self, prediction_id: str) -> None:
            """Cancel a prediction (recorded in `fake.canceled`)."""
            with fake._lock:
                prediction = fake.predictions.get(prediction_id)
                if prediction is not None:
                    fake.canceled.append(prediction_id)
                    if prediction.status in ("starting", "processing"):
                        prediction.status = "canceled"
                answer = prediction.to_json(fake.url) if prediction else None
            if answer is None:
                return self.send_json(404, replicate.NOT_FOUND)
            return self.send_json(200, answer)

        def _fal(self, model: str, queued: bool, body: Any, reply: Reply) -> None:
            """A fal call: the result JSON (sync) or a queue ticket; 422 on bad input."""
            if model not in fal.MODELS:
                return self.send(404, fal.NOT_FOUND, {"Content-Type": "text/plain"})
            plan: fal.Plan | None = None
            try:
                plan = fal.plan(model, body, fake.load_image)
            except Rejected as rejected:
                if reply.kind not in BROKEN:
                    return self.send_json(rejected.status, rejected.body)
            if reply.kind == "failed":
                return self.send_json(500, {"detail": reply.error})
            run: EffectiveRun | None = None
            if reply.kind in BROKEN or plan is None:
                url = fake.store_file(fake.broken(reply.kind, plan.run if plan else None))
                answer: dict[str, Any] = {
                    "images": [{"url": url, "width": 64, "height": 64, "content_type": "image/png"}],
                    "seed": 0,
                    "has_nsfw_concepts": [False],
                    "prompt": "",
                    "timings": {},
                }
            else:
                run, urls = plan.run, []
                for index in range(plan.count):
                    data, content_type = fake.image(run, reply, plan.seed + index)
                    encoded = base64.b64encode(data).decode()
                    urls.append(
                        f"data:{content_type};base64,{encoded}"
                        if plan.sync_mode
                        else fake.store_file(data, content_type)
                    )
                answer = fal.response(plan, urls)
            if not queued:
                fake.log_run(run)
                return self.send_json(200, answer)
            polls = reply.polls if reply.kind == "starting" else fake.fal_queue_polls
            job = fal.Job(fake.new_id("req-"), fal.app_of(model), answer, run, polls)
            with fake._lock:
                fake.jobs[job.id] = job
            return self.send_json(
                200, {"status": "IN_QUEUE", "request_id": job.id, "queue_position": 0, **job.urls(fake.url)}
            )

        def _endpoint(self, name: str, body: Any, reply: Reply) -> None:
            """A dedicated endpoint added with `fake.add_endpoint`."""
            endpoint = fake.endpoints.get(name)
            if endpoint is None:
                return self.send_json(404, {"error": f"endpoint {name} not found"})
            args = (endpoint.base_model, endpoint.handler, endpoint.loras, body, reply)
            return self._pipeline("endpoint", *args)

        def _serverless(self, model: str, body: Any, reply: Reply) -> None:
            """`/models/<id>` with `fake.serverless_handler` (404 for a repo mapped to None)."""
            if model in fake.mappings and fake.mappings[model] is None:
                return self.send_json(404, {"error": f"Model {model} does not exist"})
            args = (model, fake.serverless_handler, fake.serverless_loras, body, reply)
            return self._pipeline("serverless", *args)

        def _pipeline(
            self, route: str, model: str, handler: str, loras: tuple[str, ...], body: Any, reply: Reply
        ) -> None:
            """A toolkit-served pipeline (default handler or ours): image bytes back, or 400."""
            content_type, accept = self.headers.get("Content-Type"), self.headers.get("Accept")
            plan: endpoints.Plan | None = None
            try:
                if handler == "avatar-creator":
                    plan = endpoints.ours_plan(route, model, body, content_type, accept, loras)
                else:
                    plan = endpoints.toolkit_plan(route, model, body, content_type, accept)
            except Rejected as rejected:
                if reply.kind not in BROKEN:
                    return self.send_json(rejected.status, rejected.body)
            if reply.kind in BROKEN or plan is None:
                return self.send(
                    200, fake.broken(reply.kind, plan.run if plan else None), {"Content-Type": "image/png"}
                )
            if reply.kind == "failed":
                return self.send_json(500, {"error": reply.error})
            data, content_type = fake.image(plan.run, reply)
            fake.log_run(plan.run)
            if plan.as_json:
                return self.send_json(200, base64.b64encode(data).decode())
            return self.send(200, data, {"Content-Type": content_type})

    return Handler
