"""Projects (folders of avatars) and avatar names; every call is scoped to the owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avatar_core.domain.errors import NotFound, ValidationError
from avatar_core.infra.db import Database
from avatar_core.infra.models import Generation, Project, User

DEFAULT_PROJECT = "My avatars"
MAX_NAME = 80


@dataclass(frozen=True)
class ProjectView:
    """A project with how many avatars it holds."""

    id: int
    name: str
    created_at: datetime
    avatars: int = 0


def clean_name(raw: str, what: str = "project", limit: int = MAX_NAME) -> str:
    """A trimmed, single-line name; ValidationError when empty or too long."""
    name = " ".join("".join(ch for ch in (raw or "") if ch.isprintable()).split())
    if not name:
        raise ValidationError(f"A {what} needs a name.")
    if len(name) > limit:
        raise ValidationError(f"A {what} name is at most {limit} characters.")
    return name


def default_project(session: Session, user_id: int) -> int:
    """The id of the user's "My avatars", created on first use."""
    found = session.scalar(
        select(Project.id).where(Project.user_id == user_id, Project.name == DEFAULT_PROJECT)
    )
    if found is not None:
        return int(found)
    project = Project(user_id=user_id, name=DEFAULT_PROJECT)
    session.add(project)
    session.flush()
    return project.id


def owned_project(session: Session, user_id: int, project_id: int) -> Project:
    """The user's project, or NotFound (another user's project is not found either)."""
    if not 0 < project_id < 2**31:  # a bigger id overflows the database's integer (was a 500)
        raise NotFound("No such project.")
    project = session.get(Project, project_id)
    if project is None or project.user_id != user_id:
        raise NotFound("No such project.")
    return project


class ProjectService:
    """Create, list, rename and delete projects; name and move avatars."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def of_user(self, user_id: int) -> list[ProjectView]:
        """The user's projects (with "My avatars" always there), oldest first."""
        counts = (
            select(Generation.project_id, func.count().label("n"))
            .where(Generation.user_id == user_id, Generation.shown())
            .group_by(Generation.project_id)
            .subquery()
        )
        with self.db.transaction() as session:
            default_project(session, user_id)
            rows = session.execute(
                select(Project, func.coalesce(counts.c.n, 0))
                .outerjoin(counts, counts.c.project_id == Project.id)
                .where(Project.user_id == user_id)
                .order_by(Project.id)
            )
            return [ProjectView(p.id, p.name, p.created_at, int(n)) for p, n in rows]

    def create(self, user_id: int, name: str) -> ProjectView:
        """A new project; names are unique per user."""
        name = clean_name(name)
        try:
            with self.db.transaction() as session:
                if session.get(User, user_id) is None:
                    raise NotFound("No such user.")
                project = Project(user_id=user_id, name=name)
                session.add(project)
                session.flush()
                return ProjectView(project.id, project.name, project.created_at)
        except IntegrityError:
            raise ValidationError(f"You already have a project called {name!r}.") from None

    def rename(self, user_id: int, project_id: int, name: str) -> ProjectView:
        """Rename one of the user's projects."""
        name = clean_name(name)
        try:
            with self.db.transaction() as session:
                project = owned_project(session, user_id, project_id)
                project.name = name
                return ProjectView(project.id, project.name, project.created_at)
        except IntegrityError:
            raise ValidationError(f"You already have a project called {name!r}.") from None

    def delete(self, user_id: int, project_id: int, *, with_avatars: bool = False) -> list[int]:
        """Delete a project. Its generations move to "My avatars"; with `with_avatars`, the ids of
        its completed avatars are returned for deletion (a failed or running one has no image to
        delete: it moves too, so the project always goes at once)."""
        with self.db.transaction() as session:
            project = owned_project(session, user_id, project_id)
            if project.name == DEFAULT_PROJECT:
                raise ValidationError(f"“{DEFAULT_PROJECT}” cannot be deleted.")
            mine = (Generation.user_id == user_id) & (Generation.project_id == project_id)
            completed = mine & Generation.shown()
            ids = list(session.scalars(select(Generation.id).where(completed))) if with_avatars else []
            session.execute(
                update(Generation).where(mine).values(project_id=default_project(session, user_id))
            )
            session.delete(project)
            return ids

    def resolve(self, user_id: int, project: int | str | None) -> int:
        """A project id from an id or a name (None: "My avatars"); NotFound otherwise."""
        with self.db.transaction() as session:
            if project is None or project == "":
                return default_project(session, user_id)
            if isinstance(project, int):
                return owned_project(session, user_id, project).id
            found = session.scalar(
                select(Project.id).where(Project.user_id == user_id, Project.name == clean_name(project))
            )
            if found is None:
                if clean_name(project) == DEFAULT_PROJECT:
                    return default_project(session, user_id)
                raise NotFound(f"No project called {project!r}.")
            return int(found)

    def update_avatar(
        self, user_id: int, avatar_id: int, *, name: str | None = None, project_id: int | None = None
    ) -> None:
        """Rename an avatar and/or move it to another of the user's projects."""
        with self.db.transaction() as session:
            gen = session.get(Generation, avatar_id)
            if gen is None or gen.user_id != user_id or not gen.is_shown:
                raise NotFound("No such avatar.")
            if name is not None:
                gen.name = clean_name(name, "avatar", 120)
            if project_id is not None:
                gen.project_id = owned_project(session, user_id, project_id).id
