"""The REST API under /api/v1: the design's HTTP API, with personal access tokens.

Authentication is `Authorization: Bearer <token>` only: the session cookie is never read here, so
a browser cannot be tricked into calling it cross-site (no CSRF surface), and CORS stays closed.
Every route calls the same services as the UI. Errors are `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from avatar_core.bootstrap import App
from avatar_core.web.api.auth import Caller, caller
from avatar_core.web.api.avatars import avatars_router
from avatar_core.web.api.catalog import catalog_router
from avatar_core.web.api.credits import credits_router
from avatar_core.web.api.errors import ApiError, add_error_handlers, error
from avatar_core.web.api.jobs import jobs_router
from avatar_core.web.api.photos import photos_router
from avatar_core.web.api.projects import generate_router, projects_router

__all__ = ["ApiError", "Caller", "build_api", "caller", "error"]


DESCRIPTION = """Generate avatars over HTTP. Create a token in the app (sign in, then Gallery tab →
"API tokens") or with `avatar-creator tokens create USER`, then send `Authorization: Bearer <token>`.
Times are ISO 8601 in UTC to the second, e.g. `2026-11-27T10:00:00Z`.

```
curl -X POST http://127.0.0.1:7860/api/v1/projects/1/avatars/generate \\
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -H "Prefer: wait=60" \\
  -d '{"prompt": "a friendly astronaut", "name": "Astro", "width": 1024, "height": 1024}'
```
"""


def build_api(app: App) -> FastAPI:
    """The API app, mounted by the web server at /api (docs at /api/docs)."""
    api = FastAPI(
        title="Avatar Creator API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,  # served below from the swagger-ui-bundle package: no CDN (the CSP allows none)
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    api.state.app = app
    add_error_handlers(api)
    for router in (
        catalog_router,
        projects_router,
        generate_router,
        jobs_router,
        photos_router,
        avatars_router,
        credits_router,
    ):
        api.include_router(router(app))
    add_docs(api)
    return api


def add_docs(api: FastAPI) -> None:
    """Swagger UI at /docs with its scripts served from the installed `swagger-ui-bundle`."""
    api.mount("/docs/static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger-ui")

    @api.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")  # "/api" when mounted there
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{api.title} docs",
            swagger_js_url=f"{root}/docs/static/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/static/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/static/favicon-32x32.png",
        )
