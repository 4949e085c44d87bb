"""Gallery tab, keeping things in order: projects (create, rename), an avatar's name and project,
and several avatars at once (download as a zip, move, delete)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from avatar_core.domain.errors import ValidationError
from avatar_core.services.gallery_bulk import parse_ids
from avatar_core.services.projects import ProjectView
from avatar_core.web.handlers.base import HandlerBase
from avatar_core.web.handlers.common import int_id, user_errors
from avatar_core.web.text import md_text

NONE_CHOSEN = "Tap avatars to choose them."


def chosen_bar(ids: list[int]) -> str:
    """The select bar's line: how many are chosen and the zip link for them."""
    if not ids:
        return f'<p class="chosen-line">{NONE_CHOSEN}</p>'
    n = len(ids)
    href = "/avatars/download.zip?ids=" + ",".join(map(str, ids))
    return (
        f'<p class="chosen-line"><strong>{n}</strong> chosen · '
        f'<a class="zip-link" href="{href}" download>Download {n} as .zip</a></p>'
    )


def filter_choices(projects: list[ProjectView]) -> list[tuple[str, str]]:
    """The gallery's project filter: all projects, then each with its count."""
    return [("All projects", "")] + [(f"{p.name} ({p.avatars})", str(p.id)) for p in projects]


class GalleryManageHandlers(HandlerBase):
    """Projects, names and bulk actions (every id is checked against the caller by the services)."""

    @user_errors
    def move_choices(self, request: gr.Request | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The caller's projects for the two "Move to" menus (one avatar; the chosen ones)."""
        projects = self.app.projects.of_user(self.user(request).id)
        choices = [(p.name, str(p.id)) for p in projects]
        return gr.update(choices=choices), gr.update(choices=choices)

    @user_errors
    def avatar_fields(self, avatar_id: str = "", request: gr.Request | None = None) -> tuple[Any, ...]:
        """The selected avatar's name and project, in the detail's boxes (empty when none)."""
        user = self.user(request)
        if not str(avatar_id or "").strip():
            return gr.update(value="", interactive=False), gr.update(value=None, interactive=False)
        item = self.app.gallery.get(user.id, int_id(avatar_id))
        project = str(item.project_id) if item.project_id else None
        return gr.update(value=item.name, interactive=True), gr.update(value=project, interactive=True)

    @user_errors
    def rename_avatar(self, avatar_id: str = "", name: str = "", request: gr.Request | None = None) -> str:
        """Give the selected avatar a name (shown in the gallery and used for its download)."""
        if not str(avatar_id or "").strip():
            raise ValidationError("Select an avatar first.")
        self.app.projects.update_avatar(self.user(request).id, int_id(avatar_id), name=name or "")
        return f"Renamed to “{md_text(' '.join((name or '').split()))}”."

    @user_errors
    def move_avatar(self, avatar_id: str = "", project: str = "", request: gr.Request | None = None) -> str:
        """Move the selected avatar to another of the caller's projects."""
        if not str(avatar_id or "").strip() or not str(project or "").strip():
            return ""
        user = self.user(request)
        self.app.projects.update_avatar(user.id, int_id(avatar_id), project_id=int_id(project))
        return f"Moved to {self._project_name(user.id, int_id(project))}."

    @user_errors
    def create_project(self, name: str = "", request: gr.Request | None = None) -> tuple[Any, ...]:
        """A new project; the gallery then shows it (empty, ready to move avatars into)."""
        user = self.user(request)
        made = self.app.projects.create(user.id, name or "")
        projects = self.app.projects.of_user(user.id)
        shown = gr.update(choices=filter_choices(projects), value=str(made.id))  # the gallery shows it
        return f"Created the project “{md_text(made.name)}”.", "", shown

    @user_errors
    def rename_project(
        self, project: str = "", name: str = "", request: gr.Request | None = None
    ) -> tuple[str, str]:
        """Rename the project the gallery shows."""
        if not str(project or "").strip():
            raise ValidationError("Show one project (not “All projects”) to rename it.")
        made = self.app.projects.rename(self.user(request).id, int_id(project), name or "")
        return f"Renamed the project to “{md_text(made.name)}”.", ""

    def pick_many(self, evt: gr.EventData) -> tuple[str, str]:
        """The chosen thumbnails in select mode (ids travel in the event data; checked on use)."""
        raw = getattr(evt, "_data", None)
        values = raw.get("ids") if isinstance(raw, dict) else None
        try:
            ids = parse_ids(values if isinstance(values, list) else [])
        except ValidationError:
            ids = []
        return ",".join(map(str, ids)), chosen_bar(ids)

    @user_errors
    def delete_many(self, chosen: str = "", request: gr.Request | None = None) -> tuple[str, str, str]:
        """Delete the chosen avatars (images gone; what happened stays recorded)."""
        n = self.app.bulk.delete(self.user(request).id, chosen or "")
        return f"Deleted {n} avatar{'' if n == 1 else 's'}.", "", chosen_bar([])

    @user_errors
    def move_many(self, chosen: str = "", project: str = "", request: gr.Request | None = None) -> str:
        """Move the chosen avatars to one of the caller's projects."""
        if not str(project or "").strip():
            raise ValidationError("Choose the project to move them to.")
        user = self.user(request)
        n = self.app.bulk.move(user.id, chosen or "", int_id(project))
        return f"Moved {n} avatar{'' if n == 1 else 's'} to {self._project_name(user.id, int_id(project))}."

    def _project_name(self, user_id: int, project_id: int) -> str:
        names = {p.id: p.name for p in self.app.projects.of_user(user_id)}
        return f"“{md_text(names.get(project_id, 'the project'))}”"
