"""The blocking Files API (`Claude.files`, `Claude.beta.files` and their raw and streaming
views) on 127.0.0.1, on both backends of the client's loop thread: every view works from
the caller's thread, `download` passes on all its arguments, and a download's
`BinaryAPIResponse` gives its connection back when read, written or left."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anyio_claude import BinaryAPIResponse, Claude
from anyio_claude.testing import FakeClaude

KEY = "sk-ant-blocking-files"
FILES_BETA = "files-api-2025-04-14"


@pytest.fixture(params=["asyncio", "trio"])
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[FakeClaude, Claude]]:
    backend: str = request.param
    with (
        FakeClaude.run_in_thread(backend) as server,
        Claude(api_key=KEY, base_url=server.url, backend=backend, max_retries=0) as client,
    ):
        yield server, client


def active(client: Claude) -> int:
    """Requests holding a connection."""
    transport = client._async._transport
    return 0 if transport is None else transport.num_active


def files_of(client: Claude, which: str) -> Any:
    return client.files if which == "files" else client.beta.files


@pytest.mark.parametrize("which", ["files", "beta.files"])
def test_every_view_of_the_files(setup: tuple[FakeClaude, Claude], which: str) -> None:
    server, client = setup
    files = files_of(client, which)
    raw = files.with_raw_response.upload(file=b"raw")
    assert raw.status_code == 200 and raw.parse().size_bytes == 3
    file_id = raw.parse().id
    assert files.with_raw_response.retrieve_metadata(file_id).parse().id == file_id
    assert [f.id for f in files.with_raw_response.list().parse()] == [file_id]
    with files.with_streaming_response.upload(file=b"streamed") as head:
        assert head.parse().size_bytes == 8
        other = head.parse().id
    with files.with_streaming_response.retrieve_metadata(other) as head:
        assert head.parse().id == other
    with files.with_streaming_response.list() as head:
        assert {f.id for f in head.parse()} == {file_id, other}
    generated = server.files.add(b"abc", filename="a.txt")["id"]
    for view in (files, files.with_raw_response, files.with_streaming_response):
        with view.download(generated) as response:
            assert isinstance(response, BinaryAPIResponse)
            assert response.read() == b"abc"
    assert files.with_raw_response.delete(file_id).parse().id == file_id
    with files.with_streaming_response.delete(other) as head:
        assert head.parse().id == other
    assert files.delete(generated).id == generated
    # `files` is the API's, `beta.files` sends the files beta.
    beta = FILES_BETA if which == "beta.files" else None
    assert [r.headers.get("anthropic-beta") for r in server.requests] == [beta] * 12
    assert active(client) == 0


@pytest.mark.parametrize("view", ["", ".with_raw_response", ".with_streaming_response"])
@pytest.mark.parametrize("which", ["files", "beta.files"])
def test_download_passes_on_its_arguments(
    setup: tuple[FakeClaude, Claude], which: str, view: str
) -> None:
    server, client = setup
    files = files_of(client, which)
    target = getattr(files, view[1:]) if view else files
    generated = server.files.add(b"abc", filename="a.txt")["id"]
    extra: Any = {"betas": ["extra-2026-01-01"]} if which == "beta.files" else {}
    with target.download(
        generated, extra_headers={"X-Call": "1"}, extra_query={"call": "1"}, **extra
    ) as response:
        assert response.read() == b"abc"
    sent = server.requests[-1]
    assert sent.path == f"/v1/files/{generated}/content?call=1"
    assert sent.headers["x-call"] == "1"
    assert sent.headers.get("anthropic-beta") == (
        f"extra-2026-01-01,{FILES_BETA}" if extra else None
    )


def test_a_download_gives_its_connection_back(
    setup: tuple[FakeClaude, Claude], tmp_path: Path
) -> None:
    server, client = setup
    body = b"q" * 300_000
    generated = server.files.add(body, filename="g.bin")["id"]
    # Left after a first chunk: leaving the block closes it.
    with client.files.download(generated) as response:
        assert next(response.iter_bytes())
        assert active(client) == 1
    assert active(client) == 0
    # Written to a path (either name), or read whole: the connection is back at once.
    response = client.files.download(generated)
    assert active(client) == 1
    response.write_to_file(tmp_path / "a.bin")
    assert (tmp_path / "a.bin").read_bytes() == body and active(client) == 0
    response = client.files.download(generated)
    response.stream_to_file(str(tmp_path / "b.bin"))
    assert (tmp_path / "b.bin").read_bytes() == body and active(client) == 0
    response = client.files.download(generated)
    assert response.read() == body and active(client) == 0
    assert response.read() == body  # kept


def test_the_client_s_raw_view_reaches_the_files(setup: tuple[FakeClaude, Claude]) -> None:
    server, client = setup
    uploaded = client.with_raw_response.files.upload(file=b"x")
    assert uploaded.parse().size_bytes == 1
    assert server.requests[-1].path == "/v1/files"
