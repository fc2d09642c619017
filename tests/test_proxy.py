"""Proxies: a real CONNECT / forwarding proxy on loopback in front of FakeClaude."""

from __future__ import annotations

import base64
import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
import trustme
from anyio.abc import ByteStream, SocketStream

import anyio_claude
from anyio_claude import APIConnectionError, AsyncClaude
from anyio_claude._http import Request, Timeout
from anyio_claude._proxy import Proxy as ResolvedProxy
from anyio_claude._proxy import _bypassed, resolve_proxy
from anyio_claude._transport import AsyncTransport
from anyio_claude.testing import FakeClaude

from ._servers import read_request

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-secret-1234567890"
GET = Request("GET", b"/v1/models", [], b"")
FAST = Timeout(connect=5, read=5, write=5, pool=5)
PROXY_VARS = ("https_proxy", "http_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@dataclass
class Proxy:
    """What the loopback proxy saw: one entry per request line (`CONNECT host:port` or
    `POST http://host:port/path`), and the `Proxy-Authorization` values sent."""

    port: int = 0
    credentials: str | None = None
    seen: list[str] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)
    connections: int = 0

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.port}"


async def _pipe(source: ByteStream, sink: ByteStream) -> None:
    try:
        async for chunk in source:
            await sink.send(chunk)
    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
        pass
    finally:
        # Half-close where the stream allows it (TLS streams may not, or be closed already).
        with contextlib.suppress(Exception):
            await sink.send_eof()


def _head(request: bytes) -> tuple[str, dict[str, str]]:
    lines = request.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def _authorized(proxy: Proxy, headers: dict[str, str]) -> bool:
    sent = headers.get("proxy-authorization")
    proxy.auth.append(sent)
    if proxy.credentials is None:
        return True
    return sent == "Basic " + base64.b64encode(proxy.credentials.encode()).decode()


async def _serve(proxy: Proxy, client: SocketStream) -> None:
    proxy.connections += 1
    buffer = bytearray()
    async with client:
        request = await read_request(client, buffer)
        if request is None:
            return
        line, headers = _head(request)
        method, target, _ = line.split(" ", 2)
        proxy.seen.append(f"{method} {target}")
        if not _authorized(proxy, headers):
            await client.send(
                b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n"
            )
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = await anyio.connect_tcp(host, int(port))
            await client.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
            async with upstream, anyio.create_task_group() as tg:
                if buffer:
                    await upstream.send(bytes(buffer))
                tg.start_soon(_pipe, upstream, client)
                await _pipe(client, upstream)
            return
        # Forwarding: rewrite each absolute-form request line to origin form.
        host_port = target.split("/")[2]
        host, _, port = host_port.rpartition(":")
        prefix = f"http://{host_port}".encode()
        upstream = await anyio.connect_tcp(host, int(port))
        async with upstream, anyio.create_task_group() as tg:
            tg.start_soon(_pipe, upstream, client)
            while request is not None:
                await upstream.send(request.replace(b" " + prefix, b" ", 1))
                request = await read_request(client, buffer)
                if request is not None:
                    proxy.seen.append(" ".join(_head(request)[0].split(" ")[:2]))
            tg.cancel_scope.cancel()


@asynccontextmanager
async def loopback_proxy(
    credentials: str | None = None, tls: ssl.SSLContext | None = None
) -> AsyncIterator[Proxy]:
    proxy = Proxy(credentials=credentials)
    tcp = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    proxy.port = tcp.extra(anyio.abc.SocketAttribute.local_port)
    listener: anyio.abc.Listener[Any] = tcp
    if tls is not None:
        from anyio.streams.tls import TLSListener

        listener = TLSListener(tcp, tls, standard_compatible=False)

    async def handle(stream: SocketStream) -> None:
        try:
            await _serve(proxy, stream)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass

    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        try:
            yield proxy
        finally:
            tg.cancel_scope.cancel()


@pytest.fixture(scope="module")
def tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    return server_context, trusting


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch


# ---------------------------------------------------------------------- through a proxy


