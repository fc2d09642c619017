"""`client.files` and `client.beta.files`: upload, list, retrieve_metadata, download and
delete files.

`client.beta.files` is `client.files` sending `anthropic-beta: files-api-2025-04-14` after
any `betas` given. Uploads are multipart/form-data, encoded here (`encode_multipart`);
downloads are streamed.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, TypeAlias, Union
from urllib.parse import quote

import anyio

from .._helper_tags import tag_of, with_helper
from .._http import HTTPResponse, Timeout
from .._request import NOT_GIVEN, NotGiven, deadline_for
from .._response import AsyncAPIResponse, unread
from ..types import DeletedFile, FileMetadata
from ..types._decode import LenientDecoder
from ._checks import beta_headers, checked_strings, option_headers
from ._closing import ClosingCall
from ._ops import AsyncStreamingResponseManager, Op
from ._pagination import AsyncPaginator, id_cursor, list_op, page_cursor
from ._views import Resource, View, as_is, raw, streaming

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._args import (
        BetaFileListArgs,
        BetaFileUploadArgs,
        BetaOptions,
        FileListArgs,
        FileUploadArgs,
        WorkspaceOptions,
    )


__all__ = (
    "FILES_BETA",
    "AsyncBetaFiles",
    "AsyncBetaFilesWithRawResponse",
    "AsyncBetaFilesWithStreamingResponse",
    "AsyncBinaryAPIResponse",
    "AsyncFileDownload",
    "AsyncFiles",
    "AsyncFilesWithRawResponse",
    "AsyncFilesWithStreamingResponse",
    "FileContent",
    "FileTypes",
    "encode_multipart",
    "file_from_path",
)

FILES_BETA = "files-api-2025-04-14"
_MAX_IDS = 100  # file ids one `list(ids=...)` takes, as the API documents

FileContent: TypeAlias = Union[bytes, "os.PathLike[str]", IO[bytes]]
FileTypes: TypeAlias = Union[
    FileContent,
    tuple[Union[str, None], FileContent],
    tuple[Union[str, None], FileContent, Union[str, None]],
    tuple[Union[str, None], FileContent, Union[str, None], Mapping[str, str]],
]

_metadata_decoder = LenientDecoder(FileMetadata)
_deleted_decoder = LenientDecoder(DeletedFile)
# HTML5 form encoding of parameter values, as browsers and httpx write them.
_FORM_ESCAPES = {
    '"': "%22",
    "\\": "\\\\",
    **{chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B},
}
_FORM_ESCAPE_RE = re.compile("|".join(re.escape(c) for c in _FORM_ESCAPES))
_HEADER_NAME_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FILE_ERROR = (
    "file must be bytes, a path (os.PathLike such as pathlib.Path), a binary file object, "
    "or a (filename, content[, mime_type[, headers]]) tuple"
)


# ----------------------------------------------------------------------------- upload


class _FilePart:
    """A validated `file=` argument; its content is read only by `read()`."""

    __slots__ = ("content", "content_type", "filename", "headers")

    def __init__(self, file: object) -> None:
        filename: str | None = None
        content_type: str | None = None
        headers: Mapping[str, str] = {}
        content = file
        if isinstance(file, tuple):
            if not 2 <= len(file) <= 4:
                raise TypeError(f"{_FILE_ERROR}; got a tuple of {len(file)} items")
            filename, content, *rest = file
            if rest:
                content_type = rest[0]
            if len(rest) > 1:
                headers = rest[1]
            if filename is not None and not isinstance(filename, str):
                raise TypeError(f"file: the filename must be a str, not {type(filename).__name__}")
        if isinstance(content, io.TextIOBase):
            raise TypeError("file: open the file in binary mode ('rb'), not text mode")
        if not isinstance(content, bytes | bytearray | memoryview | os.PathLike | io.IOBase):
            hint = " (wrap a path in pathlib.Path)" if isinstance(content, str) else ""
            raise TypeError(f"{_FILE_ERROR}, not {type(content).__name__}{hint}")
        self.content: object = content
        self.filename = filename or _name_of(content)
        self.content_type = content_type or (
            mimetypes.guess_type(self.filename)[0] if self.filename else None
        )
        self.headers = headers

    async def read(self) -> bytes:
        """The content's bytes, read from disk in a worker thread for paths and files."""
        content = self.content
        if isinstance(content, os.PathLike):
            return await anyio.Path(os.fspath(content)).read_bytes()
        if isinstance(content, io.IOBase):
            data = await anyio.to_thread.run_sync(content.read)
            if not isinstance(data, bytes | bytearray):
                raise TypeError("file: open the file in binary mode ('rb'), not text mode")
            return bytes(data)
        assert isinstance(content, bytes | bytearray | memoryview)
        return content if isinstance(content, bytes) else bytes(content)


