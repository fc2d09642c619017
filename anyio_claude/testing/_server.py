"""`FakeClaude`: the Claude API on 127.0.0.1 — options, lifetime, and the routing table.

The work is done elsewhere: `_http` speaks HTTP/1.1, `_messages`, `_batches` and `_models`
answer their endpoints (with `_fake_model`), and `_faults`, `_limits` and
`_latency` are the realism knobs. A new endpoint is one entry in `FakeClaude.routes`.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Literal
from urllib.parse import parse_qsl

import anyio
import anyio.abc
import h11

from ..types import Message
from ._batches import BatchesRoute
from ._fake_model import DEFAULT_MODELS, ModelSpec, RequestError
from ._faults import Fault
from ._files import FakeFiles
from ._http import Response, serve_connection
from ._latency import Latency
from ._limits import RateLimiter, RateLimits
from ._messages import ErrorReply, MessagesRoute
from ._models import ModelsRoute
from ._oauth import OAUTH_BETA, FakeTokenEndpoint
from ._platforms import AwsTestCredentials, BedrockRoute, VertexRoute
from ._recording import RecordedRequest, RequestLog
from ._routing import INVALID, MAX_DEPTH, ApiRequest, error_response, parse_json, too_deep
from ._threads import FakeThreads

__all__ = ("FakeClaude",)

logger = logging.getLogger("anyio_claude.testing")

Route = Callable[[ApiRequest], Awaitable[Response]]


class FakeClaude:
    """A faithful stand-in for the Claude API, serving real HTTP/1.1 on 127.0.0.1.

    `async with FakeClaude() as server:` starts it (under asyncio or trio) and
    `server.url` is its base URL; leaving the block stops the listener and cancels every
    connection, stalled streams included. See docs/testing.md for the knobs: latency
    (`ttft`, `itl`, `jitter`), network writes (`write_size`, `line_ending`),
    `rate_limits`, `faults`, scripted replies (`script`), batches (`batch_seconds`,
    `batch_speedup`), the Files API's store (`files`). `requests` keeps the last
    `max_recorded` requests (a ring buffer, so a long benchmark does not eat memory). A bad
    request never takes the server down: it gets the error the real API would give
    (400/401/404/413/431/...) or its connection is closed.

    It serves Amazon Bedrock's and Google Vertex AI's routes too (docs/platforms.md):
    Bedrock requests are SigV4-verified against `aws_credentials` (or take a Bedrock API
    key, checked against `api_keys` when given); Vertex requests take a bearer token, any
    unless `google_tokens` is given.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: Sequence[str] | None = None,
        models: Sequence[ModelSpec] = DEFAULT_MODELS,
        ssl_context: ssl.SSLContext | None = None,
        seed: int = 0,
        ttft: float = 0.0,
        itl: float = 0.0,
        jitter: float = 0.0,
        write_size: int | None = None,
        line_ending: Literal["\n", "\r\n", "\r"] = "\n",
        ping_every: int = 50,
        rate_limits: RateLimits | None = None,
        faults: Sequence[Fault] = (),
        batch_seconds: float = 60.0,
        batch_speedup: float = 1.0,
        max_body_size: int = 32 * 1024 * 1024,
        max_header_size: int = 16 * 1024,
        max_recorded: int = 1000,
        aws_credentials: Sequence[AwsTestCredentials] = (),
        google_tokens: Sequence[str] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.api_keys = None if api_keys is None else frozenset(api_keys)
        self.models = {name: m for m in models for name in (m.id, *m.aliases)}
        self.ssl_context = ssl_context
        self.seed = seed
        self.line_ending = line_ending
        self.ping_every = ping_every
        self.faults = list(faults)
        self.batch_seconds = batch_seconds
        self.batch_speedup = batch_speedup
        self.max_body_size = max_body_size
        self.max_header_size = max_header_size
        if max_recorded < 0:
            raise ValueError(f"max_recorded must be 0 or more, not {max_recorded}")
        self.requests = RequestLog(max_recorded)
        self._latency = Latency(ttft, itl, jitter, write_size, random.Random(seed))
        self._limiter = RateLimiter(rate_limits or RateLimits())
        self._counter = itertools.count(1)
        self._task_group: anyio.abc.TaskGroup | None = None
        self._started_clock = 0.0
        self._started_wall = datetime.now(timezone.utc)
        self.files = FakeFiles(lambda: self._id("file_011C"))
        self._messages = MessagesRoute(self)
        self.threads = FakeThreads()
        self.oauth = FakeTokenEndpoint()
        self.aws_credentials = list(aws_credentials)
        self.google_tokens = None if google_tokens is None else frozenset(google_tokens)
        self._bedrock = BedrockRoute(self)
        self._vertex = VertexRoute(self)
        # Longest prefix first: a path is served by the first route it falls under.
        self.routes: list[tuple[str, Route]] = [
            ("/v1/messages/batches", BatchesRoute(self)),
            ("/v1/messages/count_tokens", self._messages.count_tokens),
            ("/v1/messages", self._messages.create),
            ("/v1/models", ModelsRoute(self.models)),
            ("/v1/files", self.files.handle),
        ]

    # ------------------------------------------------------------------ latency knobs

    @property
    def ttft(self) -> float:
        """Seconds from a stream's head to its first content (see docs/testing.md)."""
        return self._latency.ttft

    @ttft.setter
    def ttft(self, value: float) -> None:
        self._latency.ttft = value

    @property
    def itl(self) -> float:
        """Seconds before each `content_block_delta` after the first."""
        return self._latency.itl

    @itl.setter
    def itl(self, value: float) -> None:
        self._latency.itl = value

    @property
    def jitter(self) -> float:
        """Random spread of each delay, as a fraction of it (seeded)."""
        return self._latency.jitter

    @jitter.setter
    def jitter(self, value: float) -> None:
        self._latency.jitter = value

    @property
    def write_size(self) -> int | None:
        """Bytes per network write of a streamed body (None: one write per event)."""
        return self._latency.write_size

    @write_size.setter
    def write_size(self, value: int | None) -> None:
        self._latency.write_size = value

    # ------------------------------------------------------------------ lifetime

    @property
    def url(self) -> str:
        """The base URL to give a client (`http(s)://127.0.0.1:<port>`)."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    async def __aenter__(self) -> FakeClaude:
        listener: anyio.abc.Listener[Any] = await anyio.create_tcp_listener(
            local_host=self.host, local_port=self.port
        )
        self.port = listener.extra(anyio.abc.SocketAttribute.local_port)
        if self.ssl_context is not None:
            from anyio.streams.tls import TLSListener

            listener = TLSListener(listener, self.ssl_context, standard_compatible=False)
        self._started_clock = anyio.current_time()
        self._started_wall = datetime.now(timezone.utc)
        self._listener = listener
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._serve)
        return self

    async def _serve(self) -> None:
        async with self._listener:
            await self._listener.serve(self._connection)

    async def _connection(self, stream: anyio.abc.ByteStream) -> None:
        await serve_connection(
            stream,
            self._dispatch,
            max_header_size=self.max_header_size,
            max_body_size=self.max_body_size,
        )

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task_group is not None
        self._task_group.cancel_scope.cancel()
        await self._task_group.__aexit__(None, None, None)
        self._task_group = None

    @classmethod
    @contextmanager
    def run_in_thread(cls, backend: str = "asyncio", **options: Any) -> Iterator[FakeClaude]:
        """Run a server in a background thread, for synchronous code and tests."""
        from anyio.from_thread import start_blocking_portal

        with (
            start_blocking_portal(backend) as portal,
            portal.wrap_async_context_manager(cls(**options)) as server,
        ):
            yield server

    def script(self, *replies: Message | ErrorReply | list[dict[str, Any]] | bytes) -> None:
        """Queue exact replies for the next `POST /v1/messages` requests, in order.

        A `Message` is sent as JSON or, to streaming requests, as its event stream; an
        `ErrorReply` as that error; a list of event dicts as a stream of exactly those
        events (non-streaming requests get the message they accumulate to); bytes as a
        raw SSE body, verbatim.
        """
        self._messages.scripted.extend(replies)

    # ------------------------------------------------------------------ ids and time

    def _id(self, prefix: str) -> str:
        n = next(self._counter)
        return prefix + hashlib.sha256(f"{self.seed}:{n}".encode()).hexdigest()[:24]

    def _now(self) -> float:
        return anyio.current_time() - self._started_clock

    def _wall(self, clock: float | None = None) -> datetime:
        return self._started_wall + timedelta(seconds=self._now() if clock is None else clock)

    def _fault_for(self, path: str) -> Fault | None:
        hit = None
        for fault in self.faults:
            if fault.matches(path) and hit is None:
                hit = fault
        return hit

    # ------------------------------------------------------------------ routing

    async def _dispatch(self, request: h11.Request, body: bytes | None) -> Response:
        request_id = self._id("req_011C")
        response = await self._answer(request, body, request_id)
        headers = [("request-id", request_id), ("anthropic-organization-id", "fake-org")]
        headers += self._limiter.headers(self._now(), self._wall())
        return replace(response, headers=[*response.headers, *headers])

    async def _answer(self, request: h11.Request, body: bytes | None, request_id: str) -> Response:
        method = request.method.decode()
        target = request.target.decode("latin-1")
        path, _, query = target.partition("?")
        header_items = tuple(
            (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request.headers
        )
        headers = dict(header_items)
        if body is None:
            return error_response(
                413,
                "request_too_large",
                f"Request exceeds the maximum allowed number of bytes ({self.max_body_size})",
                request_id,
                [("connection", "close")],
            )
        # Uploads (the Files API) are multipart: their routes read `ApiRequest.body`.
        multipart = headers.get("content-type", "").startswith("multipart/")
        parsed = parse_json(body) if body and not multipart else None
        self.requests.append(
            RecordedRequest(
                method, target, headers, None if parsed is INVALID else parsed, header_items
            )
        )
        if path == "/v1/oauth/token":  # authenticated by what it is sent, not a key
            return await self.oauth.handle(
                ApiRequest(method, path, {}, headers, parsed, body, request_id)
            )
        items = tuple(parse_qsl(query, keep_blank_values=True))
        api_request = ApiRequest(
            method, path, dict(items), headers, parsed, body, request_id, query_items=items
        )
        # The platforms authenticate their own way, and answer malformed bodies their way.
        if path.startswith("/model/"):
            return await self._bedrock.handle(api_request, target)
        if path.startswith("/v1/projects/"):
            return await self._vertex.handle(api_request)
        if path == "/google/token":
            return await self._vertex.token(api_request)
        signed = headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 ")
        if signed:
            # AnthropicAWS and Bedrock Mantle sign the API's own routes.
            problem = self._bedrock.check_signature(
                api_request, target, ("aws-external-anthropic", "bedrock-mantle")
            )
            if problem is not None:
                return error_response(403, "permission_error", problem, request_id)
            key = "sigv4"  # verified above: no API key to check
        else:
            key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix(
                "Bearer "
            )
        if self.oauth.knows(key):
            # A token from the token endpoint: valid until revoked, and only with the
            # OAuth beta flag (as the API wants it).
            if not self.oauth.accepts(key):
                return error_response(
                    401, "authentication_error", "Invalid bearer token", request_id
                )
            if OAUTH_BETA not in headers.get("anthropic-beta", ""):
                return error_response(
                    401,
                    "authentication_error",
                    "OAuth authentication is currently not supported.",
                    request_id,
                )
        elif not key:
            return error_response(
                401, "authentication_error", "x-api-key header is required", request_id
            )
        elif self.api_keys is not None and key not in self.api_keys and not signed:
            return error_response(401, "authentication_error", "invalid x-api-key", request_id)
        if parsed is INVALID:
            return error_response(
                400,
                "invalid_request_error",
                "There was an issue with the request body: it is not valid JSON",
                request_id,
            )
        if too_deep(parsed):
            return error_response(
                400,
                "invalid_request_error",
                f"The request body is nested more than {MAX_DEPTH} levels deep",
                request_id,
            )
        return await self._route(api_request)

    async def _route(self, request: ApiRequest) -> Response:
        """The answer of the route `request.path` falls under (404 for none)."""
        method, path, request_id = request.method, request.path, request.request_id
        try:
            for prefix, route in self.routes:
                if path == prefix or path.startswith(prefix + "/"):
                    return await route(request)
            raise RequestError(404, "not_found_error", f"Not found: {method} {path}")
        except RequestError as exc:
            details = getattr(exc, "details", None)
            return error_response(
                exc.status, exc.error_type, exc.message, request_id, details=details
            )
        except Exception:
            # A bug in the fake: answer as the API does rather than drop the connection.
            logger.exception("FakeClaude: error while answering %s %s", method, path)
            return error_response(500, "api_error", "Internal server error", request_id)