async def test_https_api_through_a_connect_tunnel(
    tls: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server_context, trusting = tls
    async with (
        FakeClaude(ssl_context=server_context) as fake,
        loopback_proxy() as proxy,
        AsyncClaude(api_key=KEY, base_url=fake.url, verify=trusting, proxy=proxy.url()) as client,
    ):
        message = await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
        assert message.content
        async with client.messages.stream(model=MODEL, max_tokens=20, messages=USER) as stream:
            assert (await stream.get_final_text()).startswith("You said")
        assert client._transport is not None and client._transport.num_connections == 1
    host_port = fake.url.removeprefix("https://")
    # One tunnel, kept alive and reused for both requests; TLS runs end to end inside it.
    assert proxy.seen == [f"CONNECT {host_port}"]
    assert proxy.auth == [None]
    assert len(fake.requests) == 2 and fake.requests[0].headers["x-api-key"] == KEY


async def test_https_proxy_itself_over_tls(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_context, trusting = tls
    async with (
        FakeClaude(ssl_context=server_context) as fake,
        loopback_proxy(tls=server_context) as proxy,
    ):
        url = f"https://127.0.0.1:{proxy.port}"
        async with AsyncClaude(
            api_key=KEY, base_url=fake.url, verify=trusting, proxy=url
        ) as client:
            message = await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
        assert message.content and proxy.seen == [f"CONNECT {fake.url.removeprefix('https://')}"]
        # An http:// API through the same https:// proxy, verified with the same settings.
        async with (
            FakeClaude() as plain,
            AsyncClaude(api_key=KEY, base_url=plain.url, verify=trusting, proxy=url) as client,
        ):
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
        assert proxy.seen[1:] == [f"POST {plain.url}/v1/messages"]


async def test_http_api_through_a_forwarding_proxy() -> None:
    async with (
        FakeClaude() as fake,
        loopback_proxy() as proxy,
        AsyncClaude(api_key=KEY, base_url=fake.url, proxy=proxy.url()) as client,
    ):
        await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
        await client.messages.count_tokens(model=MODEL, messages=USER)
    assert proxy.seen == [
        f"POST {fake.url}/v1/messages",
        f"POST {fake.url}/v1/messages/count_tokens",
    ]
    assert proxy.connections == 1


async def test_plain_http_needs_no_trust_store_directly_or_through_a_proxy(
    env: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    # A TLS context is built only for an https:// origin or proxy: with `SSL_CERT_FILE`
    # naming no file (building one would raise), http:// still works both ways.
    env.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    async with FakeClaude() as fake, loopback_proxy() as proxy:
        async with AsyncClaude(api_key=KEY, base_url=fake.url, max_retries=0) as client:
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
        async with AsyncClaude(
            api_key=KEY, base_url=fake.url, proxy=proxy.url(), max_retries=0
        ) as client:
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
    assert proxy.seen == [f"POST {fake.url}/v1/messages"]
    assert len(fake.requests) == 2


async def test_proxy_credentials_are_sent_and_never_shown(
    tls: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server_context, trusting = tls
    async with (
        FakeClaude(ssl_context=server_context) as fake,
        loopback_proxy(credentials="user:p@ss word") as proxy,
    ):
        url = proxy.url("user:p%40ss%20word@")
        async with AsyncClaude(
            api_key=KEY, base_url=fake.url, verify=trusting, proxy=url
        ) as client:
            assert "p%40ss" not in repr(client) and "***@127.0.0.1" in repr(client)
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
        expected = "Basic " + base64.b64encode(b"user:p@ss word").decode()
        assert proxy.auth == [expected]
        # Wrong credentials: the proxy answers 407, which must not echo the password.
        wrong = proxy.url("user:hunter2@")
        async with AsyncClaude(
            api_key=KEY, base_url=fake.url, verify=trusting, proxy=wrong, max_retries=0
        ) as client:
            with pytest.raises(APIConnectionError, match="407") as info:
                await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
    error = info.value
    assert "hunter2" not in str(error) and "***@127.0.0.1" in str(error)
    assert error.request is not None and error.request.url.startswith(fake.url)
    assert KEY not in repr(error.request.headers) and KEY not in str(error)


async def test_forwarding_proxy_credentials_are_sent() -> None:
    async with FakeClaude() as fake, loopback_proxy(credentials="user:p@ss") as proxy:
        url = proxy.url("user:p%40ss@")
        async with AsyncClaude(api_key=KEY, base_url=fake.url, proxy=url) as client:
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
    assert proxy.auth == ["Basic " + base64.b64encode(b"user:p@ss").decode()]
    assert proxy.seen == [f"POST {fake.url}/v1/messages"]


async def test_an_expired_tunnel_is_not_reused(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_context, trusting = tls
    async with (
        FakeClaude(ssl_context=server_context) as fake,
        loopback_proxy() as proxy,
    ):
        transport = AsyncTransport(
            fake.url,
            proxy=ResolvedProxy(proxy.url()),
            keepalive_expiry=0.1,
            ssl_context=trusting,
        )
        try:
            for _ in range(2):
                async with await transport.send(GET, timeout=FAST) as reply:
                    await reply.aread()
            assert proxy.connections == 1  # kept alive while fresh
            await anyio.sleep(0.3)
            async with await transport.send(GET, timeout=FAST) as reply:
                await reply.aread()
        finally:
            await transport.aclose()
    assert proxy.connections == 2
    assert proxy.seen == [f"CONNECT {fake.url.removeprefix('https://')}"] * 2


async def test_unreachable_proxy_is_a_connection_error() -> None:
    async with loopback_proxy() as proxy:
        port = proxy.port
    client = AsyncClaude(
        api_key=KEY, base_url="https://127.0.0.1:9", proxy=f"http://127.0.0.1:{port}"
    )
    async with client:
        with pytest.raises(APIConnectionError, match=f"via proxy http://127.0.0.1:{port}"):
            await client.with_options(max_retries=0).messages.create(
                model=MODEL, max_tokens=20, messages=USER
            )


# ------------------------------------------------------------------------ environment


async def test_https_proxy_from_the_environment(
    env: pytest.MonkeyPatch, tls: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_context, trusting = tls
    async with FakeClaude(ssl_context=server_context) as fake, loopback_proxy() as proxy:
        env.setenv("HTTPS_PROXY", proxy.url())
        env.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # for http:// only: not used here
        async with AsyncClaude(api_key=KEY, base_url=fake.url, verify=trusting) as client:
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
        assert len(proxy.seen) == 1
        # trust_env=False ignores the variables.
        async with AsyncClaude(
            api_key=KEY, base_url=fake.url, verify=trusting, trust_env=False
        ) as client:
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
        # NO_PROXY naming the host reaches it directly.
        env.setenv("NO_PROXY", "localhost, 127.0.0.1")
        async with AsyncClaude(api_key=KEY, base_url=fake.url, verify=trusting) as client:
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
    assert len(proxy.seen) == 1 and len(fake.requests) == 3


async def test_http_and_all_proxy_from_the_environment(env: pytest.MonkeyPatch) -> None:
    async with FakeClaude() as fake, loopback_proxy() as proxy:
        env.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # for https:// only: not used here
        env.setenv("ALL_PROXY", proxy.url())
        async with AsyncClaude(api_key=KEY, base_url=fake.url) as client:
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
        env.setenv("http_proxy", proxy.url())
        env.setenv("ALL_PROXY", "http://127.0.0.1:9")
        async with AsyncClaude(api_key=KEY, base_url=fake.url) as client:
            await client.messages.create(model=MODEL, max_tokens=20, messages=USER)
    assert proxy.seen == [f"POST {fake.url}/v1/messages"] * 2


def test_blocking_client_through_a_proxy(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_context, trusting = tls

    async def main() -> list[str]:
        async with FakeClaude(ssl_context=server_context) as fake, loopback_proxy() as proxy:
            with anyio_claude.Claude(
                api_key=KEY, base_url=fake.url, verify=trusting, proxy=proxy.url()
            ) as client:
                await anyio.to_thread.run_sync(
                    lambda: client.messages.create(model=MODEL, max_tokens=20, messages=USER)
                )
            return proxy.seen

    seen = anyio.run(main)
    assert len(seen) == 1 and seen[0].startswith("CONNECT 127.0.0.1:")


# ----------------------------------------------------------------- configuration errors


def test_unsupported_proxies_fail_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        ValueError,
        match=r"proxy must be an http:// or https:// proxy URL, got 'socks5://\*\*\*@h:1'",
    ):
        AsyncClaude(api_key=KEY, proxy="socks5://u:secret@h:1")
    with pytest.raises(ValueError, match="proxy has an invalid port"):
        AsyncClaude(api_key=KEY, proxy="http://h:99999")
    monkeypatch.setenv("ALL_PROXY", "socks5://h:1080")
    with pytest.raises(ValueError, match="the ALL_PROXY environment variable"):
        AsyncClaude(api_key=KEY)
    AsyncClaude(api_key=KEY, trust_env=False)  # the variable is not read at all


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "bypass"),
    [
        ("api.anthropic.com", 443, "*", True),
        ("api.anthropic.com", 443, "anthropic.com", True),
        ("api.anthropic.com", 443, ".anthropic.com", True),
        ("api.anthropic.com", 443, "*.anthropic.com", True),
        ("anthropic.com", 443, ".anthropic.com", True),
        ("api.anthropic.com", 443, "thropic.com", False),
        ("api.anthropic.com", 443, "example.com, api.anthropic.com:443", True),
        ("api.anthropic.com", 443, "api.anthropic.com:8443", False),
        ("10.1.2.3", 443, "10.0.0.0/8", True),
        ("10.1.2.3", 443, "10.1.2.3", True),
        ("11.1.2.3", 443, "10.0.0.0/8", False),
        ("::1", 443, "::1", True),
        ("api.anthropic.com", 443, "", False),
        # Found unpinned by mutation testing (docs/contributing.md):
        ("api.anthropic.com", 443, "example.com,api.anthropic.com", True),  # no spaces
        ("api.anthropic.com", 443, "example.com,,api.anthropic.com", True),  # an empty entry
        ("api.anthropic.com", 443, "http://anthropic.com", True),  # an entry with a scheme
        ("api.anthropic.com", 443, "api.anthropic.com:8443, anthropic.com", True),
        ("api.anthropic.com", 443, "10.0.0.0/8, anthropic.com", True),  # a network, a name
        ("11.1.2.3", 443, "10.0.0.0/8, 11.0.0.0/8", True),  # the second network
        ("10.9.9.9", 443, "10.1.2.3/8", True),  # host bits set, as curl allows
        ("[::1]", 443, "::1", True),  # a bracketed IPv6 host
        ("api.anthropic.com", 80, "api.anthropic.com:443", False),
        # `[v6]:port`, as httpx and curl take it:
        ("::1", 443, "[::1]:443", True),
        ("[::1]", 443, "example.com, [::1]:443", True),
        ("::1", 8443, "[::1]:443", False),
        ("::2", 443, "[::1]:443", False),
        ("2001:db8::7", 443, "[2001:db8::7]", True),
        ("2001:db8::7", 443, "2001:db8::7", True),  # a bare address's last group is no port
    ],
)
def test_no_proxy_matching(host: str, port: int, no_proxy: str, bypass: bool) -> None:
    assert _bypassed(host, port, no_proxy) is bypass


def test_proxy_resolution() -> None:
    env = {"HTTPS_PROXY": "proxy:3128", "https_proxy": "http://lower:1", "NO_PROXY": "other"}
    found = resolve_proxy(None, "https://api.anthropic.com", env)
    assert found is not None and found.host == b"lower" and found.port == 1
    bare = resolve_proxy(None, "https://api.anthropic.com", {"HTTPS_PROXY": "proxy:3128"})
    assert bare is not None and (bare.scheme, bare.host, bare.port) == (b"http", b"proxy", 3128)
    assert resolve_proxy(None, "https://api.anthropic.com", None) is None
    given = resolve_proxy("https://u:p@h", "http://x", env)
    assert given is not None and given.port == 443 and repr(given) == "Proxy('https://***@h')"


def test_no_proxy_takes_a_bracketed_ipv6_address_with_a_port() -> None:
    env = {"HTTPS_PROXY": "proxy:3128", "NO_PROXY": "[::1]:8443"}
    assert resolve_proxy(None, "https://[::1]:8443", env) is None
    assert resolve_proxy(None, "https://[::1]:9443", env) is not None


def test_no_proxy_ports_default_to_the_scheme_s() -> None:
    # A base URL without a port is on 443 (https) or 80 (http) for NO_PROXY's `host:port`.
    https = {"HTTPS_PROXY": "proxy:3128", "NO_PROXY": "api.anthropic.com:443"}
    assert resolve_proxy(None, "https://api.anthropic.com", https) is None
    assert resolve_proxy(None, "https://api.anthropic.com:8443", https) is not None
    plain = {"HTTP_PROXY": "proxy:3128", "NO_PROXY": "api.example.com:80"}
    assert resolve_proxy(None, "http://api.example.com", plain) is None
    plain["NO_PROXY"] = "api.example.com:443"
    assert resolve_proxy(None, "http://api.example.com", plain) is not None


def test_proxy_urls_default_ports_and_credentials() -> None:
    assert ResolvedProxy("http://h").port == 80
    assert ResolvedProxy("h").port == 80
    assert ResolvedProxy("https://h").port == 443
    # A user without a password sends an empty one, as curl does.
    user_only = ResolvedProxy("http://user@h:1")
    assert user_only.headers == [(b"proxy-authorization", b"Basic " + base64.b64encode(b"user:"))]
    assert ResolvedProxy("http://h:1").headers == []
    with pytest.raises(ValueError, match=r"proxy has no host: 'http://:8080'"):
        ResolvedProxy("http://:8080")
