"""OpenTelemetry traces and metrics of API calls: the `open_telemetry` client option.

An API call is one method call (`messages.create`, `models.list`, ...) with every retry
and, for a stream, the reading of its events. It gets one `CLIENT` span, named and with
attributes as the official SDK's (the GenAI semantic conventions plus `anthropic.*`), and
each of its attempts carries the span's trace context in the headers of the registered
propagator. With metrics on, a `messages.create` call also records the GenAI client
histograms.

`opentelemetry` is an optional dependency (`anyio-claude[otel]`): nothing here imports it
until a call finds a provider to report to, which it can only find when the application
gave one or imported the OpenTelemetry API. So with no provider a call costs one check,
and a stream nothing per event. Nothing here raises into the call it observes.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Union
from urllib.parse import unquote

if TYPE_CHECKING:
    from typing import TypeAlias

    from opentelemetry.metrics import Histogram, MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider
    from opentelemetry.util.types import AttributeValue
    from typing_extensions import NotRequired

    from .types import MessageStreamEvent

__all__ = (
    "OpenTelemetryClientOption",
    "OpenTelemetryMetrics",
    "OpenTelemetryOptions",
    "OpenTelemetryTraces",
    "ResolvedOpenTelemetryMetrics",
    "ResolvedOpenTelemetryOptions",
    "ResolvedOpenTelemetryTraces",
)

# The official SDK's instrumentation scope: views and samplers keyed on it keep working.
INSTRUMENTATION_SCOPE = "com.anthropic.sdk.python"
DEFAULT_MAX_CONTENT_BYTES = 750_000


class OpenTelemetryTraces(TypedDict, total=False):
    """The `traces` field of the `open_telemetry` option: the client's spans."""

    enabled: bool
    """Whether the client emits spans (default `True`)."""

    content_mode: Literal["metadata_only", "content"]
    """`content` adds the request's and response's messages to the spans (default
    `metadata_only`)."""

    max_content_bytes: int
    """The UTF-8 bytes of JSON that one span's content is kept within (default 750,000; a
    value below 1 is the default)."""


class ResolvedOpenTelemetryTraces(TypedDict):
    """The `traces` that `client.open_telemetry` reads back, every field set."""

    enabled: bool
    content_mode: Literal["metadata_only", "content"]
    max_content_bytes: int


class OpenTelemetryMetrics(TypedDict, total=False):
    """The `metrics` field of the `open_telemetry` option (this client's own; the official
    SDK has no metrics): the GenAI client histograms of `messages.create` calls."""

    enabled: bool
    """Whether the client records metrics (default `True`)."""

    meter_provider: MeterProvider
    """The meter provider to record with, in place of the registered one."""


class ResolvedOpenTelemetryMetrics(TypedDict):
    """The `metrics` that `client.open_telemetry` reads back."""

    enabled: bool
    meter_provider: NotRequired[MeterProvider]


class OpenTelemetryOptions(TypedDict, total=False):
    """The `open_telemetry` client option. Given, even `{}`, no `ANTHROPIC_OPEN_TELEMETRY*`
    environment variable is read: what it leaves out has its default."""

    tracer_provider: TracerProvider
    """Creates the client's spans, in place of the provider registered with the API."""

    propagation: bool
    """Whether each request carries its span's trace context (default `True`)."""

    traces: OpenTelemetryTraces | ResolvedOpenTelemetryTraces | bool
    """The client's spans; `True`/`False` are short for `{"enabled": ...}`."""

    metrics: OpenTelemetryMetrics | ResolvedOpenTelemetryMetrics | bool
    """The client's metrics; `True`/`False` are short for `{"enabled": ...}`."""

    conversation_id: str
    """Recorded as `gen_ai.conversation.id` on every span; never sent to the API."""


class ResolvedOpenTelemetryOptions(TypedDict):
    """`client.open_telemetry`: the option with every default filled in. Spread it into a
    copy's option to change one field."""

    tracer_provider: NotRequired[TracerProvider]
    propagation: bool
    traces: ResolvedOpenTelemetryTraces
    metrics: ResolvedOpenTelemetryMetrics
    conversation_id: NotRequired[str]


OpenTelemetryClientOption: TypeAlias = Union[OpenTelemetryOptions, Literal[False], None]
"""`None` (the default) reads `ANTHROPIC_OPEN_TELEMETRY`, `..._TRACES_CONTENT_MODE`,
`..._TRACES_MAX_CONTENT_BYTES` and `..._PROPAGATION`; `False` turns spans off."""


# ------------------------------------------------------------------------ the option


def resolve(option: object) -> ResolvedOpenTelemetryOptions:
    """`option` with every default filled in; raises `TypeError` naming the argument for a
    value of the wrong type, before any I/O."""
    options: Mapping[str, Any]
    if option is None:
        options = _from_env()
    elif option is False:
        options = {"traces": False}
    elif isinstance(option, Mapping):
        options = option
    else:
        raise TypeError(
            f"open_telemetry must be a dict, False or None, got {type(option).__name__}"
        )
    known = {"tracer_provider", "propagation", "traces", "metrics", "conversation_id"}
    unknown = sorted(str(key) for key in options if key not in known)
    if unknown:
        raise TypeError(f"open_telemetry has unknown key(s) {', '.join(unknown)}")
    traces = _section(options, "traces")
    metrics = _section(options, "metrics")
    given_mode = traces.get("content_mode") or "metadata_only"
    if given_mode not in ("metadata_only", "content"):
        raise ValueError(
            "open_telemetry traces.content_mode must be 'metadata_only' or 'content', "
            f"got {given_mode!r}"
        )
    mode: Literal["metadata_only", "content"] = (
        "content" if given_mode == "content" else "metadata_only"
    )
    limit = traces.get("max_content_bytes")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
        raise TypeError("open_telemetry traces.max_content_bytes must be an int")
    propagation = options.get("propagation")
    resolved: ResolvedOpenTelemetryOptions = {
        "propagation": True if propagation is None else bool(propagation),
        "traces": {
            "enabled": bool(traces.get("enabled", True)),
            "content_mode": mode,
            "max_content_bytes": DEFAULT_MAX_CONTENT_BYTES if limit is None or limit < 1 else limit,
        },
        "metrics": {"enabled": bool(metrics.get("enabled", True))},
    }
    if metrics.get("meter_provider") is not None:
        resolved["metrics"]["meter_provider"] = metrics["meter_provider"]
    if options.get("tracer_provider") is not None:
        resolved["tracer_provider"] = options["tracer_provider"]
    conversation = options.get("conversation_id")
    if conversation is not None:
        if not isinstance(conversation, str):
            raise TypeError("open_telemetry conversation_id must be a str")
        resolved["conversation_id"] = conversation
    return resolved