def _name_of(content: object) -> str | None:
    if isinstance(content, os.PathLike):
        return Path(os.fspath(content)).name or None
    name = getattr(content, "name", None)
    if isinstance(name, str | bytes):
        return Path(os.fsdecode(name)).name or None
    return None


def _form_param(name: str, value: str) -> bytes:
    escaped = _FORM_ESCAPE_RE.sub(lambda m: _FORM_ESCAPES[m.group(0)], value)
    return f'{name}="{escaped}"'.encode()


def encode_multipart(
    fields: Sequence[tuple[str, str]],
    file_field: str,
    filename: str | None,
    content: bytes,
    *,
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
    boundary: str | None = None,
) -> tuple[str, bytes]:
    """A multipart/form-data body: `fields` as text parts, then one file part.

    Returns the `content-type` header value (with the boundary, random unless given)
    and the body. Raises `ValueError` for a part header name or value that cannot be
    written.
    """
    boundary = boundary or os.urandom(16).hex()
    delimiter = b"--" + boundary.encode("ascii") + b"\r\n"
    chunks: list[bytes] = []
    for name, value in fields:
        chunks += [
            delimiter,
            b"Content-Disposition: form-data; " + _form_param("name", name) + b"\r\n\r\n",
            value.encode(),
            b"\r\n",
        ]
    disposition = b"Content-Disposition: form-data; " + _form_param("name", file_field)
    if filename:
        disposition += b"; " + _form_param("filename", filename)
    part_headers = dict(headers or {})
    if content_type and not any(k.lower() == "content-type" for k in part_headers):
        part_headers["Content-Type"] = content_type
    lines = [disposition]
    for key, value in part_headers.items():
        if not _HEADER_NAME_RE.fullmatch(key) or re.search(r"[\x00-\x08\x0a-\x1f\x7f]", value):
            raise ValueError(f"file: invalid part header {key!r}: {value!r}")
        lines.append(f"{key}: {value}".encode())
    chunks += [delimiter, b"\r\n".join(lines), b"\r\n\r\n", content, b"\r\n"]
    chunks.append(b"--" + boundary.encode("ascii") + b"--\r\n")
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


class _UploadResponseManager(AsyncStreamingResponseManager[FileMetadata]):
    """`with_streaming_response.upload`: reads the file on entering, then sends it."""

    __slots__ = ("_prepare",)

    def __init__(self, prepare: Callable[[], Awaitable[Op]]) -> None:
        self._prepare = prepare
        self._response = None

    async def __aenter__(self) -> AsyncAPIResponse[FileMetadata]:
        self._op = await self._prepare()
        return await super().__aenter__()


# --------------------------------------------------------------------------- download


class AsyncBinaryAPIResponse(AsyncAPIResponse[bytes]):
    """A downloaded file, its body not read yet: read it with `read()`, `iter_bytes()`
    or `write_to_file()`.

    `read()` and `write_to_file()` release the connection once done (or failed);
    after iterating part of the body, call `close()` or use `async with`. Reads raise
    `APIConnectionError`/`APITimeoutError` if the connection fails; cancelling one
    closes the connection.
    """

    __slots__ = ()

    async def read(self) -> bytes:
        """The whole file in memory (for big files, prefer `write_to_file`)."""
        try:
            return await super().read()
        finally:
            await self.close()

    async def write_to_file(self, file: str | os.PathLike[str]) -> None:
        """Stream the file to the path `file`, chunk by chunk as it arrives.

        If reading fails the file is left with what had arrived.
        """
        try:
            async with await anyio.open_file(file, "wb") as out:
                async for chunk in self.iter_bytes():
                    await out.write(chunk)
        finally:
            await self.close()

    stream_to_file = write_to_file

    async def __aenter__(self) -> AsyncBinaryAPIResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def _read_all(response: AsyncAPIResponse[bytes]) -> bytes:
    return await response.read()


