"""FakeClaude's Files API: a file store and the route of `/v1/files` (no I/O).

The server routes each `/v1/files` request to `FakeFiles.handle`; messages that reference a
`file_id` are checked with `check_references`.
What the real API does and this store copies: uploads are multipart/form-data with a
`file` part (500 MB at most) and an optional `expires_in_seconds`; only the final path
component of a filename is kept, an empty one becomes `unnamed` plus an extension for its
MIME type; uploaded files are not downloadable (only files a tool generated are); lists are
newest first, paged by a `next_page` token (`page`), or filtered by `ids[]` (one page) or
`scope_id`. The first version of the API required the `files-api-2025-04-14` beta header
(`require_beta`) and paged by `after_id` / `before_id`, which the store still serves.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..types import encode_json
from ._fake_model import RequestError
from ._http import Response
from ._routing import ApiRequest, json_response

__all__ = ("FILES_BETA", "FakeFiles")

FILES_BETA = "files-api-2025-04-14"
_MAX_FILE_SIZE = 500 * 1024 * 1024
_MAX_IDS = 100
_WRITE_SIZE = 64 * 1024
_EXPIRY_RANGE = (3600, 7_776_000)
_PARAM = re.compile(r';\s*([A-Za-z*]+)="((?:[^"\\]|\\.)*)"')
_FORM_ESCAPES = {"%22": '"', "%0D": "\r", "%0A": "\n", "%0d": "\r", "%0a": "\n"}


@dataclass
class _StoredFile:
    id: str
    filename: str
    mime_type: str
    content: bytes
    created_at: datetime
    downloadable: bool
    expires_at: datetime | None = None
    scope_id: str | None = None

    def metadata(self) -> dict[str, Any]:
        metadata = {
            "id": self.id,
            "type": "file",
            "filename": self.filename,
            "mime_type": self.mime_type,
            "size_bytes": len(self.content),
            "created_at": _iso(self.created_at),
            "downloadable": self.downloadable,
            "expires_at": _iso(self.expires_at) if self.expires_at else None,
        }
        if self.scope_id is not None:
            metadata["scope"] = {"id": self.scope_id, "type": "session"}
        return metadata


@dataclass
class _Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


class FakeFiles:
    """FakeClaude's file store, `server.files`.

    `add()` stores a file as a tool would have generated it (downloadable), to test
    downloads; `content(file_id)` reads what a client uploaded. Set `require_beta = True`
    to answer 400 to requests without the `files-api-2025-04-14` beta header (as the API
    did before the Files API left beta), and `max_file_size` to test the size limit
    (uploads above it get a 413).
    """

    def __init__(self, new_id: Callable[[], str]) -> None:
        self.require_beta = False
        self.max_file_size = _MAX_FILE_SIZE
        self._new_id = new_id
        self._files: dict[str, _StoredFile] = {}

    def add(
        self,
        content: bytes,
        *,
        filename: str = "output.txt",
        mime_type: str | None = None,
        downloadable: bool = True,
        scope_id: str | None = None,
    ) -> dict[str, Any]:
        """Store a file (downloadable unless told otherwise; in the scope of the session
        `scope_id` if given) and return its metadata."""
        stored = _StoredFile(
            id=self._new_id(),
            filename=filename,
            mime_type=mime_type or _guess_type(filename),
            content=bytes(content),
            created_at=datetime.now(timezone.utc),
            downloadable=downloadable,
            scope_id=scope_id,
        )
        self._files[stored.id] = stored
        return stored.metadata()

    def content(self, file_id: str) -> bytes:
        """The bytes stored under `file_id`. Raises `KeyError` for an unknown id."""
        return self._files[file_id].content

    # ------------------------------------------------------------------ routing

    async def handle(self, request: ApiRequest) -> Response:
        """Answer a request to `/v1/files...` as the real API would."""
        method, path, headers = request.method, request.path, request.headers
        params, body, request_id = request.query, request.body, request.request_id
        try:
            self._check_beta(headers)
            parts = path.removeprefix("/v1/files").strip("/").split("/")
            if parts == [""] and method == "POST":
                return _ok(self._upload(headers.get("content-type", ""), body))
            if parts == [""] and method == "GET":
                return _ok(self._list(params, request.query_list("ids")))
            if len(parts) in (1, 2) and parts[0]:
                return self._one(method, parts, request_id)
            raise RequestError(404, "not_found_error", f"Not found: {method} {path}")
        except RequestError as exc:
            return _error(exc.status, exc.error_type, exc.message, request_id)

    def check_references(self, body: Any, headers: Mapping[str, str]) -> None:
        """Raise `RequestError` (400) if a message names a file that does not exist."""
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return
        for i, message in enumerate(body["messages"]):
            content = message.get("content") if isinstance(message, dict) else None
            for j, block in enumerate(content if isinstance(content, list) else ()):
                source = block.get("source") if isinstance(block, dict) else None
                if not isinstance(source, dict) or source.get("type") != "file":
                    continue
                where = f"messages.{i}.content.{j}.source"
                self._check_beta(headers, f"{where}: file sources")
                file_id = source.get("file_id")
                if not isinstance(file_id, str):
                    raise RequestError(400, "invalid_request_error", f"{where}.file_id: required")
                if file_id not in self._files:
                    raise RequestError(
                        400, "invalid_request_error", f"{where}.file_id: file not found: {file_id}"
                    )

    def _check_beta(self, headers: Mapping[str, str], what: str = "The Files API") -> None:
        betas = {b.strip() for b in headers.get("anthropic-beta", "").split(",")}
        if self.require_beta and FILES_BETA not in betas:
            raise RequestError(
                400,
                "invalid_request_error",
                f"{what} requires the beta header `anthropic-beta: {FILES_BETA}`",
            )

    def _one(self, method: str, parts: list[str], request_id: str) -> Response:
        stored = self._files.get(parts[0])
        if stored is None:
            raise RequestError(404, "not_found_error", f"File not found: {parts[0]}")
        if parts[1:] == ["content"] and method == "GET":
            if not stored.downloadable:
                return _error(
                    400,
                    "invalid_request_error",
                    f"File {stored.id} is not downloadable: only files a tool generated can be",
                    request_id,
                    error_code="file_not_downloadable",
                )
            # In 64 KiB writes, as a big download arrives.
            content = stored.content
            chunks = (
                (0.0, content[i : i + _WRITE_SIZE]) for i in range(0, len(content), _WRITE_SIZE)
            )
            head = [("content-type", stored.mime_type), ("content-length", str(len(content)))]
            return Response(200, head, chunks)
        if len(parts) == 1 and method == "GET":
            return _ok(stored.metadata())
        if len(parts) == 1 and method == "DELETE":
            del self._files[stored.id]
            return _ok({"id": stored.id, "type": "file_deleted"})
        raise RequestError(404, "not_found_error", f"Not found: {method} /v1/files/{parts[0]}")

    # ------------------------------------------------------------------ endpoints

    def _upload(self, content_type: str, body: bytes) -> dict[str, Any]:
        parts = _parse_multipart(content_type, body)
        file_part = next((p for p in parts if p.name == "file"), None)
        if file_part is None:
            raise RequestError(400, "invalid_request_error", "file: Field required")
        if len(file_part.data) > self.max_file_size:
            raise RequestError(
                413,
                "request_too_large",
                f"File exceeds the maximum allowed size of {self.max_file_size} bytes",
            )
        created = datetime.now(timezone.utc)
        expires_at = None
        expiry = next((p for p in parts if p.name == "expires_in_seconds"), None)
        if expiry is not None:
            low, high = _EXPIRY_RANGE
            text = expiry.data.decode("latin-1").strip()
            if not text.isdigit() or not low <= int(text) <= high:
                raise RequestError(
                    400,
                    "invalid_request_error",
                    f"expires_in_seconds: must be an integer from {low} to {high}",
                )
            expires_at = created + timedelta(seconds=int(text))
        given_type = (file_part.content_type or "").split(";")[0].strip().lower()
        name = (file_part.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        if given_type in ("", "application/octet-stream") and name:
            given_type = _guess_type(name)
        mime_type = given_type or "application/octet-stream"
        if not name:
            name = "unnamed" + (mimetypes.guess_extension(mime_type) or "")
        stored = _StoredFile(
            id=self._new_id(),
            filename=name,
            mime_type=mime_type,
            content=file_part.data,
            created_at=created,
            downloadable=False,
            expires_at=expires_at,
        )
        self._files[stored.id] = stored
        return stored.metadata()

    def _list(self, params: Mapping[str, str], ids: list[str]) -> dict[str, Any]:
        if ids and ("limit" in params or "page" in params):
            raise RequestError(
                400, "invalid_request_error", "ids: mutually exclusive with page and limit"
            )
        if len(set(ids)) > _MAX_IDS:
            raise RequestError(
                400, "invalid_request_error", f"ids: at most {_MAX_IDS} entries, got {len(ids)}"
            )
        try:
            limit = int(params.get("limit", "20"))
        except ValueError:
            raise RequestError(
                400, "invalid_request_error", "limit: Input should be a valid integer"
            ) from None
        if not 1 <= limit <= 1000:
            raise RequestError(400, "invalid_request_error", "limit: range: 1..1000")
        items = list(reversed(self._files.values()))
        if "scope_id" in params:
            items = [item for item in items if item.scope_id == params["scope_id"]]
        if ids:
            wanted = set(ids)
            page = [item for item in items if item.id in wanted]
            return _page(page, has_more=False, next_page=None)
        positions = [item.id for item in items]
        # `page` is this fake's opaque cursor: a `next_page` it gave, `page_` + an id.
        after = params.get("after_id") or params.get("page", "").removeprefix("page_") or None
        forward = "before_id" not in params
        if after is not None:
            start = positions.index(after) + 1 if after in positions else len(positions)
            page, has_more = items[start : start + limit], start + limit < len(items)
        elif not forward:
            end = positions.index(params["before_id"]) if params["before_id"] in positions else 0
            page, has_more = items[max(0, end - limit) : end], end - limit > 0
        else:
            page, has_more = items[:limit], len(items) > limit
        next_page = f"page_{page[-1].id}" if forward and has_more else None
        return _page(page, has_more=has_more, next_page=next_page)


def _page(page: list[_StoredFile], *, has_more: bool, next_page: str | None) -> dict[str, Any]:
    return {
        "data": [item.metadata() for item in page],
        "has_more": has_more,
        "first_id": page[0].id if page else None,
        "last_id": page[-1].id if page else None,
        "next_page": next_page,
    }


def _parse_multipart(content_type: str, body: bytes) -> list[_Part]:
    kind, _, rest = content_type.partition(";")
    boundary = re.search(r'boundary="?([^";]+)"?', rest)
    if kind.strip().lower() != "multipart/form-data" or boundary is None:
        raise RequestError(
            400,
            "invalid_request_error",
            "Content-Type must be multipart/form-data with a boundary",
        )
    delimiter = b"\r\n--" + boundary.group(1).encode("latin-1")
    sections = (b"\r\n" + body).split(delimiter)
    parts: list[_Part] = []
    for section in sections[1:]:
        if section.startswith(b"--"):
            return parts
        head, found, data = section.partition(b"\r\n\r\n")
        if not found:
            break
        fields: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                fields[name.strip().lower()] = value.strip()
        params = dict(_PARAM.findall(fields.get("content-disposition", "")))
        filename = _unescape(params["filename"]) if "filename" in params else None
        parts.append(_Part(params.get("name", ""), filename, fields.get("content-type"), data))
    raise RequestError(400, "invalid_request_error", "malformed multipart/form-data body")


def _unescape(value: str) -> str:
    # Browsers and httpx escape `"`, CR and LF in form parameters as %22, %0D and %0A.
    value = re.sub(r"%22|%0[dDaA]", lambda m: _FORM_ESCAPES[m.group(0)], value)
    return re.sub(r"\\(.)", r"\1", value)


def _guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _ok(payload: dict[str, Any]) -> Response:
    return json_response(encode_json(payload))


def _error(
    status: int, error_type: str, message: str, request_id: str, *, error_code: str | None = None
) -> Response:
    error: dict[str, Any] = {"type": error_type, "message": message}
    if error_code is not None:
        error["details"] = {"error_code": error_code}
    body = {"type": "error", "error": error, "request_id": request_id}
    return json_response(encode_json(body), status)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
