"""`Claude.files` and `Claude.beta.files`: the blocking twins of `AsyncFiles` and
`AsyncBetaFiles`.

Like the rest of the blocking client, every call runs the async resource in the client's
loop thread (see `_sync`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._sync import APIResponse, StreamingResponse, SyncPage, _first_page, _Portal, _raw, _run

if TYPE_CHECKING:
    import os

    from typing_extensions import Unpack

    from .resources import (
        AsyncBinaryAPIResponse,
        AsyncFileDownload,
        AsyncFiles,
        AsyncFilesWithRawResponse,
        AsyncFilesWithStreamingResponse,
    )
    from .resources._args import (
        BetaFileListArgs,
        BetaFileOptions,
        BetaFileUploadArgs,
        FileListArgs,
        FileUploadArgs,
        WorkspaceOptions,
    )
    from .resources._files import FileTypes
    from .types import DeletedFile, FileMetadata

__all__ = (
    "BetaFiles",
    "BetaFilesWithRawResponse",
    "BetaFilesWithStreamingResponse",
    "BinaryAPIResponse",
    "Files",
    "FilesWithRawResponse",
    "FilesWithStreamingResponse",
)


class BinaryAPIResponse(APIResponse[bytes]):
    """The blocking twin of `AsyncBinaryAPIResponse`: a downloaded file, read on demand.

    `read()` and `write_to_file()` release the connection once done; after iterating
    part of `iter_bytes()`, call `close()` or use `with`.
    """

    __slots__ = ()

    _response: AsyncBinaryAPIResponse

    def write_to_file(self, file: str | os.PathLike[str]) -> None:
        """Stream the file to the path `file`, chunk by chunk as it arrives."""
        self._portal.call(self._response.write_to_file, file)

    stream_to_file = write_to_file

    def __enter__(self) -> BinaryAPIResponse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _download(portal: _Portal, download: AsyncFileDownload) -> BinaryAPIResponse:
    async def open_response() -> AsyncBinaryAPIResponse:
        return await download

    return BinaryAPIResponse(portal, portal.call(open_response))


class Files:
    """`Claude.files`: the blocking twin of `AsyncFiles`; raises what it raises."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, files: AsyncFiles) -> None:
        self._portal = portal
        self._async = files

    @property
    def with_raw_response(self) -> FilesWithRawResponse:
        """The same methods, returning an `APIResponse`."""
        return FilesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> FilesWithStreamingResponse:
        """The same methods as `with` blocks."""
        return FilesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    def upload(self, *, file: FileTypes, **args: Unpack[FileUploadArgs]) -> FileMetadata:
        """Upload a file. Raises `TypeError` naming `file` for an unusable argument."""
        metadata: FileMetadata = _run(self._portal, self._async.upload, file=file, **args)
        return metadata

    def list(self, **args: Unpack[FileListArgs]) -> SyncPage[FileMetadata]:
        """The first page of files, newest first; iterate it for every file."""
        return _first_page(self._portal, self._async.list(**args))

    def retrieve_metadata(self, file_id: str, **options: Unpack[WorkspaceOptions]) -> FileMetadata:
        """A file's metadata. Raises `NotFoundError` for an unknown id."""
        metadata: FileMetadata = _run(
            self._portal, self._async.retrieve_metadata, file_id, **options
        )
        return metadata

    def download(self, file_id: str, **options: Unpack[WorkspaceOptions]) -> BinaryAPIResponse:
        """A file's content, streamed: a `BinaryAPIResponse` once the head is in (use it
        in `with`, or read it with `read()` / `write_to_file()`)."""
        return _download(self._portal, self._async.download(file_id, **options))

    def delete(self, file_id: str, **options: Unpack[WorkspaceOptions]) -> DeletedFile:
        """Delete a file. Raises `NotFoundError` for an unknown id."""
        deleted: DeletedFile = _run(self._portal, self._async.delete, file_id, **options)
        return deleted