def _section(options: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = options.get(name)
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"enabled": value}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"open_telemetry {name} must be a dict or a bool, got {type(value).__name__}"
        )
    return value


def _from_env() -> dict[str, Any]:
    """The option the `ANTHROPIC_OPEN_TELEMETRY*` variables make, as the official SDK
    reads them: only `false`/`content`/a positive decimal change a default."""
    env = os.environ
    traces: dict[str, Any] = {}
    if env.get("ANTHROPIC_OPEN_TELEMETRY", "").lower() == "false":
        traces["enabled"] = False
    if env.get("ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE", "").lower() == "content":
        traces["content_mode"] = "content"
    limit = env.get("ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES", "").strip()
    if limit.isascii() and limit.isdigit():
        try:
            number = int(limit)
        except ValueError:  # `int` refuses a number of thousands of digits
            number = 0
        if number >= 1:
            traces["max_content_bytes"] = number
    options: dict[str, Any] = {"traces": traces}
    if env.get("ANTHROPIC_OPEN_TELEMETRY_PROPAGATION", "").lower() == "false":
        options["propagation"] = False
    return options


# ---------------------------------------------------------------------- span tables

# (method, path segments with `*` for an id) -> span name, route, attribute of the id.
_ROUTES: dict[tuple[str, tuple[str, ...]], tuple[str, str, str | None]] = {
    ("POST", ("messages",)): ("anthropic.messages.create", "/v1/messages", None),
    ("POST", ("messages", "count_tokens")): (
        "anthropic.messages.count_tokens",
        "/v1/messages/count_tokens",
        None,
    ),
    ("POST", ("messages", "batches")): (
        "anthropic.messages.batches.create",
        "/v1/messages/batches",
        None,
    ),
    ("GET", ("messages", "batches")): (
        "anthropic.messages.batches.list",
        "/v1/messages/batches",
        None,
    ),
    ("GET", ("messages", "batches", "*")): (
        "anthropic.messages.batches.retrieve",
        "/v1/messages/batches/{message_batch_id}",
        "anthropic.message.batch.id",
    ),
    ("DELETE", ("messages", "batches", "*")): (
        "anthropic.messages.batches.delete",
        "/v1/messages/batches/{message_batch_id}",
        "anthropic.message.batch.id",
    ),
    ("POST", ("messages", "batches", "*", "cancel")): (
        "anthropic.messages.batches.cancel",
        "/v1/messages/batches/{message_batch_id}/cancel",
        "anthropic.message.batch.id",
    ),
    ("GET", ("messages", "batches", "*", "results")): (
        "anthropic.messages.batches.results",
        "/v1/messages/batches/{message_batch_id}/results",
        "anthropic.message.batch.id",
    ),
    ("GET", ("models",)): ("anthropic.models.list", "/v1/models", None),
    ("GET", ("models", "*")): (
        "anthropic.models.retrieve",
        "/v1/models/{model_id}",
        "anthropic.model.id",
    ),
    ("GET", ("files",)): ("anthropic.files.list", "/v1/files", None),
    ("POST", ("files",)): ("anthropic.files.upload", "/v1/files", None),
    ("GET", ("files", "*")): (
        "anthropic.files.retrieve_metadata",
        "/v1/files/{file_id}",
        "anthropic.file.id",
    ),
    ("DELETE", ("files", "*")): (
        "anthropic.files.delete",
        "/v1/files/{file_id}",
        "anthropic.file.id",
    ),
    ("GET", ("files", "*", "content")): (
        "anthropic.files.download",
        "/v1/files/{file_id}/content",
        "anthropic.file.id",
    ),
}

# The response field that names what the call created, by span name.
_CREATED_ID = {
    "anthropic.messages.batches.create": "anthropic.message.batch.id",
    "anthropic.files.upload": "anthropic.file.id",
}

_Path = tuple[str, ...]
# Per span name: attributes read from the request body, from the response body (each a
# path and the JSON type it must have), and the stream flag, as the official SDK has them.
_REQUEST: dict[str, dict[str, tuple[_Path, str]]] = {
    "anthropic.messages.create": {
        "gen_ai.request.model": (("model",), "string"),
        "gen_ai.request.max_tokens": (("max_tokens",), "integer"),
        "gen_ai.request.reasoning.level": (("output_config", "effort"), "string"),
        "anthropic.request.service_tier": (("service_tier",), "string"),
        "anthropic.thinking.type": (("thinking", "type"), "string"),
        "anthropic.thinking.budget_tokens": (("thinking", "budget_tokens"), "integer"),
    },
    "anthropic.messages.count_tokens": {"gen_ai.request.model": (("model",), "string")},
}
_RESPONSE: dict[str, dict[str, tuple[_Path, str]]] = {
    "anthropic.messages.create": {
        "gen_ai.response.id": (("id",), "string"),
        "gen_ai.response.model": (("model",), "string"),
        "gen_ai.usage.cache_write.input_tokens": (
            ("usage", "cache_creation_input_tokens"),
            "integer",
        ),
        "gen_ai.usage.cache_read.input_tokens": (("usage", "cache_read_input_tokens"), "integer"),
        "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": (
            ("usage", "cache_creation", "ephemeral_5m_input_tokens"),
            "integer",
        ),
        "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": (
            ("usage", "cache_creation", "ephemeral_1h_input_tokens"),
            "integer",
        ),
        "anthropic.response.service_tier": (("usage", "service_tier"), "string"),
        "gen_ai.usage.output_tokens": (("usage", "output_tokens"), "integer"),
        "gen_ai.usage.reasoning.output_tokens": (
            ("usage", "output_tokens_details", "thinking_tokens"),
            "integer",
        ),
        "anthropic.message.stop_reason": (("stop_reason",), "string"),
    },
    "anthropic.messages.count_tokens": {
        "anthropic.message.count_tokens.input_tokens": (("input_tokens",), "integer"),
    },
}
# What a stream ended before its `message_delta` has only as placeholders.
_FINAL_FROM_DELTA = frozenset(
    {
        "anthropic.message.stop_reason",
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.reasoning.output_tokens",
    }
)
_RESPONSE_HEADERS = (
    ("anthropic.request.id", "request-id"),
    ("anthropic.organization.id", "anthropic-organization-id"),
    ("anthropic.workspace.id", "anthropic-workspace-id"),
)
# Query parameters whose value is content: kept out of `url.*` in metadata mode.
_CONTENT_QUERY = frozenset({"email", "path_prefix", "expected_content_sha256"})

