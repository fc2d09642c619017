"""The transport's timeouts, errors, TLS and bookkeeping at their edges, against raw
servers on 127.0.0.1 (found unpinned by mutation testing, docs/contributing.md)."""

from __future__ import annotations

import datetime
import gc
import hashlib
import itertools
import logging
import pathlib
import socket
import ssl
import struct
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import pytest
import trustme
from anyio.abc import SocketStream

import anyio_claude._transport._reply
import anyio_claude._transport._tls
from anyio_claude import (
    APIConnectionError,
    APITimeoutError,
    AsyncClaude,
    ClaudeError,
)
from anyio_claude._http import DeadlineReached, Request, Timeout
from anyio_claude._proxy import Proxy
from anyio_claude._response import http_response_of
from anyio_claude._transport import AsyncTransport, _map, _scrub, default_ssl_context
from anyio_claude.testing import FakeClaude

from ._servers import fixed, raw_server, response, settled

pytestmark = pytest.mark.anyio

GET = Request("GET", b"/v1/models", [], b"")
FAST = Timeout(connect=2, read=2, write=2, pool=2)
# Larger than what the kernel buffers of a loopback connection take in (a few MB each
# side), so a peer that never reads makes the write stall.
HUGE = b"x" * (48 << 20)


async def get(transport: AsyncTransport, timeout: Timeout = FAST) -> bytes:
    async with await transport.send(GET, timeout=timeout) as reply:
        return await reply.aread()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def silent_server() -> Iterator[int]:
    """A port whose connections the kernel accepts and nobody ever reads or answers
    (no event loop task reads ahead, as an asyncio server would)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


async def never_answer(stream: SocketStream, request: bytes) -> None:
    return  # the server reads the next request, and sees the client close


# ---------------------------------------------------------------------------- timeouts


async def test_a_write_that_stalls_is_a_write_timeout_not_cut_short_by_the_read_timeout() -> None:
    with silent_server() as port:
        transport = AsyncTransport(f"http://127.0.0.1:{port}")
        post = Request("POST", b"/v1/messages", [], HUGE)
        # The head's read clock starts at the first read, so a shorter read timeout
        # does not bound the write.
        timeout = Timeout(connect=2, read=0.1, write=0.5, pool=2)
        with anyio.fail_after(20), pytest.raises(APITimeoutError) as info:
            await transport.send(post, timeout=timeout)
        assert str(info.value) == f"write timeout talking to 127.0.0.1:{port}"
        assert transport.num_connections == transport.num_active == 0
        await transport.aclose()


async def test_a_tls_handshake_that_never_completes_is_a_connect_timeout() -> None:
    with silent_server() as port:
        transport = AsyncTransport(f"https://127.0.0.1:{port}", verify=False)
        timeout = Timeout(connect=0.3, read=5, write=5, pool=5)
        with anyio.fail_after(20), pytest.raises(APITimeoutError) as info:
            await transport.send(GET, timeout=timeout)
        assert str(info.value).startswith(f"connect timeout talking to 127.0.0.1:{port}")
        assert transport.num_connections == 0
        await transport.aclose()


async def test_a_head_that_never_comes_names_the_head_timeout_and_closes_the_connection() -> None:
    async with raw_server(never_answer) as srv:
        transport = AsyncTransport(srv.url)
        with anyio.fail_after(20), pytest.raises(APITimeoutError) as info:
            await get(transport, Timeout(connect=2, read=0.2, write=2, pool=2))
        assert str(info.value) == (
            f"read timeout talking to 127.0.0.1:{srv.port}: the response head took longer than 0.2s"
        )
        # A head timeout also bounds a request with no read timeout at all.
        no_read = Timeout(connect=2, read=None, write=2, pool=2)
        with anyio.fail_after(20), pytest.raises(APITimeoutError, match=r"longer than 0\.3s"):
            await transport.send(GET, timeout=no_read, head_timeout=0.3)
        assert await settled(lambda: srv.closed == 2, seconds=2)
        await transport.aclose()


async def test_no_timeouts_at_all() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url)
        unbounded = Timeout(None)
        assert await get(transport, unbounded) == b"ok"
        post = Request("POST", b"/v1/messages", [], b"{}")
        async with await transport.send(post, timeout=unbounded) as reply:
            assert await reply.aread() == b"ok"
        await transport.aclose()


def stall_after(body: bytes) -> object:
    async def handler(stream: SocketStream, request: bytes) -> None:
        head = f"HTTP/1.1 200 OK\r\ncontent-length: {len(body) + 100}\r\n\r\n".encode()
        await stream.send(head + body)
        await anyio.sleep_forever()

    return handler


async def test_a_caller_deadline_bounds_a_read_without_a_read_timeout() -> None:
    async with raw_server(stall_after(b"part")) as srv:  # type: ignore[arg-type]
        transport = AsyncTransport(srv.url)
        no_read = Timeout(connect=2, read=None, write=2, pool=2)
        async with await transport.send(GET, timeout=no_read) as reply:
            assert await reply.next_chunk(anyio.current_time() + 5) == b"part"
            with anyio.fail_after(20), pytest.raises(DeadlineReached):
                await reply.next_chunk(anyio.current_time() + 0.2)
        await transport.aclose()


async def test_a_later_caller_deadline_does_not_extend_the_read_timeout() -> None:
    async with raw_server(stall_after(b"part")) as srv:  # type: ignore[arg-type]
        transport = AsyncTransport(srv.url)
        short = Timeout(connect=2, read=0.2, write=2, pool=2)
        async with await transport.send(GET, timeout=short) as reply:
            assert await reply.next_chunk() == b"part"
            with anyio.fail_after(10), pytest.raises(APITimeoutError) as info:
                await reply.next_chunk(anyio.current_time() + 60)
        assert str(info.value) == f"read timeout talking to 127.0.0.1:{srv.port}"
        await transport.aclose()


# Each framing's head and its two pieces, `first` and `end`: the chunked body is read by
# the client's own decoder, the other by h11, each with its own watchdog handling.
FRAMINGS = {
    "content-length": (b"content-length: 8", b"first", b"end"),
    "chunked": (b"transfer-encoding: chunked", b"5\r\nfirst\r\n", b"3\r\nend\r\n0\r\n\r\n"),
}


@pytest.mark.parametrize("framing", FRAMINGS)
async def test_a_pause_between_reads_longer_than_the_read_timeout_is_fine(
    caplog: pytest.LogCaptureFixture, framing: str
) -> None:
    head, first, end = FRAMINGS[framing]

    async def two_parts(stream: SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n\r\n")
        await anyio.sleep(0.05)
        await stream.send(first)
        await anyio.sleep(0.1)
        await stream.send(end)

    async with raw_server(two_parts) as srv:
        transport = AsyncTransport(srv.url)
        short = Timeout(connect=2, read=0.2, write=2, pool=2)
        with caplog.at_level(logging.ERROR):
            async with await transport.send(GET, timeout=short) as reply:
                assert await reply.next_chunk() == b"first"
                # Not reading: the read timeout bounds reads, not the caller's pauses.
                await anyio.sleep(0.5)
                assert await reply.next_chunk() == b"end"
                assert await reply.next_chunk() is None
        assert caplog.records == []
        assert transport.num_idle == 1
        await transport.aclose()


# ------------------------------------------------------------------------------ errors


async def reset_mid_body(stream: SocketStream, request: bytes) -> None:
    await stream.send(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npart")
    await anyio.sleep(0.2)  # the client has read the part and waits for more
    sock = stream.extra(anyio.abc.SocketAttribute.raw_socket)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    await stream.aclose()  # a reset, not an orderly close


async def test_a_reset_mid_body_is_a_connection_error_naming_the_reset() -> None:
    async with raw_server(reset_mid_body) as srv:
        transport = AsyncTransport(srv.url)
        async with await transport.send(GET, timeout=FAST) as reply:
            assert await reply.next_chunk() == b"part"
            with anyio.fail_after(10), pytest.raises(APIConnectionError) as info:
                await reply.next_chunk()
        assert not isinstance(info.value, APITimeoutError)
        message = str(info.value)
        assert message.startswith(f"reading the response failed (127.0.0.1:{srv.port}): ")
        assert "reset by peer" in message
        assert info.value.request is not None
        assert info.value.request.url == f"http://127.0.0.1:{srv.port}/v1/models"
        await transport.aclose()


async def bad_chunk(stream: SocketStream, request: bytes) -> None:
    await stream.send(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n")


async def test_a_malformed_body_is_a_connection_error_with_the_parser_message() -> None:
    async with raw_server(bad_chunk) as srv:
        transport = AsyncTransport(srv.url)
        with pytest.raises(APIConnectionError) as info:
            await get(transport)
        assert str(info.value).startswith(
            f"reading the response failed (127.0.0.1:{srv.port}): illegal chunk header"
        )
        await transport.aclose()


async def test_a_refused_connection_names_the_request_and_carries_it() -> None:
    port = closed_port()
    transport = AsyncTransport(f"http://127.0.0.1:{port}")
    with pytest.raises(APIConnectionError) as info:
        await get(transport)
    assert str(info.value).startswith(f"request failed (127.0.0.1:{port}): ")
    assert info.value.request is not None
    assert info.value.request.method == "GET"
    assert info.value.request.url == f"http://127.0.0.1:{port}/v1/models"
    await transport.aclose()


async def test_a_request_that_cannot_be_sent_says_why_and_carries_it() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url)
        bad = Request("GET", b"/v1/models", [(b"x-note", b"two\nlines")], b"")
        with pytest.raises(APIConnectionError) as info:
            await transport.send(bad, timeout=FAST)
        assert str(info.value).startswith(
            f"request could not be sent (127.0.0.1:{srv.port}): Illegal header value"
        )
        assert info.value.request is not None
        assert info.value.request.url == f"{srv.url}/v1/models"
        assert srv.requests == []
        await transport.aclose()


def test_a_plain_timeout_error_is_mapped_with_its_action() -> None:
    request = Request("POST", b"/v1/messages", [], b"{}")
    bare = _map(TimeoutError(), "request", "h:1", request, "https://h:1")
    assert isinstance(bare, APITimeoutError)
    assert str(bare) == "request timeout talking to h:1"
    assert bare.request is not None and bare.request.url == "https://h:1/v1/messages"
    said = _map(TimeoutError("slow"), "request", "h:1", request, "https://h:1")
    assert str(said) == "request timeout talking to h:1: slow"


def frame_locals(exc: BaseException) -> dict[str, object]:
    tb = exc.__traceback__
    assert tb is not None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return dict(tb.tb_frame.f_locals)


def chain(n: int) -> list[BaseException]:
    """`n` exceptions, each the implicit context of the one before, each raised in a
    frame holding a secret."""

    def fail(i: int) -> None:
        secret = f"secret {i}"  # noqa: F841
        raise RuntimeError(i)

    links: list[BaseException] = []
    for i in range(n):
        try:
            fail(i)
        except RuntimeError as exc:
            links.append(exc)
    for outer, inner in itertools.pairwise(links):
        outer.__context__ = inner
    return links


def test_scrubbing_clears_the_frames_of_eight_links_of_a_chain() -> None:
    links = chain(9)
    assert all("secret" in frame_locals(link) for link in links)
    _scrub(links[0])
    assert [("secret" in frame_locals(link)) for link in links] == [False] * 8 + [True]
    # Explicit causes are followed too, and a chain that loops ends the walk.
    looped = chain(3)
    looped[0].__cause__, looped[2].__context__ = looped[1], looped[0]
    _scrub(looped[0])
    assert not any("secret" in frame_locals(link) for link in looped)


# ---------------------------------------------------------------------------- requests


async def test_content_length_is_sent_for_bodies_and_for_empty_post_put_patch() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url)
        for method in ("GET", "DELETE", "POST", "PUT", "PATCH"):
            async with await transport.send(Request(method, b"/", [], b""), timeout=FAST) as r:
                await r.aread()
        async with await transport.send(Request("POST", b"/", [], b"{}"), timeout=FAST) as r:
            await r.aread()
        await transport.aclose()

    def length(request: bytes) -> str | None:
        for line in request.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return value.strip().decode()
        return None

    assert [length(request) for request in srv.requests] == [None, None, "0", "0", "0", "2"]


@pytest.mark.parametrize(
    ("url", "origin", "where"),
    [
        ("https://api.example.com", "https://api.example.com", "api.example.com:443"),
        ("https://api.example.com:443/", "https://api.example.com", "api.example.com:443"),
        ("http://api.example.com", "http://api.example.com", "api.example.com:80"),
        ("http://api.example.com:80", "http://api.example.com", "api.example.com:80"),
        ("https://api.example.com:80", "https://api.example.com:80", "api.example.com:80"),
        ("http://api.example.com:443", "http://api.example.com:443", "api.example.com:443"),
    ],
)
async def test_default_ports_are_left_out_of_the_origin_and_used_for_the_connection(
    url: str, origin: str, where: str
) -> None:
    # Through a proxy that is not there: the error names the host and port the
    # transport would have asked the proxy for, without any other network I/O.
    port = closed_port()
    transport = AsyncTransport(url, proxy=Proxy(f"http://127.0.0.1:{port}"))
    assert transport.origin == origin
    with pytest.raises(APIConnectionError) as info:
        await get(transport)
    assert str(info.value).startswith(
        f"request failed ({where} via proxy http://127.0.0.1:{port}): "
    )
    assert info.value.request is not None
    assert info.value.request.url == f"{origin}/v1/models"
    await transport.aclose()


async def test_a_closed_transport_says_so() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url)
        assert transport.is_closed is False
        await transport.aclose()
        assert transport.is_closed is True
        with pytest.raises(APIConnectionError) as info:
            await get(transport)
        assert str(info.value) == "the client was closed; create a new one"


async def test_a_response_knows_its_http_version_and_when_it_was_sent() -> None:
    async def slow(stream: SocketStream, request: bytes) -> None:
        await anyio.sleep(0.3)
        await stream.send(response(b"ok"))

    async with raw_server(slow) as srv:
        transport = AsyncTransport(srv.url)
        async with await transport.send(GET, timeout=FAST) as reply:
            assert reply.http_version == "HTTP/1.1"
            raw = http_response_of(reply, await reply.aread())
        # The elapsed time counts from sending, so it includes the wait for the head.
        assert raw.elapsed >= datetime.timedelta(seconds=0.25)
        await transport.aclose()


# -------------------------------------------------------------------------------- pool


async def test_the_pool_counts_every_slot_in_use() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url, max_connections=2)
        quick_pool = Timeout(connect=2, read=2, write=2, pool=0.3)
        first = await transport.send(GET, timeout=FAST)
        second = await transport.send(GET, timeout=FAST)
        assert transport.num_active == 2
        with pytest.raises(APITimeoutError, match="pool timeout"):
            await transport.send(GET, timeout=quick_pool)
        await first.aclose()
        await second.aclose()
        assert transport.num_active == 0 and transport.num_idle == 0
        await transport.aclose()


async def test_an_expired_connection_through_a_proxy_is_not_reused() -> None:
    # Any server answering absolute-form requests stands in for a forwarding proxy.
    async with raw_server(fixed(b"ok")) as proxy:
        transport = AsyncTransport(
            "http://api.example.com", proxy=Proxy(proxy.url), keepalive_expiry=0.1
        )
        assert await get(transport) == b"ok"
        await anyio.sleep(0.3)
        assert await get(transport) == b"ok"
        assert proxy.connections == 2
        assert proxy.requests[0].startswith(b"GET http://api.example.com:80/v1/models ")
        await transport.aclose()


async def test_closed_connections_are_not_kept_alive_by_the_pool() -> None:
    async with raw_server(fixed(b"x" * 200_000)) as srv:
        transport = AsyncTransport(srv.url)
        reply = await transport.send(GET, timeout=FAST)
        await reply.next_chunk()
        connection = weakref.ref(reply._connection)
        await reply.aclose()  # half read: the connection is closed
        del reply
        gc.collect()
        assert connection() is None
        assert await settled(lambda: srv.closed == 1, seconds=2)
        await transport.aclose()


async def test_a_failed_request_closes_its_connection() -> None:
    async with raw_server(never_answer) as srv:
        transport = AsyncTransport(srv.url)
        with pytest.raises(APITimeoutError):
            await get(transport, Timeout(connect=2, read=0.1, write=2, pool=2))
        assert await settled(lambda: srv.closed == 1, seconds=2)
        assert transport.num_connections == 0
        assert transport._exchanges == {}  # nothing keeps the failed connection alive
        await transport.aclose()


async def test_a_dropped_response_is_closed_by_the_next_request() -> None:
    async with raw_server(fixed(b"x" * 200_000)) as srv:
        transport = AsyncTransport(srv.url, max_connections=1)
        reply = await transport.send(GET, timeout=FAST)
        await reply.next_chunk()
        connection = weakref.ref(reply._connection)
        with pytest.warns(ResourceWarning) as caught:
            del reply
            gc.collect()
        [warning] = caught.list
        # The warning names the response and this library's line, not whichever code
        # happened to trigger the garbage collection.
        assert type(warning.source).__name__ == "Response"
        assert warning.filename == anyio_claude._transport._reply.__file__
        del caught, warning
        assert await get(transport, Timeout(connect=2, read=2, write=2, pool=0.5))
        assert await settled(lambda: srv.closed == 1, seconds=2)
        assert transport.num_connections == 1 and transport.num_active == 0
        gc.collect()
        assert connection() is None
        await transport.aclose()


async def test_a_response_dropped_in_another_thread_frees_its_slot_on_the_next_request() -> None:
    async with raw_server(fixed(b"x" * 200_000)) as srv:
        transport = AsyncTransport(srv.url, max_connections=1)
        held = [await transport.send(GET, timeout=FAST)]
        await held[0].next_chunk()

        def drop() -> None:
            # Not the event loop's thread: the slot cannot be freed here, only noted.
            held.clear()
            gc.collect()

        with pytest.warns(ResourceWarning):
            await anyio.to_thread.run_sync(drop)
        assert transport.num_active == 1
        assert await get(transport, Timeout(connect=2, read=2, write=2, pool=0.5))
        assert transport.num_active == 0
        assert await settled(lambda: srv.closed == 1, seconds=2)
        await transport.aclose()


# --------------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def serving(ca: trustme.CA, name: str = "127.0.0.1") -> FakeClaude:
    """FakeClaude over TLS, with a certificate for `name` issued by `ca`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return FakeClaude(ssl_context=context)


