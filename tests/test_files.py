"""The Files API (`client.beta.files`) against FakeClaude, on asyncio and trio.

The official `anthropic` SDK talks to the same endpoints as an independent client, which
pins FakeClaude's wire shapes (and so ours) to the SDK's.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import anthropic
import anyio
import pytest

import anyio_claude
from anyio_claude import (
    AsyncBinaryAPIResponse,
    AsyncClaude,
    BadRequestError,
    NotFoundError,
    RequestTooLargeError,
)
from anyio_claude.resources._files import _FilePart, encode_multipart
from anyio_claude.testing import FakeClaude
from anyio_claude.testing._routing import ApiRequest
from anyio_claude.types import DeletedFile, FileMetadata

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
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
    assert c._transport is None or c._transport.num_active == 0


def pool(client: AsyncClaude) -> tuple[int, int]:
    """(requests holding a connection, open connections)."""
    transport = client._transport
    assert transport is not None
    return transport.num_active, transport.num_connections


# ---------------------------------------------------------------------------- upload


def upload_forms(tmp_path: Path) -> list[tuple[Any, str, str]]:
    """(file argument, filename the server stores, MIME type it stores)."""
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 content")
    named = tmp_path / "notes.txt"
    named.write_bytes(b"%PDF-1.4 content")
    return [
        (b"%PDF-1.4 content", "unnamed.bin", "application/octet-stream"),
        (bytearray(b"%PDF-1.4 content"), "unnamed.bin", "application/octet-stream"),
        (memoryview(b"%PDF-1.4 content"), "unnamed.bin", "application/octet-stream"),
        (pdf, "report.pdf", "application/pdf"),
        (named.open("rb"), "notes.txt", "text/plain"),
        (io.BytesIO(b"%PDF-1.4 content"), "unnamed.bin", "application/octet-stream"),
        (("given.pdf", b"%PDF-1.4 content"), "given.pdf", "application/pdf"),
        (("data", pdf, "application/x-custom"), "data", "application/x-custom"),
        (("x.csv", io.BytesIO(b"%PDF-1.4 content"), None, {"X-Part": "1"}), "x.csv", "text/csv"),
        ((None, pdf), "report.pdf", "application/pdf"),
    ]


async def test_upload_accepts_every_form_the_official_sdk_does(
    client: AsyncClaude, server: FakeClaude, tmp_path: Path
) -> None:
    for file, filename, mime_type in upload_forms(tmp_path):
        metadata = await client.beta.files.upload(file=file)
        assert isinstance(metadata, FileMetadata)
        assert (metadata.filename, metadata.mime_type) == (filename, mime_type), file
        assert metadata.size_bytes == len(b"%PDF-1.4 content")
        assert metadata.downloadable is False and metadata.type == "file"
        assert server.files.content(metadata.id) == b"%PDF-1.4 content"
        assert metadata._request_id and metadata._request_id.startswith("req_")
        if isinstance(file, io.BufferedReader):
            file.close()


async def test_a_path_is_sent_by_its_file_name_only(
    client: AsyncClaude, server: FakeClaude, tmp_path: Path
) -> None:
    # The local directory is the user's business: only the name goes on the wire.
    bodies: list[bytes] = []
    index = next(i for i, (p, _) in enumerate(server.routes) if p == "/v1/files")
    route = server.routes[index][1]

    async def recording(request: ApiRequest) -> Any:
        bodies.append(request.body)
        return await route(request)

    server.routes[index] = ("/v1/files", recording)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 content")
    for file in (pdf, (None, pdf)):
        metadata = await client.beta.files.upload(file=file)
        assert metadata.filename == "report.pdf"
        assert b'filename="report.pdf"' in bodies[-1]
        assert str(tmp_path).encode() not in bodies[-1]
    with pdf.open("rb") as opened:
        await client.beta.files.upload(file=opened)
    assert b'filename="report.pdf"' in bodies[-1] and str(tmp_path).encode() not in bodies[-1]


async def test_upload_sends_one_multipart_request_with_the_beta_header(
    client: AsyncClaude, server: FakeClaude
) -> None:
    await client.beta.files.upload(file=("a.txt", b"hi"), betas=["other-beta"])
    [request] = server.requests
    assert request.method == "POST" and request.path == "/v1/files"
    assert request.headers["anthropic-beta"] == f"other-beta,{FILES_BETA}"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert request.json is None


@pytest.mark.parametrize(
    "bad",
    ["report.pdf", 42, None, io.StringIO("text"), ("a", "b", "c", {}, "e"), (b"name", b"x")],
    ids=["str", "int", "none", "text-io", "5-tuple", "bytes-filename"],
)
async def test_upload_rejects_a_non_file_before_any_io(
    client: AsyncClaude, server: FakeClaude, bad: Any
) -> None:
    with pytest.raises(TypeError, match="file"):
        # Raised by the call itself: nothing is read, nothing is sent.
        client.beta.files.upload(file=bad)
    assert server.requests == []
    assert client._transport is None


async def test_a_file_object_that_reads_text_is_refused(
    client: AsyncClaude, server: FakeClaude
) -> None:
    class TextReader(io.RawIOBase):
        def read(self, size: int = -1) -> Any:
            return "text, not bytes"

    with pytest.raises(TypeError, match="binary mode"):
        await client.beta.files.upload(file=TextReader())
    assert server.requests == []


def test_the_mime_type_sent_is_guessed_from_the_filename() -> None:
    assert _FilePart(("a.pdf", b"x")).content_type == "application/pdf"
    assert _FilePart(Path("/tmp/b.png")).content_type == "image/png"
    assert _FilePart(("c.pdf", b"x", "text/plain")).content_type == "text/plain"
    assert _FilePart(b"x").content_type is None and _FilePart(b"x").filename is None


async def test_upload_text_mode_file_object_is_refused(
    client: AsyncClaude, server: FakeClaude, tmp_path: Path
) -> None:
    (tmp_path / "t.txt").write_text("text")
    with (tmp_path / "t.txt").open() as text_file, pytest.raises(TypeError, match="binary mode"):
        await client.beta.files.upload(file=("t.txt", text_file))
    assert server.requests == []


async def test_filenames_survive_multipart_escaping(
    client: AsyncClaude, server: FakeClaude
) -> None:
    name = 'a "quoted"\r\nname é.txt'
    metadata = await client.beta.files.upload(file=(name, b"x"))
    assert metadata.filename == name
    # As the real API does, only the final path component is kept.
    metadata = await client.beta.files.upload(file=("dir/sub\\last.txt", b"x"))
    assert metadata.filename == "last.txt"


def test_encode_multipart_writes_the_exact_body() -> None:
    content_type, body = encode_multipart(
        [("expires_in_seconds", "3600")],
        "file",
        'q"uo\\te.txt',
        b"DATA",
        content_type="text/plain",
        boundary="XyZ",
    )
    assert content_type == "multipart/form-data; boundary=XyZ"
    assert body == (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="expires_in_seconds"\r\n\r\n'
        b"3600\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="file"; filename="q%22uo\\\\te.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
        b"DATA\r\n"
        b"--XyZ--\r\n"
    )
    with pytest.raises(ValueError, match="part header"):
        encode_multipart([], "file", None, b"", headers={"X-Bad": "a\nb"})


async def test_expires_in_seconds(client: AsyncClaude) -> None:
    metadata = await client.beta.files.upload(file=b"x", expires_in_seconds=3600)
    assert metadata.expires_at == metadata.created_at + timedelta(seconds=3600)
    with pytest.raises(BadRequestError, match="expires_in_seconds"):
        await client.beta.files.upload(file=b"x", expires_in_seconds=60)
    with pytest.raises(TypeError, match="expires_in_seconds"):
        await client.beta.files.upload(file=b"x", expires_in_seconds="3600")  # type: ignore[typeddict-item]


async def test_upload_above_the_size_limit_is_request_too_large(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.files.max_file_size = 1000
    await client.beta.files.upload(file=b"x" * 1000)
    with pytest.raises(RequestTooLargeError) as info:
        await client.beta.files.upload(file=b"x" * 1001)
    assert info.value.status_code == 413 and info.value.type == "request_too_large"


# ----------------------------------------------------------------- list / metadata / delete


async def test_list_is_newest_first_and_paginates(client: AsyncClaude) -> None:
    ids = [(await client.beta.files.upload(file=(f"f{i}.txt", b"x"))).id for i in range(5)]
    newest_first = ids[::-1]
    page = await client.beta.files.list(limit=2)
    assert [f.id for f in page.data] == newest_first[:2] and page.has_more
    second = await page.get_next_page()
    assert [f.id for f in second.data] == newest_first[2:4]
    assert [f.id async for f in client.beta.files.list(limit=2)] == newest_first
    before = await client.beta.files.list(before_id=newest_first[3], limit=10)
    assert [f.id for f in before.data] == newest_first[:3]


async def test_retrieve_metadata_then_delete(client: AsyncClaude, server: FakeClaude) -> None:
    uploaded = await client.beta.files.upload(file=("doc.pdf", b"%PDF"))
    fetched = await client.beta.files.retrieve_metadata(uploaded.id)
    assert fetched == uploaded
    deleted = await client.beta.files.delete(uploaded.id)
    assert deleted == DeletedFile(id=uploaded.id, type="file_deleted")
    assert [f async for f in client.beta.files.list()] == []
    with pytest.raises(NotFoundError) as info:
        await client.beta.files.retrieve_metadata(uploaded.id)
    error = info.value
    assert error.status_code == 404 and error.type == "not_found_error"
    assert error.request_id == error.response.headers["request-id"]
    assert error.request_id and error.request_id.startswith("req_")
    assert uploaded.id in error.message


async def test_unknown_ids_raise_not_found_with_the_request_id(
    client: AsyncClaude, server: FakeClaude
) -> None:
    errors = []
    with pytest.raises(NotFoundError) as info:
        await client.beta.files.retrieve_metadata("file_nope")
    errors.append(info.value)
    with pytest.raises(NotFoundError) as info:
        await client.beta.files.delete("file_nope")
    errors.append(info.value)
    with pytest.raises(NotFoundError) as info:
        await client.beta.files.download("file_nope")
    errors.append(info.value)
    for error in errors:
        assert error.request_id and error.request_id.startswith("req_")
        assert error.api_message == "File not found: file_nope"
        path = error.request.url.removeprefix(server.url) if error.request else None
        assert str(error) == (
            f"404 File not found: file_nope (request_id: {error.request_id}, path: {path}, "
            "type: not_found_error)"
        )
    assert [r.path for r in server.requests] == ["/v1/files/file_nope"] * 2 + [
        "/v1/files/file_nope/content"
    ]
    with pytest.raises(ValueError, match="file_id"):
        await client.beta.files.retrieve_metadata("")


# -------------------------------------------------------------------------- download


async def test_download_streams_a_big_file_in_chunks(
    client: AsyncClaude, server: FakeClaude
) -> None:
    content = bytes(range(256)) * (8 * 1024 * 4)  # 8 MiB
    generated = server.files.add(content, filename="big.bin")
    digest = hashlib.sha256()
    sizes: list[int] = []
    async with client.beta.files.download(generated["id"]) as response:
        assert isinstance(response, AsyncBinaryAPIResponse)
        assert response.status_code == 200 and response.request_id
        assert response.headers["content-length"] == str(len(content))
        assert response.http_response.content is None
        async for chunk in response.iter_bytes():
            sizes.append(len(chunk))
            digest.update(chunk)
    assert sum(sizes) == len(content) and digest.digest() == hashlib.sha256(content).digest()
    assert len(sizes) > 16 and max(sizes) < len(content) // 4
    assert response.http_response.content is None
    assert pool(client) == (0, 1)


async def test_download_write_to_file_and_read_release_the_connection(
    client: AsyncClaude, server: FakeClaude, tmp_path: Path
) -> None:
    content = b"col\n" * 100_000
    generated = server.files.add(content, filename="out.csv")
    assert generated["mime_type"] == "text/csv" and generated["downloadable"] is True
    response = await client.beta.files.download(generated["id"])
    assert response.headers["content-type"] == "text/csv"
    await response.write_to_file(tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes() == content
    assert pool(client) == (0, 1)
    again = await client.beta.files.download(generated["id"])
    assert await again.read() == content
    assert pool(client) == (0, 1)
    assert [r.headers["anthropic-beta"] for r in server.requests] == [FILES_BETA] * 2
    assert all(r.headers["accept"] == "application/binary" for r in server.requests)


async def test_abandoned_or_cancelled_download_closes_its_connection(
    client: AsyncClaude, server: FakeClaude
) -> None:
    generated = server.files.add(b"z" * 4_000_000)
    async with client.beta.files.download(generated["id"]) as response:
        await response.iter_bytes().__anext__()
    assert pool(client) == (0, 0)
    with anyio.CancelScope() as scope:
        async with client.beta.files.download(generated["id"]) as response:
            async for _ in response.iter_bytes():
                scope.cancel()
                await anyio.sleep(1)
    assert scope.cancelled_caught and pool(client) == (0, 0)
    response = await client.beta.files.download(generated["id"])
    with anyio.CancelScope() as scope:
        scope.cancel()
        await response.read()
    assert pool(client) == (0, 0)


async def test_uploaded_files_are_not_downloadable(client: AsyncClaude) -> None:
    uploaded = await client.beta.files.upload(file=b"secret")
    with pytest.raises(BadRequestError) as info:
        await client.beta.files.download(uploaded.id)
    assert info.value.response.content is not None
    assert b'"error_code":"file_not_downloadable"' in info.value.response.content
    assert pool(client) == (0, 1)


# --------------------------------------------------------------------- raw and streaming


async def test_raw_and_streaming_response_views(client: AsyncClaude, server: FakeClaude) -> None:
    raw = await client.beta.files.with_raw_response.upload(file=("r.txt", b"raw"))
    assert raw.status_code == 200 and raw.request_id
    uploaded = await raw.parse()
    assert uploaded.filename == "r.txt"
    async with client.beta.files.with_streaming_response.upload(file=("s.txt", b"s")) as head:
        assert head.status_code == 200
        assert (await head.parse()).filename == "s.txt"
    async with client.beta.files.with_streaming_response.retrieve_metadata(uploaded.id) as head:
        assert b'"r.txt"' in await head.read()
    meta = await client.beta.files.with_raw_response.retrieve_metadata(uploaded.id)
    assert (await meta.parse()) == uploaded
    generated = server.files.add(b"payload")
    async with client.beta.with_streaming_response.files.download(generated["id"]) as got:
        assert await got.read() == b"payload"
    raw_download = await client.beta.with_raw_response.files.download(generated["id"])
    assert await raw_download.read() == b"payload"
    deleted = await client.beta.files.with_raw_response.delete(uploaded.id)
    assert (await deleted.parse()).id == uploaded.id
    async with client.beta.files.with_streaming_response.delete(generated["id"]) as gone:
        assert (await gone.parse()).type == "file_deleted"


# ----------------------------------------------------------------- the beta header, FakeClaude


async def test_every_call_sends_the_files_beta_after_the_given_ones(
    client: AsyncClaude, server: FakeClaude
) -> None:
    uploaded = await client.beta.files.upload(file=b"x", betas=["a", FILES_BETA])
    await client.beta.files.list(betas=["b"])
    await client.beta.files.retrieve_metadata(uploaded.id, betas=["c"])
    await client.beta.files.delete(uploaded.id)
    assert [r.headers["anthropic-beta"] for r in server.requests] == [
        f"a,{FILES_BETA}",
        f"b,{FILES_BETA}",
        f"c,{FILES_BETA}",
        FILES_BETA,
    ]


async def test_fake_requires_the_beta_header_when_told_as_the_api_did_in_beta(
    client: AsyncClaude, server: FakeClaude
) -> None:
    no_beta = {"anthropic-beta": "something-else"}
    assert (await client.beta.files.upload(file=b"x", extra_headers=no_beta)).size_bytes == 1
    server.files.require_beta = True
    with pytest.raises(BadRequestError, match=FILES_BETA):
        await client.beta.files.upload(file=b"x", extra_headers=no_beta)
    with pytest.raises(BadRequestError, match=FILES_BETA):
        await client.files.list()
    assert [f.size_bytes async for f in client.beta.files.list()] == [1]


async def test_fake_rejects_a_body_that_is_not_multipart(
    client: AsyncClaude, server: FakeClaude
) -> None:
    call = client._call(
        "POST", "/v1/files", body={"file": "x"}, extra_headers={"anthropic-beta": FILES_BETA}
    )
    with pytest.raises(BadRequestError, match="multipart/form-data"):
        await client._request_json(call, bytes)
    _, body = encode_multipart([], "other", None, b"x", boundary="b0")
    call = client._call(
        "POST",
        "/v1/files",
        extra_headers={
            "anthropic-beta": FILES_BETA,
            "content-type": "multipart/form-data; boundary=b0",
        },
    )
    call.body = body
    with pytest.raises(BadRequestError, match="file: Field required"):
        await client._request_json(call, bytes)
    call.body = body[:-10]
    with pytest.raises(BadRequestError, match="malformed"):
        await client._request_json(call, bytes)


# --------------------------------------------------------------------- documents by id


async def test_send_a_document_and_an_image_by_file_id(
    client: AsyncClaude, server: FakeClaude
) -> None:
    pdf = await client.beta.files.upload(file=("doc.pdf", b"%PDF-1.4"))
    png = await client.beta.files.upload(file=("pic.png", b"\x89PNG"))
    content: list[Any] = [
        {"type": "document", "source": {"type": "file", "file_id": pdf.id}},
        {"type": "image", "source": {"type": "file", "file_id": png.id}},
        {"type": "text", "text": "Describe both."},
    ]
    messages: list[Any] = [{"role": "user", "content": content}]
    message = await client.beta.messages.create(
        model=MODEL, max_tokens=50, messages=messages, betas=[FILES_BETA]
    )
    assert message.stop_reason == "end_turn"
    assert server.requests[-1].json["messages"][0]["content"][0]["source"]["file_id"] == pdf.id
    counted = await client.beta.messages.count_tokens(
        model=MODEL, messages=messages, betas=[FILES_BETA]
    )
    assert counted.input_tokens > 2000
    with pytest.raises(BadRequestError, match="file not found: file_missing"):
        await client.beta.messages.create(
            model=MODEL,
            max_tokens=50,
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "document", "source": {"type": "file", "file_id": "file_missing"}}
                    ],
                }
            ],
            betas=[FILES_BETA],
        )
    assert (await client.messages.create(model=MODEL, max_tokens=50, messages=messages)).id
    server.files.require_beta = True  # as the API did while the Files API was in beta
    with pytest.raises(BadRequestError, match=FILES_BETA):
        await client.messages.create(model=MODEL, max_tokens=50, messages=messages)


# ------------------------------------------------------------------ the official SDK


@pytest.fixture
async def official(server: FakeClaude) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(api_key="test-key", base_url=server.url, max_retries=0)
    yield client
    await client.close()


async def test_official_sdk_round_trip_against_the_fake(
    official: anthropic.AsyncAnthropic, server: FakeClaude, tmp_path: Path
) -> None:
    betas: Any = [FILES_BETA]
    (tmp_path / "in.pdf").write_bytes(b"%PDF-1.7 official")
    uploaded = await official.beta.files.upload(file=tmp_path / "in.pdf", betas=betas)
    assert (uploaded.filename, uploaded.mime_type, uploaded.size_bytes) == (
        "in.pdf",
        "application/pdf",
        len(b"%PDF-1.7 official"),
    )
    assert server.files.content(uploaded.id) == b"%PDF-1.7 official"
    for i in range(3):
        await official.beta.files.upload(file=(f"n{i}.txt", b"n", "text/plain"), betas=betas)
    seen = [f.id async for f in official.beta.files.list(limit=2, betas=betas)]
    assert len(seen) == 4 and seen[-1] == uploaded.id
    fetched = await official.beta.files.retrieve_metadata(uploaded.id, betas=betas)
    assert fetched.created_at == uploaded.created_at and fetched.downloadable is False
    generated = server.files.add(b"\x00\x01" * 100_000, filename="gen.bin")
    response = await official.beta.files.download(generated["id"], betas=betas)
    assert await response.read() == b"\x00\x01" * 100_000
    deleted = await official.beta.files.delete(uploaded.id, betas=betas)
    assert deleted.id == uploaded.id and deleted.type == "file_deleted"
    with pytest.raises(anthropic.NotFoundError) as info:
        await official.beta.files.retrieve_metadata(uploaded.id, betas=betas)
    assert info.value.request_id and info.value.status_code == 404
    assert [f.id async for f in official.files.list()] == [generated["id"], *seen[:-1]]


async def test_fake_lists_by_ids_scope_and_page_token_for_the_official_sdk(
    official: anthropic.AsyncAnthropic, server: FakeClaude
) -> None:
    ids = [server.files.add(b"x", scope_id="sesn_1" if i % 2 else None)["id"] for i in range(5)]
    newest_first = ids[::-1]
    pages = [
        [f.id for f in page.data]
        async for page in (await official.files.list(limit=2)).iter_pages()
    ]
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    assert [f.id async for f in official.files.list(ids=[ids[0], ids[3], "file_x"])] == [
        ids[3],
        ids[0],
    ]
    scoped = [f async for f in official.beta.files.list(scope_id="sesn_1")]
    assert [f.id for f in scoped] == [ids[3], ids[1]]
    assert scoped[0].scope is not None and scoped[0].scope.id == "sesn_1"
    with pytest.raises(anthropic.BadRequestError, match="mutually exclusive"):
        await official.files.list(ids=[ids[0]], limit=2)


async def test_our_uploads_read_back_through_the_official_sdk(
    client: AsyncClaude, official: anthropic.AsyncAnthropic
) -> None:
    ours = await client.beta.files.upload(file=("ours.txt", b"from anyio-claude"))
    theirs = await official.beta.files.retrieve_metadata(ours.id, betas=[FILES_BETA])
    assert theirs.model_dump(mode="json", exclude_none=True) == {
        **ours.to_dict(),
        "created_at": theirs.model_dump(mode="json")["created_at"],
    }
    assert theirs.created_at == ours.created_at


# --------------------------------------------------------------------- blocking client


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_blocking_client_files(backend: str, tmp_path: Path) -> None:
    with (
        FakeClaude.run_in_thread(backend) as fake,
        anyio_claude.Claude(api_key=KEY, base_url=fake.url, backend=backend) as client,
    ):
        (tmp_path / "a.pdf").write_bytes(b"%PDF sync")
        uploaded = client.beta.files.upload(file=tmp_path / "a.pdf")
        assert uploaded.filename == "a.pdf" and fake.files.content(uploaded.id) == b"%PDF sync"
        with pytest.raises(TypeError, match="file"):
            client.beta.files.upload(file="a.pdf")  # type: ignore[arg-type]
        page = client.beta.files.list(limit=1)
        assert [f.id for f in page] == [uploaded.id] and not page.has_more
        assert client.beta.files.retrieve_metadata(uploaded.id) == uploaded
        generated = fake.files.add(b"q" * 300_000, filename="g.bin")
        with client.beta.files.download(generated["id"]) as response:
            assert isinstance(response, anyio_claude.BinaryAPIResponse)
            chunks = list(response.iter_bytes())
        # How many chunks is the socket's business (on a loaded machine all 300 kB can be
        # waiting for one read); none is empty. Streaming itself: test_files_options.py.
        assert b"".join(chunks) == b"q" * 300_000 and all(chunks)
        client.beta.files.download(generated["id"]).write_to_file(tmp_path / "g.bin")
        assert (tmp_path / "g.bin").read_bytes() == b"q" * 300_000
        assert client.beta.files.download(generated["id"]).read() == b"q" * 300_000
        raw = client.beta.files.with_raw_response.upload(file=b"r")
        assert raw.parse().size_bytes == 1
        assert (
            client.beta.files.with_raw_response.retrieve_metadata(raw.parse().id).status_code == 200
        )
        with client.beta.files.with_streaming_response.upload(file=b"s") as head:
            assert head.parse().size_bytes == 1
        with client.beta.with_streaming_response.files.download(generated["id"]) as got:
            assert got.read() == b"q" * 300_000
        assert client.beta.files.delete(uploaded.id).id == uploaded.id
        with pytest.raises(anyio_claude.NotFoundError):
            client.beta.files.retrieve_metadata(uploaded.id)
        with client.beta.files.with_streaming_response.delete(generated["id"]) as gone:
            assert gone.parse().type == "file_deleted"
        assert client.beta.files.with_raw_response.delete(raw.parse().id).status_code == 200


async def test_each_await_of_one_download_call_sends_the_request_anew(
    client: AsyncClaude, server: FakeClaude
) -> None:
    generated = server.files.add(b"abc", filename="a.txt")
    download = client.beta.files.download(generated["id"])
    assert server.requests == []
    first = await download
    second = await download
    assert await first.read() == await second.read() == b"abc"
    assert len(server.requests) == 2
    async with download as third:
        assert await third.read() == b"abc"
    assert len(server.requests) == 3 and pool(client) == (0, 2)  # first and second overlapped