# The GenAI semantic conventions' advised bucket boundaries.
_DURATION_BUCKETS = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)
_TOKEN_BUCKETS = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
)  # fmt: skip
_CHUNK_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5)


def route_of(method: str, path: str) -> tuple[str, str, str | None, str | None] | None:
    """The span name, route, id attribute and id of a request to `path` (after `/v1/`)."""
    parts = tuple(path.partition("?")[0].strip("/").split("/"))
    if not parts or parts[0] != "v1":
        return None
    segments = parts[1:]
    found = _ROUTES.get((method, segments))
    if found is not None:
        return (*found, None)
    # One segment is an id: the literal routes above take precedence over it.
    for i in range(1, len(segments)):
        pattern = (*segments[:i], "*", *segments[i + 1 :])
        found = _ROUTES.get((method, pattern))
        if found is not None:
            return (*found, unquote(segments[i]))
    return None


# ------------------------------------------------------------------ per client state


class Telemetry:
    """A client's resolved `open_telemetry` option, with the tracer and the instruments it
    finds on first need (and again when the registered provider changes)."""

    __slots__ = (
        "_env_meter",
        "_env_tracer",
        "_instruments",
        "_instruments_for",
        "_tracer",
        "_tracer_for",
        "options",
        "provider_name",
        "scope",
        "server",
        "version",
    )

    def __init__(
        self,
        options: ResolvedOpenTelemetryOptions,
        origin: str,
        version: str,
        *,
        provider_name: str = "anthropic",
        platform: str | None = None,
    ) -> None:
        self.options = options
        self.version = version
        # `gen_ai.provider.name`, and the tracer's scope: a platform client's (as the
        # official SDK's: "aws.bedrock", and the scope with ".bedrock" after it).
        self.provider_name = provider_name
        self.scope = (
            INSTRUMENTATION_SCOPE if platform is None else f"{INSTRUMENTATION_SCOPE}.{platform}"
        )
        from urllib.parse import urlsplit

        parts = urlsplit(origin)
        self.server: dict[str, AttributeValue] = {
            "server.address": parts.hostname or "",
            "server.port": parts.port or (80 if parts.scheme == "http" else 443),
        }
        # Read once: OpenTelemetry loads these providers by name on first use.
        self._env_tracer = bool(os.environ.get("OTEL_PYTHON_TRACER_PROVIDER"))
        self._env_meter = bool(os.environ.get("OTEL_PYTHON_METER_PROVIDER"))
        self._tracer: Tracer | None = None
        self._tracer_for: object = None
        self._instruments: _Instruments | None = None
        self._instruments_for: object = None

    @property
    def active(self) -> bool:
        """Whether a call might report to anyone: cheap, and imports nothing."""
        options = self.options
        modules = sys.modules
        return (options["traces"]["enabled"] or options["metrics"]["enabled"]) and (
            "tracer_provider" in options
            or "meter_provider" in options["metrics"]
            or "opentelemetry.trace" in modules
            or "opentelemetry.metrics" in modules
            or self._env_tracer
            or self._env_meter
        )

    def tracer(self) -> Tracer | None:
        """The tracer of the given or registered provider; None when there is none."""
        if not self.options["traces"]["enabled"]:
            return None
        provider: Any = self.options.get("tracer_provider")
        try:
            if provider is None:
                if "opentelemetry.trace" not in sys.modules and not self._env_tracer:
                    return None
                from opentelemetry import trace

                provider = trace.get_tracer_provider()
                if isinstance(provider, trace.ProxyTracerProvider):
                    return None  # nothing registered: spans would go nowhere
            if provider is not self._tracer_for:
                self._tracer = provider.get_tracer(self.scope, self.version)
                self._tracer_for = provider
        except Exception:
            return None
        return self._tracer

    def instruments(self) -> _Instruments | None:
        """The histograms of the given or registered meter provider; None without one."""
        metrics_option = self.options["metrics"]
        if not metrics_option["enabled"]:
            return None
        provider: Any = metrics_option.get("meter_provider")
        try:
            if provider is None:
                if "opentelemetry.metrics" not in sys.modules and not self._env_meter:
                    return None
                from opentelemetry import metrics

                provider = metrics.get_meter_provider()
                if type(provider).__name__ == "_ProxyMeterProvider":
                    return None
            if provider is not self._instruments_for:
                meter = provider.get_meter(INSTRUMENTATION_SCOPE, self.version)
                self._instruments = _Instruments(meter)
                self._instruments_for = provider
        except Exception:
            return None
        return self._instruments

    def prepare(
        self,
        method: str,
        path: str,
        query_names: Sequence[str],
        body: bytes | None,
        headers: Sequence[tuple[bytes, bytes]],
    ) -> CallTrace | None:
        """What a call needs to report, or None when it reports to no one. Never raises."""
        try:
            route = route_of(method, path)
            if route is None:
                return None
            tracer = self.tracer()
            instruments = self.instruments() if route[0] == "anthropic.messages.create" else None
            if tracer is None and instruments is None:
                return None
            return CallTrace(self, tracer, instruments, route, method, query_names, body, headers)
        except Exception:
            return None


