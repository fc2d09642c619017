"""Which HTTP proxy to use, from the `proxy=` option or the environment (no I/O here).

`HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY` are read as curl and httpx read
them (lowercase names first). An `https://` API is reached through the proxy with an HTTP
`CONNECT` tunnel, so TLS stays end to end; an `http://` API through plain forwarding.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ("Proxy", "resolve_proxy")


class Proxy:
    """A parsed `http://` or `https://` proxy URL; its credentials never appear in `repr`."""

    __slots__ = ("headers", "host", "port", "scheme", "shown")

    def __init__(self, url: str, *, source: str = "proxy") -> None:
        text = url.strip()
        if "://" not in text:
            text = "http://" + text
        parts = urlsplit(text)
        self.shown = _redact(parts.scheme, parts.netloc, parts.path)
        if parts.scheme not in ("http", "https"):
            raise ValueError(
                f"{source} must be an http:// or https:// proxy URL, got {self.shown!r}"
            )
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"{source} has an invalid port: {self.shown!r}") from None
        if not parts.hostname:
            raise ValueError(f"{source} has no host: {self.shown!r}")
        self.scheme = parts.scheme.encode()
        self.host = parts.hostname.encode("idna")
        self.port = port or (443 if parts.scheme == "https" else 80)
        self.headers: list[tuple[bytes, bytes]] = []
        if parts.username is not None:
            userinfo = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            token = base64.b64encode(userinfo.encode()).decode()
            self.headers.append((b"proxy-authorization", f"Basic {token}".encode()))

    def connection(
        self,
        core: ModuleType,
        remote: Any,
        *,
        ssl_context: Any,
        proxy_ssl_context: Any,
        keepalive_expiry: float,
        network_backend: Any,
    ) -> Any:
        """An httpcore connection to `remote` (an `httpcore.Origin`) through this proxy."""
        # httpcore exports these per-connection classes only from their module; its
        # public AsyncHTTPProxy is a pool, which is what _transport avoids.
        from httpcore._async.http_proxy import (
            AsyncForwardHTTPConnection,
            AsyncTunnelHTTPConnection,
        )

        origin = core.Origin(self.scheme, self.host, self.port)
        if remote.scheme == b"https":
            return AsyncTunnelHTTPConnection(
                proxy_origin=origin,
                remote_origin=remote,
                ssl_context=ssl_context,
                proxy_ssl_context=proxy_ssl_context,
                proxy_headers=self.headers,
                keepalive_expiry=keepalive_expiry,
                network_backend=network_backend,
            )
        return AsyncForwardHTTPConnection(
            proxy_origin=origin,
            remote_origin=remote,
            proxy_headers=self.headers,
            keepalive_expiry=keepalive_expiry,
            proxy_ssl_context=proxy_ssl_context,
            network_backend=network_backend,
        )

    def __repr__(self) -> str:
        return f"Proxy({self.shown!r})"


def _redact(scheme: str, netloc: str, path: str) -> str:
    _, at, hostport = netloc.rpartition("@")
    return f"{scheme}://{'***@' if at else ''}{hostport}{path}"


def _env(environ: Mapping[str, str], name: str) -> tuple[str, str] | None:
    for key in (name.lower(), name.upper()):
        value = environ.get(key, "").strip()
        if value:
            return key, value
    return None


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    host = host.lower().strip("[]")
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, entry_port = _host_and_port(entry.partition("://")[2] or entry)
        if entry_port is not None and entry_port != port:
            continue
        if address is not None:
            try:
                if address in ipaddress.ip_network(name, strict=False):
                    return True
                continue
            except ValueError:
                pass
        name = name.removeprefix("*").lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


def _host_and_port(entry: str) -> tuple[str, int | None]:
    """A `NO_PROXY` entry's host (or network) and port: `host:port`, `[v6]:port`, `[v6]`,
    or a bare IPv6 address, whose last group is no port."""
    if entry.startswith("["):
        inside, _, rest = entry[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            return inside, int(rest[1:])
        return inside + rest, None  # `[v6]`, `[v6]/64`
    name, colon, port = entry.rpartition(":")
    if colon and port.isdigit() and ":" not in name:
        return name, int(port)
    return entry, None


def resolve_proxy(
    proxy: str | None, base_url: str, environ: Mapping[str, str] | None
) -> Proxy | None:
    """The proxy for requests to `base_url`: `proxy` if given, else (when `environ` is
    given) the one the environment names for its scheme, unless `NO_PROXY` exempts it.

    Raises `ValueError`, naming the argument or variable, for a URL that is not an
    http(s) proxy.
    """
    if proxy is not None:
        return Proxy(proxy)
    if environ is None:
        return None
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    no_proxy = _env(environ, "no_proxy")
    if no_proxy is not None and _bypassed(host, port, no_proxy[1]):
        return None
    found = _env(environ, f"{parts.scheme}_proxy") or _env(environ, "all_proxy")
    if found is None:
        return None
    name, url = found
    return Proxy(url, source=f"the {name} environment variable")
