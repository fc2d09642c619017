"""`files`' options and argument checks at their edges: every call passes on its headers,
query, workspace and timeout; the exact messages of refused arguments; multipart part
headers; ids and cursors of `list` (found unpinned by mutation testing,
docs/contributing.md)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import APITimeoutError, AsyncClaude, NotFoundError, Timeout
from anyio_claude.resources._files import encode_multipart, file_from_path
from anyio_claude.testing import FakeClaude
from anyio_claude.testing._routing import ApiRequest

from ._servers import raw_server

pytestmark = pytest.mark.anyio

KEY = "sk-ant-files-test"
FILES_BETA = "files-api-2025-04-14"


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as c:
        yield c


def upload_bodies(server: FakeClaude) -> list[bytes]:
    """The bodies of the uploads the fake receives from now on."""
    bodies: list[bytes] = []
    index = next(i for i, (p, _) in enumerate(server.routes) if p == "/v1/files")
    route = server.routes[index][1]

    async def recording(request: ApiRequest) -> Any:
        bodies.append(request.body)
        return await route(request)

    server.routes[index] = ("/v1/files", recording)
    return bodies


async def test_every_call_sends_its_headers_query_and_workspace(
    client: AsyncClaude, server: FakeClaude
) -> None:
    def options(name: str) -> dict[str, Any]:
        return {
            "extra_headers": {"x-trace": name},
            "extra_query": {"trace": name},
            "workspace_id": "wrkspc_1",
        }

    uploaded = await client.files.upload(file=b"x", **options("upload"))
    await client.files.list(**options("list"))
    await client.files.retrieve_metadata(uploaded.id, **options("retrieve"))
    generated = server.files.add(b"made by a tool")["id"]
    async with client.files.download(generated, **options("download")) as response:
        assert await response.read() == b"made by a tool"
    await client.beta.files.delete(
        uploaded.id, betas=["x-beta"], extra_body={"reason": "tests"}, **options("delete")
    )
    async with client.beta.files.download(generated, betas=["d-beta"]):
        pass
    names = ["upload", "list", "retrieve", "download", "delete"]
    for name, request in zip(names, server.requests, strict=False):
        assert request.headers["x-trace"] == name, request
        assert f"trace={name}" in request.path, request
        assert request.headers["anthropic-workspace-id"] == "wrkspc_1", request
    assert server.requests[3].headers["accept"] == "application/binary"
    assert server.requests[4].headers["anthropic-beta"] == f"x-beta,{FILES_BETA}"
    assert server.requests[4].json == {"reason": "tests"}  # a DELETE sends extra_body
    assert server.requests[5].headers["anthropic-beta"] == f"d-beta,{FILES_BETA}"


async def test_every_call_keeps_to_its_timeout() -> None:
    async def silent(stream: SocketStream, request: bytes) -> None:
        await anyio.sleep_forever()

    async with (
        raw_server(silent) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0, timeout=30) as client,
    ):
        calls = [
            lambda: client.files.upload(file=b"x", timeout=0.2),
            lambda: client.files.list(timeout=0.2),
            lambda: client.files.retrieve_metadata("file_1", timeout=0.2),
            lambda: client.files.download("file_1", timeout=0.2),
            lambda: client.files.delete("file_1", timeout=0.2),
        ]
        for call in calls:
            with anyio.fail_after(10), pytest.raises(APITimeoutError):
                await call()


async def test_upload_sends_extra_body_as_form_fields_and_part_headers(
    client: AsyncClaude, server: FakeClaude
) -> None:
    bodies = upload_bodies(server)
    await client.files.upload(
        file=("a.txt", b"hi", "text/plain", {"X-Part": "one"}),
        extra_body={"purpose": "tests"},
    )
    body = bodies[-1]
    assert b'Content-Disposition: form-data; name="purpose"\r\n\r\ntests\r\n' in body
    assert b"X-Part: one\r\nContent-Type: text/plain\r\n\r\nhi\r\n" in body
    await client.files.upload(file=("b.bin", b"yo", None))
    assert b"Content-Type: application/octet-stream\r\n\r\nyo\r\n" in bodies[-1]


def test_a_part_header_naming_the_content_type_in_any_case_wins() -> None:
    for name in ("content-type", "Content-Type", "CONTENT-TYPE"):
        _, body = encode_multipart(
            [], "file", "a", b"x", content_type="text/plain", headers={name: "image/png"}
        )
        assert body.lower().count(b"content-type") == 1 and b"text/plain" not in body, name
        assert re.search(rb"(?i)content-type: image/png\r\n\r\nx\r\n", body), name


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("report.pdf", r", not str \(wrap a path in pathlib\.Path\)$"),
        (42, r" tuple, not int$"),
        (("a", b"x", "t", {}, "e"), r"; got a tuple of 5 items$"),
        ((b"name", b"x"), r"^file: the filename must be a str, not bytes$"),
    ],
)
async def test_refused_files_say_why(client: AsyncClaude, bad: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        client.files.upload(file=bad)


async def test_list_checks_ids_page_and_scope(client: AsyncClaude, server: FakeClaude) -> None:
    hundred = [f"file_{i}" for i in range(100)]
    page = await client.files.list(ids=hundred + hundred[:3])  # 100 distinct ids
    assert page.data == []
    assert "ids%5B%5D=file_99&" in server.requests[-1].path
    with pytest.raises(ValueError, match=r"^ids: at most 100 file ids, got 101$"):
        client.files.list(ids=[*hundred, "file_x"])
    combined = r"^ids cannot be combined with page or limit \(a list by ids is one page\)$"
    with pytest.raises(ValueError, match=combined):
        client.files.list(ids=["file_1"], page="token")
    with pytest.raises(ValueError, match=combined):
        client.files.list(ids=["file_1"], limit=2)
    with pytest.raises(TypeError, match=r"^ids must be"):
        client.files.list(ids="file_1")
    with pytest.raises(TypeError, match=r"^page must be a str, got int: 5$"):
        client.files.list(page=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^scope_id must be a str, got int: 5$"):
        client.beta.files.list(scope_id=5)  # type: ignore[arg-type]
    await client.files.list(ids=[], limit=2)  # no ids: nothing to combine


async def test_list_pages_by_id_cursor_when_given_one(
    client: AsyncClaude, server: FakeClaude
) -> None:
    ids = [server.files.add(b"x")["id"] for _ in range(5)]  # listed newest first
    page = await client.beta.files.list(after_id=ids[3], limit=2)
    assert [f.id for f in page.data] == [ids[2], ids[1]]
    following = await page.get_next_page()
    assert "after_id=" + ids[1] in server.requests[-1].path
    assert [f.id for f in following.data] == [ids[0]]
    page = await client.beta.files.list(before_id=ids[1], limit=1)
    assert [f.id for f in page.data] == [ids[2]]


async def test_a_file_id_is_one_path_segment(client: AsyncClaude, server: FakeClaude) -> None:
    with pytest.raises(NotFoundError):
        await client.files.retrieve_metadata("a/b?c")
    assert server.requests[-1].path == "/v1/files/a%2Fb%3Fc"


def test_file_from_path_gives_the_name_and_content(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"some notes")
    assert file_from_path(path) == ("notes.txt", b"some notes")
    assert file_from_path(str(path)) == ("notes.txt", b"some notes")


async def test_upload_sends_every_form_field(client: AsyncClaude, server: FakeClaude) -> None:
    bodies = upload_bodies(server)
    await client.files.upload(file=b"hi", expires_in_seconds=3600, extra_body={"note": "x"})
    assert b'name="expires_in_seconds"\r\n\r\n3600\r\n' in bodies[-1]
    assert b'name="note"\r\n\r\nx\r\n' in bodies[-1]


async def test_list_sends_page_and_scope_and_pages_by_token_or_id(
    client: AsyncClaude, server: FakeClaude
) -> None:
    ids = [server.files.add(b"x", scope_id="sesn_1")["id"] for _ in range(3)]
    first = await client.files.list(limit=2)
    following = await first.get_next_page()
    assert "page=" in server.requests[-1].path and "after_id" not in server.requests[-1].path
    assert [f.id for f in following.data] == [ids[0]]
    await client.beta.files.list(page="token_1", scope_id="sesn_1")
    assert "page=token_1" in server.requests[-1].path
    assert "scope_id=sesn_1" in server.requests[-1].path
    before = await client.beta.files.list(before_id=ids[0], limit=1)
    assert [f.id for f in before.data] == [ids[1]]
    await before.get_next_page()
    assert f"before_id={ids[1]}" in server.requests[-1].path


async def test_a_download_parses_to_its_content(client: AsyncClaude, server: FakeClaude) -> None:
    generated = server.files.add(b"tool output")["id"]
    async with client.files.download(generated) as response:
        assert response.retries_taken == 0
        assert response.http_version == "HTTP/1.1"
        assert await response.parse() == b"tool output"


async def test_a_download_keeps_to_the_overall_timeout_while_waiting_for_the_head() -> None:
    async def silent(stream: SocketStream, request: bytes) -> None:
        await anyio.sleep_forever()

    async with (
        raw_server(silent) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):
        started = anyio.current_time()
        with anyio.fail_after(10), pytest.raises(APITimeoutError, match="overall") as caught:
            await client.files.download("file_1", timeout=Timeout(30, total=0.2))
        assert anyio.current_time() - started < 5
        assert caught.value.request is not None


async def test_a_download_keeps_to_the_overall_timeout_while_reading_the_body(
    tmp_path: Path,
) -> None:
    # The head comes at once, then the body stalls: `total` bounds reading it too
    # (docs/errors.md), however long the read timeout.
    async def stalling(stream: SocketStream, request: bytes) -> None:
        head = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\nrequest-id: req_dl\r\n\r\n"
        await stream.send(head + b"first bytes")
        await anyio.sleep_forever()

    async with (
        raw_server(stalling) as server,
        AsyncClaude(api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):

        async def read(response: Any) -> None:
            await response.read()

        async def iterate(response: Any) -> None:
            async for _ in response.iter_bytes():
                pass

        async def save(response: Any) -> None:
            await response.write_to_file(tmp_path / "out")

        for reader in (read, iterate, save):
            with anyio.fail_after(10):
                async with client.files.download("file_1", timeout=Timeout(30, total=1.0)) as r:
                    with pytest.raises(APITimeoutError) as caught:
                        await reader(r)
            message = "the request's overall timeout expired while reading the body"
            assert str(caught.value) == f"{message} (request-id: req_dl)", reader
            assert caught.value.request_id == "req_dl"
            assert r.is_closed
        assert (tmp_path / "out").read_bytes() == b"first bytes"
        assert server.connections == 3  # each read's connection closed, none reused