class AsyncFileDownload(ClosingCall[AsyncBinaryAPIResponse]):
    """What `files.download(...)` returns: `await` it for an `AsyncBinaryAPIResponse`, or
    `async with` it to have the response closed at the end of the block."""

    __slots__ = ()


# ------------------------------------------------------------------------ the resource


def _path(file_id: str, suffix: str = "") -> str:
    if not isinstance(file_id, str) or not file_id:
        raise ValueError(f"file_id must be a non-empty string, got {file_id!r}")
    return f"/v1/files/{quote(file_id, safe='')}{suffix}"


def _given(value: object) -> bool:
    return value is not None and not isinstance(value, NotGiven)


class AsyncFiles(Resource):
    """`client.files`: the Files API (upload once, reference by `file_id`).

    Methods raise what `AsyncClaude` raises (`NotFoundError` for an unknown file id);
    cancellation stops the request and closes its connection. `client.beta.files` (an
    `AsyncBetaFiles`) has the same methods, with `betas=` and the beta header.
    """

    __slots__ = ()

    # The betas every call sends after the caller's (`files-api-2025-04-14` for
    # `beta.files`). The methods take `betas=` at run time on `files` too, as the private
    # implementation shared with `beta.files`; only `AsyncBetaFiles`'s signatures show it.
    _BETAS: ClassVar[tuple[str, ...]] = ()

    @property
    def with_raw_response(self) -> AsyncFilesWithRawResponse:
        """The same methods, returning an `AsyncAPIResponse` (headers, status, `parse()`)."""
        return AsyncFilesWithRawResponse(self._in("raw"))

    @property
    def with_streaming_response(self) -> AsyncFilesWithStreamingResponse:
        """The same methods as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncFilesWithStreamingResponse(self._in("streaming"))

    def upload(
        self, *, file: FileTypes, **args: Unpack[FileUploadArgs]
    ) -> Coroutine[Any, Any, FileMetadata]:
        """Upload a file; `await` it for its `FileMetadata` (use its `id` in messages).

        `file` is bytes, a `pathlib.Path`, a binary file object or a `(filename, content[,
        mime_type[, headers]])` tuple; paths and file objects are read in a worker thread
        and the body is sent from memory. Anything else raises `TypeError` naming `file`
        before any I/O. Raises `RequestTooLargeError` above the size limit (500 MB).
        """
        result: Coroutine[Any, Any, FileMetadata] = self._upload(file=file, **args)
        return result

    def list(self, **args: Unpack[FileListArgs]) -> AsyncPaginator[FileMetadata]:
        """List files, newest first: `await` it for a page, `async for` every file.

        Pages follow each other by the `next_page` token (`page=` asks for one). `ids=`
        lists those files (at most 100, in one page, without `page` or `limit`: else
        `ValueError` before any I/O).
        """
        result: AsyncPaginator[FileMetadata] = self._list(**args)
        return result

    def retrieve_metadata(
        self, file_id: str, **options: Unpack[WorkspaceOptions]
    ) -> Coroutine[Any, Any, FileMetadata]:
        """A file's `FileMetadata`. Raises `NotFoundError` for an unknown id."""
        result: Coroutine[Any, Any, FileMetadata] = self._operation(
            "GET", _path(file_id), _metadata_decoder.decode, **options
        )
        return result

    def download(self, file_id: str, **options: Unpack[WorkspaceOptions]) -> AsyncFileDownload:
        """A file's content, streamed: `await` it (or `async with` it) for an
        `AsyncBinaryAPIResponse` once the response head is in. The raw and streaming
        views return the same (it is a raw response already).

        Only files a tool generated are downloadable: others raise `BadRequestError`;
        an unknown id raises `NotFoundError`.
        """
        return self._download(file_id, **options)

    def delete(
        self, file_id: str, **options: Unpack[WorkspaceOptions]
    ) -> Coroutine[Any, Any, DeletedFile]:
        """Delete a file; `await` it for a `DeletedFile`. Raises `NotFoundError` for an
        unknown id."""
        result: Coroutine[Any, Any, DeletedFile] = self._operation(
            "DELETE", _path(file_id), _deleted_decoder.decode, **options
        )
        return result

    # ------------------------------------------------ the implementation, shared with beta

    def _headers(
        self,
        betas: Sequence[str] | None,
        workspace_id: str | NotGiven,
        extra_headers: Mapping[str, str] | None,
    ) -> dict[str, str]:
        headers = beta_headers(betas, extra_headers, *self._BETAS)
        return option_headers(headers, workspace_id=workspace_id)

    def _upload(
        self,
        *,
        file: FileTypes,
        expires_in_seconds: int | NotGiven = NOT_GIVEN,
        betas: Sequence[str] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        part = _FilePart(file)
        form: list[tuple[str, str]] = []
        if not isinstance(expires_in_seconds, NotGiven):
            if not isinstance(expires_in_seconds, int) or isinstance(expires_in_seconds, bool):
                raise TypeError(f"expires_in_seconds must be an int, got {expires_in_seconds!r}")
            form.append(("expires_in_seconds", str(expires_in_seconds)))
        form += [(key, str(value)) for key, value in (extra_body or {}).items()]
        headers = self._headers(betas, workspace_id, extra_headers)
        helper = tag_of(file)
        if helper is not None:
            # A file a helper made (`mcp_resource_to_file`) names it, as the official SDK.
            headers = with_helper(headers, helper, first=True)

        async def prepare() -> Op:
            content_type, body = encode_multipart(
                form,
                "file",
                part.filename,
                await part.read(),
                content_type=part.content_type or "application/octet-stream",
                headers=part.headers,
            )
            call = self._client._call(
                "POST",
                "/v1/files",
                extra_headers={**headers, "content-type": content_type},
                extra_query=extra_query,
                timeout=timeout,
            )
            # `_call` encodes JSON bodies; this one is multipart, so it is set here.
            call.body = body
            return Op(self._client, call, decode=_metadata_decoder.decode)

        if self._mode == "streaming":
            return _UploadResponseManager(prepare)

        async def send() -> Any:
            return await (await prepare()).run(self._mode)

        return send()

    def _list(
        self,
        *,
        ids: Sequence[str] | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        page: str | NotGiven | None = NOT_GIVEN,
        scope_id: str | NotGiven = NOT_GIVEN,
        after_id: str | NotGiven = NOT_GIVEN,
        before_id: str | NotGiven = NOT_GIVEN,
        betas: Sequence[str] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        """Pages by the `next_page` token, or by ids when the first version's `after_id` /
        `before_id` cursor is given."""
        if _given(ids):
            ids = checked_strings("ids", ids)
            if len(set(ids)) > _MAX_IDS:
                raise ValueError(f"ids: at most {_MAX_IDS} file ids, got {len(set(ids))}")
            if ids and (_given(page) or _given(limit)):
                raise ValueError(
                    "ids cannot be combined with page or limit (a list by ids is one page)"
                )
        for name, value in (("page", page), ("scope_id", scope_id)):
            if _given(value) and not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got {type(value).__name__}: {value!r}")
        return list_op(
            self._client,
            self._mode,
            "/v1/files",
            FileMetadata,
            {
                "ids": ids,
                "limit": limit,
                "page": page,
                "scope_id": scope_id,
                "after_id": after_id,
                "before_id": before_id,
            },
            id_cursor if _given(after_id) or _given(before_id) else page_cursor,
            extra_headers=self._headers(betas, workspace_id, extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def _operation(
        self,
        method: str,
        path: str,
        decode: Callable[[bytes], Any],
        *,
        betas: Sequence[str] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        call = self._client._call(
            method,
            path,
            extra_headers=self._headers(betas, workspace_id, extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return Op(self._client, call, decode=decode).run(self._mode)

    def _download(
        self,
        file_id: str,
        *,
        betas: Sequence[str] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> AsyncFileDownload:
        """The same in every mode (`extra_body`: not sent with a GET)."""
        headers = {"accept": "application/binary", **(extra_headers or {})}
        call = self._client._call(
            "GET",
            _path(file_id, "/content"),
            extra_headers=self._headers(betas, workspace_id, headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        client = self._client

        async def open_response() -> AsyncBinaryAPIResponse:
            deadline = deadline_for(call.timeout)
            response, retries = await client._send(call, unread, deadline=deadline)
            http_response = HTTPResponse(response.status, response.headers, response.http_version)
            return AsyncBinaryAPIResponse(
                response, http_response, _read_all, retries_taken=retries, deadline=deadline
            )

        return AsyncFileDownload(open_response)


class AsyncFilesWithRawResponse(View[AsyncFiles]):
    """`client.files.with_raw_response`: each call gives an `AsyncAPIResponse` (`list`:
    whose `await parse()` is the first `AsyncPage`; `download`: as `files.download`)."""

    __slots__ = ()

    upload = raw(AsyncFiles.upload)
    list = raw(AsyncFiles.list)
    retrieve_metadata = raw(AsyncFiles.retrieve_metadata)
    download = as_is(AsyncFiles.download)
    delete = raw(AsyncFiles.delete)


class AsyncFilesWithStreamingResponse(View[AsyncFiles]):
    """`client.files.with_streaming_response`: each call is an `async with` block (`upload`
    reads the file on entering; `download`: as `files.download`)."""

    __slots__ = ()

    upload = streaming(AsyncFiles.upload)
    list = streaming(AsyncFiles.list)
    retrieve_metadata = streaming(AsyncFiles.retrieve_metadata)
    download = as_is(AsyncFiles.download)
    delete = streaming(AsyncFiles.delete)


# --------------------------------------------------------------------- client.beta.files
# The same functions, sending the files beta; only their signatures (for type checkers)
# add `betas=` and `beta.files.list`'s own parameters, and the views derive from those.


class AsyncBetaFiles(AsyncFiles):
    """`client.beta.files`: `client.files` sending `anthropic-beta: files-api-2025-04-14`
    with every call (after any `betas=[...]` given); `list` also takes `scope_id` and the
    `after_id` / `before_id` cursors."""

    __slots__ = ()

    _BETAS = (FILES_BETA,)

    # Its views are not `AsyncFiles`'s: their methods carry the beta signatures.
    @property
    def with_raw_response(self) -> AsyncBetaFilesWithRawResponse:  # type: ignore[override]
        """The same methods, returning an `AsyncAPIResponse` (headers, status, `parse()`)."""
        return AsyncBetaFilesWithRawResponse(self._in("raw"))

    @property
    def with_streaming_response(self) -> AsyncBetaFilesWithStreamingResponse:  # type: ignore[override]
        """The same methods as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncBetaFilesWithStreamingResponse(self._in("streaming"))

    if TYPE_CHECKING:

        def upload(
            self, *, file: FileTypes, **args: Unpack[BetaFileUploadArgs]
        ) -> Coroutine[Any, Any, FileMetadata]: ...
        def list(self, **args: Unpack[BetaFileListArgs]) -> AsyncPaginator[FileMetadata]: ...
        def retrieve_metadata(
            self, file_id: str, **options: Unpack[BetaOptions]
        ) -> Coroutine[Any, Any, FileMetadata]: ...
        def download(self, file_id: str, **options: Unpack[BetaOptions]) -> AsyncFileDownload: ...
        def delete(
            self, file_id: str, **options: Unpack[BetaOptions]
        ) -> Coroutine[Any, Any, DeletedFile]: ...


class AsyncBetaFilesWithRawResponse(View[AsyncBetaFiles]):
    """`client.beta.files.with_raw_response`: each call gives an `AsyncAPIResponse`."""

    __slots__ = ()

    upload = raw(AsyncBetaFiles.upload)
    list = raw(AsyncBetaFiles.list)
    retrieve_metadata = raw(AsyncBetaFiles.retrieve_metadata)
    download = as_is(AsyncBetaFiles.download)
    delete = raw(AsyncBetaFiles.delete)


class AsyncBetaFilesWithStreamingResponse(View[AsyncBetaFiles]):
    """`client.beta.files.with_streaming_response`: each call is an `async with` block."""

    __slots__ = ()

    upload = streaming(AsyncBetaFiles.upload)
    list = streaming(AsyncBetaFiles.list)
    retrieve_metadata = streaming(AsyncBetaFiles.retrieve_metadata)
    download = as_is(AsyncBetaFiles.download)
    delete = streaming(AsyncBetaFiles.delete)


def file_from_path(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    """`(filename, content)` of the file at `path`, for `files.upload(file=...)`: the
    official SDK's helper. It reads the file here, blocking; `file=Path(...)` instead reads
    it in a worker thread when the upload is sent."""
    return os.path.basename(path), Path(path).read_bytes()