class _Instruments:
    """The GenAI client histograms, with the conventions' bucket boundaries."""

    __slots__ = ("duration", "time_per_chunk", "time_to_first_chunk", "tokens")

    def __init__(self, meter: Any) -> None:
        def histogram(name: str, unit: str, description: str, buckets: Sequence[float]) -> Any:
            return meter.create_histogram(
                name,
                unit=unit,
                description=description,
                explicit_bucket_boundaries_advisory=list(buckets),
            )

        self.duration: Histogram = histogram(
            "gen_ai.client.operation.duration", "s", "GenAI operation duration.", _DURATION_BUCKETS
        )
        self.tokens: Histogram = histogram(
            "gen_ai.client.token.usage",
            "{token}",
            "Number of input and output tokens used.",
            _TOKEN_BUCKETS,
        )
        self.time_to_first_chunk: Histogram = histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            "s",
            "Time to receive the first chunk of the response stream.",
            _DURATION_BUCKETS,
        )
        self.time_per_chunk: Histogram = histogram(
            "gen_ai.client.operation.time_per_output_chunk",
            "s",
            "Time per output chunk after the first one.",
            _CHUNK_BUCKETS,
        )


# --------------------------------------------------------------------------- one call


class CallTrace:
    """One API call's span and measurements: started at its first attempt, ended once,
    by its result, its failure, or the end of its stream."""

    __slots__ = (
        "_body",
        "_chunk_attributes",
        "_error",
        "_first_chunk",
        "_headers",
        "_instruments",
        "_last_chunk",
        "_method",
        "_names",
        "_query_names",
        "_started",
        "_telemetry",
        "_tracer",
        "attempts",
        "ended",
        "name",
        "saw_delta",
        "saw_stop",
        "span",
        "start_ns",
        "stream",
    )

    def __init__(
        self,
        telemetry: Telemetry,
        tracer: Tracer | None,
        instruments: _Instruments | None,
        route: tuple[str, str, str | None, str | None],
        method: str,
        query_names: Sequence[str],
        body: bytes | None,
        headers: Sequence[tuple[bytes, bytes]],
    ) -> None:
        self._telemetry = telemetry
        self._tracer = tracer
        self._instruments = instruments
        self.name = route[0]
        self._names = route
        self._method = method
        self._query_names = frozenset(query_names)
        self._headers = headers
        decoded: object = None
        if body:
            import msgspec

            try:
                decoded = msgspec.json.decode(body)
            except msgspec.DecodeError:
                decoded = None
        self._body: dict[str, Any] = decoded if isinstance(decoded, dict) else {}
        self.stream = self._body.get("stream") is True
        self.span: Span | None = None
        self.attempts = 0
        self.ended = False
        self.start_ns = 0
        self._started = 0.0
        self._first_chunk: float | None = None
        self._chunk_attributes: dict[str, AttributeValue] = {}
        self._last_chunk = 0.0
        self._error: BaseException | None = None
        self.saw_delta = False
        self.saw_stop = False

    # ------------------------------------------------------------------- attempts

    def attempt(self, origin: str, target: bytes) -> list[tuple[bytes, bytes]]:
        """Count an attempt about to be sent (the first starts the span); the headers that
        carry the span's trace context. Never raises."""
        self.attempts += 1
        if self.attempts == 1:
            self.start_ns = time.time_ns()
            self._started = time.perf_counter()
            try:
                self._start(origin, target)
            except Exception:
                self.span = None
        span = self.span
        if span is None or not self._telemetry.options["propagation"]:
            return []
        return _trace_headers(span)

    def _start(self, origin: str, target: bytes) -> None:
        tracer = self._tracer
        if tracer is None:
            return
        from opentelemetry.trace import SpanKind

        name, route, id_attribute, id_value = self._names
        telemetry = self._telemetry
        body = self._body
        attributes: dict[str, AttributeValue] = {**telemetry.server}
        attributes["gen_ai.provider.name"] = telemetry.provider_name
        if name == "anthropic.messages.create":
            attributes["gen_ai.operation.name"] = "chat"
        for key, (path, kind) in _REQUEST.get(name, {}).items():
            value = _typed(_dig(body, path), kind)
            if value is not None:
                attributes[key] = value
        if name == "anthropic.messages.create":
            betas = _header(self._headers, b"anthropic-beta")
            parts = [p.strip() for p in (betas or "").split(",") if p.strip()]
            if parts:
                attributes["anthropic.beta"] = parts
            if self.stream:
                attributes["gen_ai.request.stream"] = True
        attributes["http.request.method"] = self._method
        attributes["http.route"] = route
        conversation = telemetry.options.get("conversation_id")
        if conversation is not None:
            attributes["gen_ai.conversation.id"] = conversation
        if name == "anthropic.messages.create":
            formats = (_dig(body, ("output_config", "format")), body.get("output_format"))
            if any(_get(f, "type") == "json_schema" for f in formats):
                attributes["gen_ai.output.type"] = "json"
        if name == "anthropic.messages.batches.create" and isinstance(body.get("requests"), list):
            attributes["anthropic.message.batch.request_count"] = len(body["requests"])
        if id_attribute is not None and id_value is not None:
            attributes[id_attribute] = id_value
        span = tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        if not span.is_recording() and not (
            telemetry.options["propagation"] and _trace_headers(span)
        ):
            return
        self.span = span
        if span.is_recording():
            self._set_url(origin, target)

    def _set_url(self, origin: str, target: bytes) -> None:
        span = self.span
        assert span is not None
        path, _, query = target.decode("ascii").partition("?")
        scheme = origin.partition("://")[0]
        span.set_attribute("url.scheme", scheme)
        span.set_attribute("url.path", path)
        kept: list[str] = []
        for pair in query.split("&") if query else ():
            name = unquote(pair.partition("=")[0])
            if name in self._query_names or name.removesuffix("[]") in self._query_names:
                kept.append(pair)
        query = "&".join(kept)
        names = {unquote(p.partition("=")[0]).removesuffix("[]") for p in kept}
        content = self._telemetry.options["traces"]["content_mode"] == "content"
        if names & _CONTENT_QUERY and not content:
            return
        if query:
            span.set_attribute("url.query", query)
        span.set_attribute("url.full", f"{origin}{path}?{query}" if query else f"{origin}{path}")

    # --------------------------------------------------------------------- results

    def done_json(self, status: int, headers: Mapping[str, str], content: bytes) -> None:
        """The call succeeded with the JSON body `content`."""
        import msgspec

        try:
            data: object = msgspec.json.decode(content)
        except msgspec.DecodeError:
            data = None
        self._end(status, headers, data, None)

    def done_head(self, status: int, headers: Mapping[str, str]) -> None:
        """The call succeeded; its body is the application's to read."""
        self._end(status, headers, None, None)

    def fail(self, error: BaseException) -> None:
        """The call failed with `error` (or was cancelled)."""
        if type(error).__name__ == "ShortCircuit":
            self._end(None, None, None, None)  # a middleware answered: the call succeeded
            return
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", None)
        self._end(status, headers, None, error)

    # ---------------------------------------------------------------- the stream

    def watch(self, stream: Any) -> None:
        """Report on `stream` as it is read: the events already in, then each batch."""
        stream._observer = self
        self.events(stream._batch)

    def events(self, batch: Sequence[MessageStreamEvent]) -> None:
        """A batch of events, decoded from one network read, has arrived (called by the
        stream, only when watched). Its content deltas are one output chunk: deltas that
        arrive together have no time between them to measure."""
        chunk = False
        for event in batch:
            kind = event.type
            if kind == "content_block_delta":
                chunk = True
            elif kind == "message_delta":
                self.saw_delta = True
            elif kind == "message_stop":
                self.saw_stop = True
        if not chunk:
            return
        now = time.perf_counter()
        if self._first_chunk is None:
            self._first_chunk = now
            self._chunk_first(now)
        elif self._instruments is not None:
            # One attributes dict for every chunk of the stream (built at the first).
            self._instruments.time_per_chunk.record(now - self._last_chunk, self._chunk_attributes)
        self._last_chunk = now

    def _chunk_first(self, now: float) -> None:
        span = self.span
        if span is not None:
            span.set_attribute(
                "gen_ai.response.time_to_first_chunk", (time.time_ns() - self.start_ns) / 1e9
            )
        if self._instruments is not None:
            self._chunk_attributes = self._metric_attributes(None, None)
            self._instruments.time_to_first_chunk.record(
                now - self._started, self._chunk_attributes
            )

    def failed(self, error: BaseException) -> None:
        """The stream is about to raise `error`."""
        if self._error is None:
            self._error = error

    def closed(self, stream: Any) -> None:
        """The stream was closed: read to its end, failed, or stopped early."""
        if self.ended:
            return
        message: object = None
        snapshot = stream._snapshot_or_none()
        if snapshot is not None:
            import msgspec

            from .types import encode_json

            try:
                message = msgspec.json.decode(encode_json(snapshot))
            except Exception:
                message = None
        # Read to its end: the status is OK only then (closed early, it stays unset).
        self.saw_stop = self.saw_stop and stream._done
        # What the snapshot took in, not what was read off the wire: `message_delta`
        # (the only event that sets a stop reason) gave it its final fields.
        self.saw_delta = _get(message, "stop_reason") is not None
        response = stream.http_response
        self._end(response.status_code, response.headers, message, self._error, streamed=True)

    def __del__(self) -> None:
        # A stream dropped unclosed: end its span, status unset, as one stopped early
        # (its end was never read, even if its `message_stop` was).
        if not self.ended and self.attempts:
            self.saw_stop = False
            self._end(None, None, None, None, streamed=True)

    # ------------------------------------------------------------------- the end

    def _end(
        self,
        status: int | None,
        headers: Mapping[str, str] | None,
        data: object,
        error: BaseException | None,
        *,
        streamed: bool = False,
    ) -> None:
        if self.ended:
            return
        self.ended = True
        try:
            span = self.span
            if span is not None and span.is_recording():
                self._record(span, status, headers, data, error, streamed)
                span.end()
            if self._instruments is not None and self.attempts:
                self._measure(data, error, streamed)
        except Exception:
            pass  # telemetry never fails the call it observes

    def _record(
        self,
        span: Span,
        status: int | None,
        headers: Mapping[str, str] | None,
        data: object,
        error: BaseException | None,
        streamed: bool,
    ) -> None:
        from opentelemetry.trace import Status, StatusCode

        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if self.attempts > 1:
            span.set_attribute("http.request.resend_count", self.attempts - 1)
        if headers is not None:
            for attribute, header in _RESPONSE_HEADERS:
                value = headers.get(header)
                if value:
                    span.set_attribute(attribute, value)
        # A stream that ended before `message_delta` has only placeholders for some.
        complete = not streamed or self.saw_delta
        if data is not None and (error is None or streamed):
            for key, (path, kind) in _RESPONSE.get(self.name, {}).items():
                if not complete and key in _FINAL_FROM_DELTA:
                    continue
                found = _typed(_dig(data, path), kind)
                if found is not None:
                    span.set_attribute(key, found)
            created = _CREATED_ID.get(self.name)
            if created is not None and isinstance(_get(data, "id"), str):
                span.set_attribute(created, _get(data, "id"))
        if self.name == "anthropic.messages.create":
            if data is not None:
                _set_usage_sums(span, data)
            options = self._telemetry.options["traces"]
            if options["content_mode"] == "content":
                output = _get(data, "content") if data is not None else None
                _set_content(span, self._body, output, options["max_content_bytes"])
        if error is not None:
            if isinstance(error, Exception):
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", error_type(error))
        elif not streamed or self.saw_stop:
            span.set_status(Status(StatusCode.OK))

    def _metric_attributes(
        self, data: object, error: BaseException | None
    ) -> dict[str, AttributeValue]:
        attributes: dict[str, AttributeValue] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": self._telemetry.provider_name,
            **self._telemetry.server,
        }
        model = self._body.get("model")
        if isinstance(model, str):
            attributes["gen_ai.request.model"] = model
        response_model = _get(data, "model")
        if isinstance(response_model, str):
            attributes["gen_ai.response.model"] = response_model
        if error is not None and isinstance(error, Exception):
            attributes["error.type"] = error_type(error)
        return attributes

    def _measure(self, data: object, error: BaseException | None, streamed: bool) -> None:
        instruments = self._instruments
        assert instruments is not None
        attributes = self._metric_attributes(data, error)
        instruments.duration.record(time.perf_counter() - self._started, attributes)
        usage = _get(data, "usage")
        input_tokens = _get(usage, "input_tokens")
        if isinstance(input_tokens, int):
            cached = _tokens(usage, "cache_read_input_tokens") + _tokens(
                usage, "cache_creation_input_tokens"
            )
            instruments.tokens.record(
                input_tokens + cached, {**attributes, "gen_ai.token.type": "input"}
            )
        output_tokens = _get(usage, "output_tokens")
        if isinstance(output_tokens, int) and (not streamed or self.saw_delta):
            instruments.tokens.record(output_tokens, {**attributes, "gen_ai.token.type": "output"})