async def accepted(transport: AsyncTransport) -> None:
    assert b"authentication_error" in await get(transport)
    await transport.aclose()


async def refused(transport: AsyncTransport, match: str = "CERTIFICATE_VERIFY_FAILED") -> None:
    with pytest.raises(APIConnectionError, match=match):
        await get(transport)
    await transport.aclose()


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[FakeClaude]:
    async with serving(ca) as fake:
        yield fake


@pytest.fixture
def ca_file(ca: trustme.CA) -> Iterator[str]:
    with ca.cert_pem.tempfile() as path:
        yield path


async def test_tls_trusts_ssl_cert_file_unless_trust_env_is_false(
    tls_server: FakeClaude, ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the official SDK's httpx2: SSL_CERT_FILE (how users add a corporate CA) is the
    # trust store; without it, the system's, which does not hold a throwaway CA.
    await refused(AsyncTransport(tls_server.url))
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    await accepted(AsyncTransport(tls_server.url))
    await refused(AsyncTransport(tls_server.url, trust_env=False))


def openssl_subject_hash(ca: trustme.CA) -> str:
    """The name OpenSSL looks a CA up by in an `SSL_CERT_DIR` (`openssl x509 -hash`).

    OpenSSL hashes the subject's canonical encoding: for a name whose values are already
    lower-case UTF8Strings with single spaces, its DER without the outer SEQUENCE header.
    """
    from cryptography import x509

    der = x509.load_pem_x509_certificate(ca.cert_pem.bytes()).subject.public_bytes()
    header = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    return f"{int.from_bytes(hashlib.sha1(der[header:]).digest()[:4], 'little'):08x}"


async def test_tls_trusts_ssl_cert_dir(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = trustme.CA(organization_name="anyio-claude tests", organization_unit_name="cert dir")
    monkeypatch.setenv("SSL_CERT_DIR", str(hashed_dir(ca, tmp_path)))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    async with serving(ca) as fake:
        await accepted(AsyncTransport(fake.url))
        await refused(AsyncTransport(fake.url, trust_env=False))


async def test_the_client_passes_trust_env_to_tls(
    tls_server: FakeClaude, ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    async with AsyncClaude(api_key="sk-test", base_url=tls_server.url, max_retries=0) as client:
        page = await client.models.list()
        assert page.data
    async with AsyncClaude(
        api_key="sk-test", base_url=tls_server.url, max_retries=0, trust_env=False
    ) as client:
        with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.models.list()


def verify_paths(cafile: str, capath: str) -> ssl.DefaultVerifyPaths:
    return ssl.DefaultVerifyPaths("", "", "SSL_CERT_FILE", cafile, "SSL_CERT_DIR", capath)


def hashed_dir(ca: trustme.CA, path: pathlib.Path) -> pathlib.Path:
    (path / f"{openssl_subject_hash(ca)}.0").write_bytes(ca.cert_pem.bytes())
    return path


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


# Unit tests of default_ssl_context alone, with the OpenSSL build's compiled-in paths
# replaced (a machine without a CA bundle cannot be had otherwise).


@pytest.mark.usefixtures("no_env")
def test_the_system_bundle_file_then_the_distribution_files_then_certifi(
    monkeypatch: pytest.MonkeyPatch, ca_file: str, tmp_path: pathlib.Path
) -> None:
    import certifi

    def loaded(cafile: str, capath: str, *candidates: str) -> list[Any]:
        monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: verify_paths(cafile, capath))
        monkeypatch.setattr(anyio_claude._transport._tls, "_CA_FILE_CANDIDATES", candidates)
        return default_ssl_context().get_ca_certs()

    ours = ssl.create_default_context(cafile=ca_file).get_ca_certs()
    assert len(ours) == 1
    from_certifi = ssl.create_default_context(cafile=certifi.where()).get_ca_certs()
    # The build's own bundle, even when a distribution file exists too.
    assert loaded(ca_file, "/nonexistent", certifi.where()) == ours
    # A directory of the build that is no hashed CA directory is not used.
    (tmp_path / "README").write_text("not a certificate")
    assert loaded("/nonexistent", str(tmp_path), "/nonexistent", ca_file) == ours
    assert loaded("/nonexistent", "/nonexistent", "/nonexistent", ca_file) == ours
    assert loaded("/nonexistent", "/nonexistent", "/nonexistent") == from_certifi


@pytest.mark.usefixtures("no_env")
async def test_the_system_ca_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    ca = trustme.CA(organization_name="anyio-claude tests", organization_unit_name="system dir")
    directory = hashed_dir(ca, tmp_path)
    monkeypatch.setattr(
        ssl, "get_default_verify_paths", lambda: verify_paths("/nonexistent", str(directory))
    )
    monkeypatch.setattr(anyio_claude._transport._tls, "_CA_FILE_CANDIDATES", ())
    async with serving(ca) as fake:
        await accepted(AsyncTransport(fake.url, ssl_context=default_ssl_context()))


async def test_ssl_cert_file_wins_over_ssl_cert_dir(
    monkeypatch: pytest.MonkeyPatch, ca_file: str, tmp_path: pathlib.Path
) -> None:
    # As httpx2: the file alone, not the directory as well (which is what OpenSSL's own
    # reading of the two variables would give).
    other = trustme.CA(organization_name="anyio-claude tests", organization_unit_name="other")
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    monkeypatch.setenv("SSL_CERT_DIR", str(hashed_dir(other, tmp_path)))
    async with serving(other) as fake:
        await refused(AsyncTransport(fake.url))
    # SSL_CERT_DIR alone: that directory only, not the system's bundle besides.
    monkeypatch.delenv("SSL_CERT_FILE")
    assert default_ssl_context().cert_store_stats()["x509_ca"] == 0


async def test_tls_unverified_or_with_a_context_that_trusts_the_server(
    tls_server: FakeClaude, ca: trustme.CA
) -> None:
    await accepted(AsyncTransport(tls_server.url, verify=False))
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    await accepted(AsyncTransport(tls_server.url, ssl_context=trusting))


async def test_tls_checks_the_name_as_well_as_the_chain(ca: trustme.CA) -> None:
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    async with serving(ca, "api.example.com") as fake:
        await refused(AsyncTransport(fake.url, ssl_context=trusting), "VERIFY_FAILED.*mismatch")


# ------------------------------------------------------------------------- event loops


def bound_message(first: str, second: str) -> str:
    return (
        f"this client is bound to {first}, the first it was used in, and cannot be used "
        f"from {second}: create one client per event loop (for example inside each "
        "anyio.run() / asyncio.run() call)"
    )


def use_from(*backends: str) -> ClaudeError:
    """Use one transport from a run of each backend in turn; the error of the last."""
    transport = AsyncTransport(f"http://127.0.0.1:{closed_port()}")

    async def use() -> None:
        with pytest.raises(APIConnectionError):
            await get(transport)

    for backend in backends[:-1]:
        anyio.run(use, backend=backend)
    with pytest.raises(ClaudeError) as info:
        anyio.run(use, backend=backends[-1])
    assert not isinstance(info.value, APIConnectionError)
    return info.value


def test_a_transport_used_from_a_second_event_loop_says_which() -> None:
    error = use_from("asyncio", "asyncio")
    assert str(error) == bound_message("an asyncio event loop", "an asyncio event loop")


@pytest.mark.parametrize(
    ("backends", "first", "second"),
    [
        (("trio", "asyncio"), "a trio run", "an asyncio event loop"),
        (("asyncio", "trio"), "an asyncio event loop", "a trio run"),
        (("trio", "trio"), "a trio run", "a trio run"),
    ],
)
def test_a_transport_used_from_another_trio_run_says_which(
    backends: tuple[str, ...], first: str, second: str
) -> None:
    assert str(use_from(*backends)) == bound_message(first, second)
