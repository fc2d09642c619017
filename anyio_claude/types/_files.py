"""Files API types: what `client.beta.files` returns, and the sources that send a file by id."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ._base import BaseStruct

__all__ = (
    "BetaDeletedFile",
    "BetaFileMetadata",
    "DeletedFile",
    "FileMetadata",
    "FileScope",
)


class FileScope(BaseStruct):
    """The context a file was created in (e.g. `type="session"` and the session's `id`)."""

    id: str
    type: str


class FileMetadata(BaseStruct, dict=True):
    """An uploaded (or tool-generated) file: id, name, MIME type, size and dates.

    Only files a tool generated are `downloadable`; uploaded ones can be referenced from
    messages but not downloaded again.
    """

    id: str
    type: Literal["file"]
    filename: str
    mime_type: str
    size_bytes: int
    created_at: datetime
    downloadable: bool | None = None
    expires_at: datetime | None = None
    scope: FileScope | None = None


class DeletedFile(BaseStruct, dict=True):
    """The reply of deleting a file."""

    id: str
    type: Literal["file_deleted"] | None = None


# The official SDK's names under `anthropic.types.beta`, so imports port unchanged.
BetaFileMetadata = FileMetadata
BetaDeletedFile = DeletedFile