def error_type(error: BaseException) -> str:
    """`error.type`: the API's error type, else the status, else what failed."""
    from ._errors import APIConnectionError, APIStatusError, APITimeoutError, IncompleteStreamError

    if isinstance(error, IncompleteStreamError):
        return "api_error"  # the server cut the stream short, as the official SDK names it
    if isinstance(error, APITimeoutError):
        return "client_timeout_error"
    if isinstance(error, APIConnectionError):
        return "connection_error"
    if isinstance(error, APIStatusError):
        if error.type:
            return str(error.type)
        if error.status_code >= 400:
            return str(error.status_code)
    return "client_error"


def _trace_headers(span: Span) -> list[tuple[bytes, bytes]]:
    """The headers the registered propagator writes for `span`; none if it fails."""
    try:
        from opentelemetry import propagate, trace

        carrier: dict[str, str] = {}
        propagate.inject(carrier, context=trace.set_span_in_context(span))
    except Exception:
        return []
    return [
        (key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in carrier.items()
    ]


def _header(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> str | None:
    value = None
    for key, item in headers:
        if key.lower() == name:
            value = item.decode("latin-1")
    return value


# ------------------------------------------------------------------- reading bodies


def _get(value: object, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _dig(value: object, path: Sequence[str]) -> object:
    for name in path:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def _typed(value: object, kind: str) -> AttributeValue | None:
    """`value` if it has the JSON type `kind`; anything else sets no attribute."""
    if isinstance(value, bool):
        return None
    if kind == "string":
        return value if isinstance(value, str) else None
    if kind == "integer":
        return value if isinstance(value, int) else None
    return None


def _tokens(usage: object, field: str) -> int:
    count = _get(usage, field)
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


def _set_usage_sums(span: Span, message: object) -> None:
    """`gen_ai.usage.input_tokens` counts the cached tokens too; the compaction sums."""
    usage = _get(message, "usage")
    input_tokens = _get(usage, "input_tokens")
    if isinstance(input_tokens, int) and not isinstance(input_tokens, bool):
        cached = _tokens(usage, "cache_read_input_tokens") + _tokens(
            usage, "cache_creation_input_tokens"
        )
        span.set_attribute("gen_ai.usage.input_tokens", input_tokens + cached)
    iterations = _get(usage, "iterations")
    compactions = [
        entry
        for entry in (iterations if isinstance(iterations, list) else [])
        if _get(entry, "type") == "compaction"
    ]
    if compactions:
        span.set_attribute(
            "anthropic.usage.compaction.input_tokens",
            sum(
                _tokens(e, "input_tokens")
                + _tokens(e, "cache_read_input_tokens")
                + _tokens(e, "cache_creation_input_tokens")
                for e in compactions
            ),
        )
        span.set_attribute(
            "anthropic.usage.compaction.output_tokens",
            sum(_tokens(e, "output_tokens") for e in compactions),
        )


# ------------------------------------------------------------------------ content

_Part = dict[str, Any]


def _json(value: object) -> str:
    import msgspec

    return msgspec.json.encode(value, enc_hook=str).decode()


def _size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def content_parts(content: object) -> list[_Part]:
    """The GenAI "parts" of message content: a string or a list of content blocks."""
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    if isinstance(content, list):
        return [_block_part(block) for block in content]
    return []


def _block_part(block: object) -> _Part:
    kind = _get(block, "type")
    if kind == "text":
        return {"type": "text", "content": _get(block, "text")}
    if kind == "thinking":
        return {"type": "reasoning", "content": _get(block, "thinking")}
    if kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        part: _Part = {
            "type": "tool_call",
            "id": _get(block, "id"),
            "name": _get(block, "name"),
            "arguments": _get(block, "input"),
        }
        if kind == "mcp_tool_use":
            part["anthropic_mcp_server_name"] = _get(block, "server_name")
        elif kind == "tool_use" and isinstance(_get(block, "toolset_name"), str):
            part["anthropic_toolset_name"] = _get(block, "toolset_name")
        return part
    if kind == "tool_result":
        return {
            "type": "tool_call_response",
            "id": _get(block, "tool_use_id"),
            "response": _result_blocks(_get(block, "content"), ("text", "search_result")),
        }
    if isinstance(kind, str) and kind.endswith("_tool_result"):
        content = _get(block, "content")
        response: object = (
            _without_data(content)
            if isinstance(content, dict)
            else _result_blocks(content, ("text", "search_result", "web_search_result"))
        )
        return {
            "type": "tool_call_response",
            "id": _get(block, "tool_use_id"),
            "response": response,
        }
    return {"type": f"anthropic_{kind}" if isinstance(kind, str) else "anthropic_unknown"}


def _result_blocks(content: object, kept: tuple[str, ...]) -> list[object]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        return []
    blocks: list[object] = []
    for block in content:
        kind = _get(block, "type")
        if kind in kept:
            blocks.append(_without_data(block))
        else:
            blocks.append({"type": kind if isinstance(kind, str) else "unknown"})
    return blocks


def _without_data(value: object) -> object:
    """`value` without `encrypted_*` fields and without image or document data."""
    if isinstance(value, list):
        return [_without_data(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("type") in ("image", "document"):
        return {"type": value["type"]}
    file_data = value.get("type") == "text_editor_code_execution_view_result" and value.get(
        "file_type"
    ) in ("image", "pdf")
    return {
        key: _without_data(item)
        for key, item in value.items()
        if not key.startswith("encrypted_") and not (key == "content" and file_data)
    }


def _set_content(span: Span, body: Mapping[str, Any], output: object, limit: int) -> None:
    """The content attributes of a `messages.create` span, within `limit` bytes."""
    messages = body.get("messages")
    inputs = [
        (str(_get(m, "role") or "user"), content_parts(_get(m, "content")))
        for m in (messages if isinstance(messages, list) else [])
    ]
    system = body.get("system")
    groups: list[tuple[str, list[tuple[str | None, list[_Part]]]]] = []
    if system is not None:
        groups.append(("gen_ai.system_instructions", [(None, content_parts(system))]))
    groups.append(("gen_ai.input.messages", list(inputs)))
    if output is not None:
        groups.append(("gen_ai.output.messages", [("assistant", content_parts(output))]))
    stops = body.get("stop_sequences")
    stop_list = [s for s in stops if isinstance(s, str)] if isinstance(stops, list) else []
    stops_size = sum(map(_size, stop_list))
    stops_removed = bool(stop_list) and stops_size > limit
    if stop_list and not stops_removed:
        span.set_attribute("gen_ai.request.stop_sequences", stop_list)
    values, truncated = fit_content(groups, limit if stops_removed else limit - stops_size)
    for key, value in values.items():
        span.set_attribute(key, value)
    if truncated or stops_removed:
        span.set_attribute("anthropic.content.truncated", True)


def fit_content(
    groups: Sequence[tuple[str, Sequence[tuple[str | None, Sequence[_Part]]]]], limit: int
) -> tuple[dict[str, str], bool]:
    """Each attribute's JSON within `limit` UTF-8 bytes in total, and whether any content
    was dropped. Parts are dropped oldest first (system, then input, then output): the
    newest that fit are kept whole, and when not even the newest fits whole, a text part
    keeps the start of its text that does. What is kept of emptied messages can exceed
    `limit` by itself."""
    # Every list of parts, in order, with the JSON around it.
    lists: list[Sequence[_Part]] = []
    skeleton = 0
    for _, messages in groups:
        skeleton += 2 + max(len(messages) - 1, 0)  # [ ] and the commas
        for role, parts in messages:
            lists.append(parts)
            if role is not None:
                skeleton += _size(_json({"role": role, "parts": []}))
    total = skeleton
    kept: list[list[str]] = [[] for _ in lists]
    flat = [(index, part) for index, parts in enumerate(lists) for part in parts]
    truncated = False
    while flat:
        index, part = flat.pop()
        item = _json(part)
        cost = _size(item) + (1 if kept[index] else 0)
        if total + cost <= limit:
            kept[index].append(item)
            total += cost
            continue
        truncated = True
        text = part.get("content")
        if not any(kept) and part.get("type") == "text" and isinstance(text, str):
            room = limit - total
            low, high = 0, len(text)
            while low < high:  # the longest start of the text whose part fits
                middle = (low + high + 1) // 2
                if _size(_json({**part, "content": text[:middle]})) <= room:
                    low = middle
                else:
                    high = middle - 1
            kept[index].append(_json({**part, "content": text[:low]}))
        break
    values: dict[str, str] = {}
    lists_of = iter(kept)
    for key, messages in groups:
        items: list[str] = []
        for role, _ in messages:
            joined = ",".join(reversed(next(lists_of)))
            if role is None:
                items.append(joined)
            else:
                items.append(f'{{"role":{_json(role)},"parts":[{joined}]}}')
        values[key] = f"[{','.join(items)}]"
    return values, truncated


def in_caller_context(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func`, to run in the blocking client's loop thread with the OpenTelemetry context
    of the thread calling this (its current span the parent of the call's span)."""
    import inspect

    from opentelemetry import context

    captured = context.get_current()

    async def run(*args: Any) -> Any:
        token = context.attach(captured)
        try:
            result = func(*args)
            if inspect.isawaitable(result):
                result = await result
            return result
        finally:
            context.detach(token)

    return run


# ------------------------------------------------------------------ the tool runner


class ToolRun:
    """What one tool run gave the model (`result`), for the run's span."""

    __slots__ = ("result",)

    def __init__(self) -> None:
        self.result: Mapping[str, Any] | None = None


class RunnerTrace:
    """The `anthropic.messages.tool_runner` span of one run of the tool runner (an
    `INTERNAL` span, as the official SDK's), current while the runner's own code runs, and
    the spans of its tool runs. Without a tracer it does nothing. Never raises."""

    __slots__ = ("_span", "_telemetry", "_tracer")

    def __init__(self, telemetry: Telemetry | None, params: Mapping[str, Any]) -> None:
        self._telemetry = telemetry
        self._tracer = telemetry.tracer() if telemetry is not None and telemetry.active else None
        self._span: Span | None = None
        if self._tracer is None or telemetry is None:
            return
        try:
            from opentelemetry.trace import SpanKind

            attributes: dict[str, AttributeValue] = {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.provider.name": telemetry.provider_name,
            }
            if isinstance(params.get("model"), str):
                attributes["gen_ai.request.model"] = params["model"]
            conversation = telemetry.options.get("conversation_id")
            if conversation is not None:
                attributes["gen_ai.conversation.id"] = conversation
            output_format = _get(params.get("output_config"), "format")
            if _get(output_format, "type") == "json_schema" or isinstance(
                params.get("output_format"), type
            ):
                attributes["gen_ai.output.type"] = "json"
            self._span = self._tracer.start_span(
                "anthropic.messages.tool_runner", kind=SpanKind.INTERNAL, attributes=attributes
            )
        except Exception:
            self._span = None

    def current(self) -> _Current:
        """The runner's span made current for a block (its requests' spans its children)."""
        return _Current(self._span)

    def end(self, error: BaseException | None, *, finished: bool) -> None:
        """End the span: `OK` when the loop `finished`, `ERROR` for an `Exception`, unset
        when it was closed early or cancelled."""
        span, self._span = self._span, None
        if span is None:
            return
        try:
            from opentelemetry.trace import Status, StatusCode

            if isinstance(error, Exception):
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", error_type(error))
            elif error is None and finished:
                span.set_status(Status(StatusCode.OK))
            span.end()
        except Exception:
            pass

    def tool(self, tool: object, tool_use: Any) -> _ToolSpan:
        """The span of one run of `tool` for the `tool_use` block: set `result` on what
        the block yields."""
        return _ToolSpan(self, tool, tool_use)


class _Current:
    __slots__ = ("_span", "_token")

    def __init__(self, span: Span | None) -> None:
        self._span = span
        self._token: object = None

    def __enter__(self) -> None:
        if self._span is not None:
            from opentelemetry import context, trace

            self._token = context.attach(trace.set_span_in_context(self._span))

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            from opentelemetry import context

            context.detach(self._token)  # type: ignore[arg-type]
            self._token = None


class _ToolSpan:
    """`anthropic.custom_tool_use <name>` (or `anthropic.mcp_tool_use <name>`), ended with
    the run's result: `ERROR` with `tool_error` for an error result, unset without one."""

    __slots__ = ("_current", "_run", "_runner", "_span", "_tool", "_use")

    def __init__(self, runner: RunnerTrace, tool: object, tool_use: Any) -> None:
        self._runner = runner
        self._tool = tool
        self._use = tool_use
        self._run = ToolRun()
        self._span: Span | None = None
        self._current = _Current(None)

    def __enter__(self) -> ToolRun:
        tracer = self._runner._tracer
        telemetry = self._runner._telemetry
        if tracer is None or telemetry is None:
            return self._run
        try:
            from opentelemetry.trace import SpanKind

            use = self._use
            name = use.name if isinstance(use.name, str) else ""
            mcp = (
                type(self._tool).__name__.lower().startswith("mcp")
                or "mcp" in type(self._tool).__module__.rpartition(".")[2]
            )
            operation = "anthropic.mcp_tool_use" if mcp else "anthropic.custom_tool_use"
            attributes: dict[str, AttributeValue] = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.provider.name": telemetry.provider_name,
                "gen_ai.tool.name": name,
                "gen_ai.tool.call.id": use.id,
                "gen_ai.tool.type": "function",
            }
            toolset = getattr(use, "toolset_name", None)
            if isinstance(toolset, str):
                attributes["anthropic.toolset.name"] = toolset
            description = _tool_description(self._tool)
            if description:
                attributes["gen_ai.tool.description"] = description
            conversation = telemetry.options.get("conversation_id")
            if conversation is not None:
                attributes["gen_ai.conversation.id"] = conversation
            self._span = tracer.start_span(
                f"{operation} {name}" if name else operation,
                kind=SpanKind.INTERNAL,
                attributes=attributes,
            )
            self._current = _Current(self._span)
            self._current.__enter__()
        except Exception:
            self._span = None
        return self._run

    def __exit__(self, *exc_info: object) -> None:
        self._current.__exit__()
        span, self._span = self._span, None
        telemetry = self._runner._telemetry
        if span is None or telemetry is None:
            return
        try:
            from opentelemetry.trace import Status, StatusCode

            result = self._run.result
            traces = telemetry.options["traces"]
            if traces["content_mode"] == "content" and span.is_recording():
                blocks = (
                    None
                    if result is None
                    else _result_blocks(result.get("content"), ("text", "search_result"))
                )
                values, truncated = fit_tool_content(
                    _json(self._use.input), blocks, traces["max_content_bytes"]
                )
                for key, value in values.items():
                    span.set_attribute(key, value)
                if truncated:
                    span.set_attribute("anthropic.content.truncated", True)
            if result is not None and result.get("is_error") is True:
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", "tool_error")
            elif result is not None:
                span.set_status(Status(StatusCode.OK))
            span.end()
        except Exception:
            pass


def fit_tool_content(
    arguments: str, blocks: list[object] | None, limit: int
) -> tuple[dict[str, str], bool]:
    """A tool run's content attributes within `limit` UTF-8 bytes in total, and whether
    any content was left out, as the official SDK fits them: arguments over `limit` by
    themselves are left out whole, then the result loses whole blocks, last first."""
    values: dict[str, str] = {}
    arguments_removed = _size(arguments) > limit
    if not arguments_removed:
        values["gen_ai.tool.call.arguments"] = arguments
    if blocks is None:
        return values, arguments_removed
    result = _json(blocks)
    others = sum(map(_size, values.values()))
    if others + _size(result) <= limit:
        values["anthropic.tool_result.content"] = result
        return values, arguments_removed
    kept: list[str] = []
    total = 2  # the brackets
    for block in blocks:
        item = _json(block)
        total += _size(item) + (1 if kept else 0)
        if others + total > limit:
            break
        kept.append(item)
    values["anthropic.tool_result.content"] = f"[{','.join(kept)}]"
    return values, arguments_removed or len(kept) < len(blocks)


def _tool_description(tool: object) -> str | None:
    to_dict = getattr(tool, "to_dict", None)
    try:
        description = to_dict().get("description") if callable(to_dict) else None
    except Exception:
        return None
    return description if isinstance(description, str) and description else None