class FilesWithRawResponse:
    """`Claude.files.with_raw_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, files: AsyncFilesWithRawResponse) -> None:
        self._portal = portal
        self._async = files

    def upload(
        self, *, file: FileTypes, **args: Unpack[FileUploadArgs]
    ) -> APIResponse[FileMetadata]:
        """`files.upload`, returning an `APIResponse`."""
        response: APIResponse[FileMetadata] = _raw(
            self._portal, self._async.upload, file=file, **args
        )
        return response

    def list(self, **args: Unpack[FileListArgs]) -> APIResponse[SyncPage[FileMetadata]]:
        """`files.list`, returning an `APIResponse` whose `parse()` is the first page."""
        response: APIResponse[SyncPage[FileMetadata]] = _raw(self._portal, self._async.list, **args)
        return response

    def retrieve_metadata(
        self, file_id: str, **options: Unpack[WorkspaceOptions]
    ) -> APIResponse[FileMetadata]:
        """`files.retrieve_metadata`, returning an `APIResponse`."""
        response: APIResponse[FileMetadata] = _raw(
            self._portal, self._async.retrieve_metadata, file_id, **options
        )
        return response

    def download(self, file_id: str, **options: Unpack[WorkspaceOptions]) -> BinaryAPIResponse:
        """`files.download` (already a raw response)."""
        return _download(self._portal, self._async.download(file_id, **options))

    def delete(self, file_id: str, **options: Unpack[WorkspaceOptions]) -> APIResponse[DeletedFile]:
        """`files.delete`, returning an `APIResponse`."""
        response: APIResponse[DeletedFile] = _raw(
            self._portal, self._async.delete, file_id, **options
        )
        return response


class FilesWithStreamingResponse:
    """`Claude.files.with_streaming_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, files: AsyncFilesWithStreamingResponse) -> None:
        self._portal = portal
        self._async = files

    def upload(
        self, *, file: FileTypes, **args: Unpack[FileUploadArgs]
    ) -> StreamingResponse[FileMetadata]:
        """`files.upload` as `with ... as response:`."""
        return StreamingResponse(self._portal, self._async.upload(file=file, **args))

    def list(self, **args: Unpack[FileListArgs]) -> StreamingResponse[SyncPage[FileMetadata]]:
        """`files.list` as `with ... as response:`; `response.parse()` is the first page."""
        return StreamingResponse(self._portal, self._async.list(**args))

    def retrieve_metadata(
        self, file_id: str, **options: Unpack[WorkspaceOptions]
    ) -> StreamingResponse[FileMetadata]:
        """`files.retrieve_metadata` as `with ... as response:`."""
        return StreamingResponse(self._portal, self._async.retrieve_metadata(file_id, **options))

    def download(self, file_id: str, **options: Unpack[WorkspaceOptions]) -> BinaryAPIResponse:
        """`files.download` as `with ... as response:`."""
        return _download(self._portal, self._async.download(file_id, **options))

    def delete(
        self, file_id: str, **options: Unpack[WorkspaceOptions]
    ) -> StreamingResponse[DeletedFile]:
        """`files.delete` as `with ... as response:`."""
        return StreamingResponse(self._portal, self._async.delete(file_id, **options))


# --------------------------------------------------------------------- Claude.beta.files
# The same classes over `AsyncBetaFiles`; only their signatures (for type checkers) add
# `betas=` and `beta.files.list`'s own parameters.


class BetaFiles(Files):
    """`Claude.beta.files`: the blocking twin of `AsyncBetaFiles` (`Files` sending the
    files beta, with `betas=`)."""

    __slots__ = ()

    @property
    def with_raw_response(self) -> BetaFilesWithRawResponse:
        """The same methods, returning an `APIResponse`."""
        return BetaFilesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> BetaFilesWithStreamingResponse:
        """The same methods as `with` blocks."""
        return BetaFilesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    if TYPE_CHECKING:

        def upload(
            self, *, file: FileTypes, **args: Unpack[BetaFileUploadArgs]
        ) -> FileMetadata: ...
        def list(self, **args: Unpack[BetaFileListArgs]) -> SyncPage[FileMetadata]: ...
        def retrieve_metadata(
            self, file_id: str, **options: Unpack[BetaFileOptions]
        ) -> FileMetadata: ...
        def download(
            self, file_id: str, **options: Unpack[BetaFileOptions]
        ) -> BinaryAPIResponse: ...
        def delete(self, file_id: str, **options: Unpack[BetaFileOptions]) -> DeletedFile: ...


class BetaFilesWithRawResponse(FilesWithRawResponse):
    """`Claude.beta.files.with_raw_response`."""

    __slots__ = ()

    if TYPE_CHECKING:

        def upload(
            self, *, file: FileTypes, **args: Unpack[BetaFileUploadArgs]
        ) -> APIResponse[FileMetadata]: ...
        def list(self, **args: Unpack[BetaFileListArgs]) -> APIResponse[SyncPage[FileMetadata]]: ...
        def retrieve_metadata(
            self, file_id: str, **options: Unpack[BetaFileOptions]
        ) -> APIResponse[FileMetadata]: ...
        def download(
            self, file_id: str, **options: Unpack[BetaFileOptions]
        ) -> BinaryAPIResponse: ...
        def delete(
            self, file_id: str, **options: Unpack[BetaFileOptions]
        ) -> APIResponse[DeletedFile]: ...


class BetaFilesWithStreamingResponse(FilesWithStreamingResponse):
    """`Claude.beta.files.with_streaming_response`."""

    __slots__ = ()

    if TYPE_CHECKING:

        def upload(
            self, *, file: FileTypes, **args: Unpack[BetaFileUploadArgs]
        ) -> StreamingResponse[FileMetadata]: ...
        def list(
            self, **args: Unpack[BetaFileListArgs]
        ) -> StreamingResponse[SyncPage[FileMetadata]]: ...
        def retrieve_metadata(
            self, file_id: str, **options: Unpack[BetaFileOptions]
        ) -> StreamingResponse[FileMetadata]: ...
        def download(
            self, file_id: str, **options: Unpack[BetaFileOptions]
        ) -> BinaryAPIResponse: ...
        def delete(
            self, file_id: str, **options: Unpack[BetaFileOptions]
        ) -> StreamingResponse[DeletedFile]: ...
