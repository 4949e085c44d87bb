"""The life of a generation row: its status values, exactly as stored in `generations.status`."""

from __future__ import annotations

from enum import StrEnum


class GenerationStatus(StrEnum):
    """A generation's status; a StrEnum, so the database and JSON keep the plain strings."""

    QUEUED = "queued"  # the column default; the service inserts rows as RUNNING (never committed)
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


ACTIVE = (GenerationStatus.QUEUED, GenerationStatus.RUNNING)  # credits held, no outcome yet
FINISHED = (GenerationStatus.COMPLETED, GenerationStatus.FAILED)
