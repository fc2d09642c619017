"""The streaming half of `BetaRefusalFallbackMiddleware`: a refused stream continued by the
fallback chain's streams, read as one message in the server-side `fallbacks` wire shape, as
the official SDK's middleware splices it.

`SplicedStream` stands in for the transport response of the first hop: its body passes the
first stream's events through until a refusal that can be chained (an entry is left, and
the refusal minted a `fallback_credit_token` or came before any output), then sends the
next entry's request (the original body patched by the entry, the credit token, and the
refused partial output as a trailing assistant turn when the refusal allows a prefill) and
goes on with that stream: a `fallback` block at each model boundary, block indices rising
across hops, one `message_start`, and per-hop `usage.iterations` on the final
`message_delta`. A refusal before any output leaves nothing on the wire: the serving hop's
`message_start` opens it, carrying the first hop's message id. When every remaining entry
fails over HTTP, the held-back refusal is replayed with `recommended_model` set.

Hops are sent while the caller reads the stream; closing the stream (or cancelling its
read) closes whichever response is being read, so no connection outlives it.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from ..._transport._reply import StandIn
from ...sse import ServerSentEvent, SSEDecoder
from . import _apply_hop, _seam_block, log

if TYPE_CHECKING:
    from ..._middleware import APIRequest
    from ..._response import AsyncAPIResponse
    from ..._transport import Response

__all__ = ("SplicedStream",)

_CAPACITY_ERROR_STATUSES = (429, 529)

SendHop = Callable[
    ["APIRequest", dict[str, Any]], Awaitable[tuple["AsyncAPIResponse[Any]", dict[str, Any]]]
]
"""Sends one hop's request; returns its response and the entry later resends build on."""


# ---------------------------------------------------------------------------- frames


def _frame(event_type: str, payload: dict[str, Any]) -> bytes:
    return b"event: " + event_type.encode() + b"\ndata: " + msgspec.json.encode(payload) + b"\n\n"


def _passthrough(sse: ServerSentEvent) -> bytes:
    lines = [f"event: {sse.event}"] if sse.event != "message" else []
    lines += [f"data: {line}" for line in sse.data.split("\n")]
    return ("\n".join(lines) + "\n\n").encode()


def _as_dict(value: object) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _decode(data: str) -> dict[str, Any] | None:
    try:
        return _as_dict(msgspec.json.decode(data))
    except msgspec.DecodeError:
        return None


# ----------------------------------------------------------------------- one hop


class _Refusal:
    """A refusal the chain goes on from; `event` is its held-back `message_delta`."""

    __slots__ = ("category", "event", "has_prefill_claim", "start_message", "token", "usage")

    def __init__(
        self,
        token: str | None,
        category: str | None,
        has_prefill_claim: bool,
        usage: dict[str, Any],
        event: dict[str, Any],
        start_message: dict[str, Any] | None,
    ) -> None:
        self.token = token
        self.category = category
        self.has_prefill_claim = has_prefill_claim
        self.usage = usage
        self.event = event
        # A spliced hop's `message` from the `message_start` not re-sent (the wire was
        # open): its `input_transformations` go onto the `message_delta` sent instead.
        self.start_message = start_message


class _Outcome:
    """How a hop's stream ended in a refusal the chain goes on from."""

    __slots__ = ("blocks", "last_fallback_to", "next_index", "opened", "refused", "start_event")

    def __init__(
        self,
        refused: _Refusal,
        start_event: dict[str, Any] | None,
        blocks: list[dict[str, Any]],
        next_index: int,
        opened: bool,
        last_fallback_to: str | None,
    ) -> None:
        self.refused = refused
        self.start_event = start_event
        self.blocks = blocks
        self.next_index = next_index
        self.opened = opened
        # `to.model` of the last `fallback` block in the stream (a server-stitched one).
        self.last_fallback_to = last_fallback_to


class _Blocks:
    """One hop's content blocks: accumulated from their deltas (for the prefill), their
    indices shifted by `base` to keep rising across hops, the open ones tracked so that a
    refusal cutting a block short can close it."""

    __slots__ = ("_base", "_blocks", "_open", "next_index")

    def __init__(self, base: int) -> None:
        self._base = base
        self.next_index = base
        self._blocks: list[tuple[int, dict[str, Any]]] = []
        self._open: list[int] = []

    def content(self) -> list[dict[str, Any]]:
        return [block for _, block in self._blocks]

    def start(self, event: dict[str, Any]) -> None:
        index = event.get("index")
        if not isinstance(index, int):
            return
        self._blocks.append((index, dict(_as_dict(event.get("content_block")) or {})))
        shifted = event["index"] = index + self._base
        self._open.append(shifted)
        self.next_index = max(self.next_index, shifted + 1)

    def delta(self, event: dict[str, Any]) -> None:
        index = event.get("index")
        if not isinstance(index, int):
            return
        delta = _as_dict(event.get("delta"))
        block = next((b for i, b in self._blocks if i == index), None)
        if delta is not None and block is not None:
            _accumulate(block, delta)
        event["index"] = index + self._base

    def stop(self, event: dict[str, Any]) -> None:
        index = event.get("index")
        if not isinstance(index, int):
            return
        shifted = event["index"] = index + self._base
        if shifted in self._open:
            self._open.remove(shifted)
        self.next_index = max(self.next_index, shifted + 1)

    def close_open(self) -> list[bytes]:
        frames = [
            _frame("content_block_stop", {"type": "content_block_stop", "index": index})
            for index in self._open
        ]
        self._open.clear()
        return frames


def _accumulate(block: dict[str, Any], delta: dict[str, Any]) -> None:
    kind = delta.get("type")
    if kind == "text_delta":
        block["text"] = str(block.get("text") or "") + str(delta.get("text") or "")
    elif kind == "input_json_delta":
        partial = str(block.get("_partial_json") or "") + str(delta.get("partial_json") or "")
        block["_partial_json"] = partial
    elif kind == "citations_delta":
        citations = block.get("citations")
        if not isinstance(citations, list):
            citations = block["citations"] = []
        citations.append(delta.get("citation"))
    elif kind == "thinking_delta":
        block["thinking"] = str(block.get("thinking") or "") + str(delta.get("thinking") or "")
    elif kind == "signature_delta":
        block["signature"] = delta.get("signature")


class _HopReader:
    """Turns one hop's events into the frames the caller reads.

    Events are held back until the hop produces output (a content block or its final
    `message_delta`), so a refusal before any output leaves no trace. On opening, the first
    hop's held `message_start` goes out as it came; a spliced hop's is dropped when the
    wire is open already, or sent with the first hop's id when it opens the wire; the
    queued `fallback` blocks follow. A spliced hop's block indices are shifted and its final
    `message_delta` carries the chain's `usage.iterations`. A refusal the chain can go on
    from closes the open blocks, drops the hop's `message_delta`/`message_stop`, and sets
    `outcome`.
    """

    __slots__ = (
        "_blocks",
        "_has_next",
        "_held",
        "_held_start",
        "_iterations",
        "_last_fallback_to",
        "_opened",
        "_primary_id",
        "_seams",
        "_start_event",
        "_start_usage",
        "_wire_open",
        "outcome",
    )

    def __init__(
        self,
        *,
        base: int,
        has_next: bool,
        splice: tuple[list[dict[str, Any]], str] | None,
        wire_open: bool,
        primary_id: str | None,
        seams: list[bytes],
    ) -> None:
        self._blocks = _Blocks(base)
        self._has_next = has_next
        # For a spliced hop: the chain's iterations so far and the hop's model.
        self._iterations = splice
        self._wire_open = wire_open
        self._primary_id = primary_id
        self._seams = seams
        self._start_usage: dict[str, Any] | None = None
        self._start_event: dict[str, Any] | None = None
        self._held_start: ServerSentEvent | None = None
        self._held: list[ServerSentEvent] = []
        self._opened = False
        self._last_fallback_to: str | None = None
        self.outcome: _Outcome | None = None

    def feed(self, sse: ServerSentEvent) -> list[bytes]:
        """The frames to send for one event."""
        event = _decode(sse.data)
        kind = event.get("type") if event is not None else None
        if event is None or kind is None:
            pass
        elif kind == "message_start":
            message = _as_dict(event.get("message"))
            if message is not None:
                self._start_usage = _as_dict(message.get("usage"))
            self._start_event = event
            self._held_start = sse
            return []
        elif kind in ("content_block_start", "content_block_delta", "content_block_stop"):
            frames = self._open()
            if kind == "content_block_start":
                block = _as_dict(event.get("content_block")) or {}
                to_model = (_as_dict(block.get("to")) or {}).get("model")
                if block.get("type") == "fallback" and isinstance(to_model, str):
                    self._last_fallback_to = to_model
                self._blocks.start(event)
            elif kind == "content_block_delta":
                self._blocks.delta(event)
            else:
                self._blocks.stop(event)
            frames.append(_passthrough(sse) if self._iterations is None else _frame(kind, event))
            return frames
        elif kind == "message_delta":
            return self._message_delta(sse, event)
        if not self._opened:
            self._held.append(sse)  # a ping, an error, an unknown event: until the wire opens
            return []
        return [_passthrough(sse)]

    def _message_delta(self, sse: ServerSentEvent, event: dict[str, Any]) -> list[bytes]:
        delta = _as_dict(event.get("delta")) or {}
        refused = delta.get("stop_reason") == "refusal"
        if refused:
            details = _as_dict(delta.get("stop_details"))
            if details is not None and details.get("type") != "refusal":
                details = None
            token = details.get("fallback_credit_token") if details is not None else None
            token = token if isinstance(token, str) and token else None
            before_output = not self._opened and not self._blocks.content()
            # A refusal mid-stream goes on only with a credit token; one before any output
            # goes on without one too, as nothing was shown.
            if self._has_next and (token is not None or before_output):
                frames = self._blocks.close_open()
                self._held_start = None
                self._held.clear()
                category = details.get("category") if details is not None else None
                self.outcome = _Outcome(
                    _Refusal(
                        token,
                        category if isinstance(category, str) else None,
                        details is not None and details.get("fallback_has_prefill_claim") is True,
                        _backfill(_as_dict(event.get("usage")), self._start_usage),
                        event,
                        self._unsent_start_message(),
                    ),
                    self._start_event,
                    self._blocks.content(),
                    self._blocks.next_index,
                    self._opened,
                    self._last_fallback_to,
                )
                return frames
            log.error(
                "BetaRefusalFallbackMiddleware: %s; passing the refusal on",
                "no fallback entries remain"
                if token
                else "the refusal has no fallback_credit_token",
            )
        frames = self._open()
        if self._iterations is None:
            frames.append(_passthrough(sse))
            return frames
        iterations, model = self._iterations
        if refused:
            details = _as_dict(delta.get("stop_details"))
            if details is not None:
                details.setdefault("recommended_model", None)
        # The chain's iterations replace the hop's own report, which does not know it
        # served a chain; its own entry becomes the chain's `fallback_message`.
        usage = _as_dict(event.get("usage")) or {}
        usage["iterations"] = [*iterations, _serving_entry(usage, model)]
        event["usage"] = usage
        _forward_input_transformations(event, self._unsent_start_message())
        frames.append(_frame("message_delta", event))
        return frames

    def _unsent_start_message(self) -> dict[str, Any] | None:
        if self._iterations is None or not self._wire_open or self._start_event is None:
            return None
        return _as_dict(self._start_event.get("message"))

    def _open(self) -> list[bytes]:
        if self._opened:
            return []
        self._opened = True
        frames: list[bytes] = []
        if self._iterations is None:
            if self._held_start is not None:
                frames.append(_passthrough(self._held_start))
        elif not self._wire_open and self._start_event is not None:
            frames.append(_frame("message_start", _with_id(self._start_event, self._primary_id)))
        frames += self._seams
        frames += [_passthrough(held) for held in self._held]
        self._held_start = None
        self._held.clear()
        return frames

    def finish(self) -> list[bytes]:
        """The frames still owed at the end of a hop's stream that did not refuse (one that
        did is never read to its end)."""
        return self._open()


def _with_id(start_event: dict[str, Any], message_id: str | None) -> dict[str, Any]:
    event = copy.deepcopy(start_event)
    message = _as_dict(event.get("message"))
    if message is not None and message_id is not None:
        message["id"] = message_id
    return event


def _forward_input_transformations(
    event: dict[str, Any], start_message: dict[str, Any] | None
) -> None:
    if start_message is not None and "input_transformations" not in event:
        if "input_transformations" in start_message:
            event["input_transformations"] = copy.deepcopy(start_message["input_transformations"])


def _backfill(usage: dict[str, Any] | None, start: dict[str, Any] | None) -> dict[str, Any]:
    """`usage` with its missing or null fields taken from `start`."""
    start = start or {}
    merged = {**start, **(usage or {})}
    for key, value in merged.items():
        if value is None and start.get(key) is not None:
            merged[key] = start[key]
    return merged


def _iteration(kind: str, model: str, usage: dict[str, Any] | None) -> dict[str, Any]:
    usage = usage or {}
    return {
        "type": kind,
        "model": model,
        "input_tokens": usage.get("input_tokens") or 0,
        "output_tokens": usage.get("output_tokens") or 0,
        "cache_read_input_tokens": usage.get("cache_read_input_tokens") or 0,
        "cache_creation_input_tokens": usage.get("cache_creation_input_tokens") or 0,
        "cache_creation": usage.get("cache_creation"),
    }


def _declined_entries(refusal: _Refusal, model: str) -> list[dict[str, Any]]:
    """The `usage.iterations` entries of a hop that refused: its own report retyped as
    `message` (one entry named for `model` when it names none), or one built from its
    usage."""
    reported = refusal.usage.get("iterations")
    if isinstance(reported, list):
        entries = [{**entry, "type": "message"} for entry in reported if isinstance(entry, dict)]
        if entries:
            if len(entries) == 1 and not isinstance(entries[0].get("model"), str):
                entries[0]["model"] = model
            return entries
    return [_iteration("message", model, refusal.usage)]


def _serving_entry(usage: dict[str, Any], model: str) -> dict[str, Any]:
    reported = usage.get("iterations")
    if isinstance(reported, list) and reported and isinstance(reported[-1], dict):
        last = reported[-1]
        return {**last, "type": "fallback_message", "model": last.get("model") or model}
    return _iteration("fallback_message", model, usage)


def _prefill(blocks: list[dict[str, Any]]) -> list[Any]:
    """A refused hop's output as the assistant turn the next hop continues: without
    `fallback` blocks, tool inputs rebuilt from their JSON deltas, and no trailing thinking
    (an assistant turn cannot end with one)."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") == "fallback":
            continue
        partial = block.get("_partial_json")
        if isinstance(partial, str):
            block = {key: value for key, value in block.items() if key != "_partial_json"}
            parsed = _decode(partial)
            block["input"] = parsed if parsed is not None else block.get("input")
        out.append(block)
    while out and out[-1].get("type") in ("thinking", "redacted_thinking"):
        out.pop()
    return out


# ---------------------------------------------------------------------- the chain


class _Chain:
    """What the hops of one spliced stream share."""

    def __init__(self, body: dict[str, Any], initial_model: str, outcome: _Outcome) -> None:
        refused = outcome.refused
        self._body = body
        self._seams: list[bytes] = []
        self.next_index = outcome.next_index
        self.wire_open = outcome.opened
        start = _as_dict((outcome.start_event or {}).get("message")) or {}
        start_id = start.get("id")
        self.primary_id = start_id if isinstance(start_id, str) else None
        self.token = refused.token
        self.base: list[Any] = []
        self.partial = _prefill(outcome.blocks) if refused.has_prefill_claim else []
        # A server-stitched stream hands off from its last decliner; a plain one from the
        # model the caller asked for.
        self.from_model = outcome.last_fallback_to or initial_model
        self.last_refusal = refused
        self.last_start_event = outcome.start_event
        self.iterations = _declined_entries(refused, initial_model)

    def continuation(self) -> list[Any]:
        return [*self.base, *self.partial]

    def hop_body(self, entry: dict[str, Any], continuation: list[Any]) -> dict[str, Any]:
        body = {k: v for k, v in _apply_hop(self._body, entry).items() if k != "fallbacks"}
        if self.token is not None:
            body["fallback_credit_token"] = {"token": self.token, "mode": "best_effort"}
        if continuation:
            messages = body.get("messages")
            body["messages"] = [
                *(messages if isinstance(messages, list) else []),
                {"role": "assistant", "content": continuation},
            ]
        return body

    def queue_seam(self, to_model: str) -> None:
        """A `fallback` block for the hop reached, sent once output reaches the wire."""
        index = self.next_index
        self.next_index += 1
        block = _seam_block(self.from_model, to_model, self.last_refusal.category)
        self._seams += [
            _frame(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            ),
            _frame("content_block_stop", {"type": "content_block_stop", "index": index}),
        ]
        self.from_model = to_model

    def pending_seams(self) -> list[bytes]:
        return list(self._seams)

    def opened(self) -> None:
        self.wire_open = True
        self._seams.clear()

    def absorb(self, outcome: _Outcome, model: str, continuation: list[Any]) -> None:
        """Go on from a hop that refused too."""
        refused = outcome.refused
        self.token = refused.token
        self.base = continuation
        self.partial = _prefill(outcome.blocks) if refused.has_prefill_claim else []
        self.iterations += _declined_entries(refused, model)
        self.last_refusal = refused
        if outcome.start_event is not None:
            self.last_start_event = outcome.start_event
        self.next_index = outcome.next_index

    def failed_frames(self, model: str, status: int | None) -> list[bytes]:
        """Every entry left failed over HTTP: the held-back refusal, `recommended_model`
        the failed model for a capacity error and null otherwise."""
        frames: list[bytes] = []
        if not self.wire_open and self.last_start_event is not None:
            frames.append(_frame("message_start", _with_id(self.last_start_event, self.primary_id)))
        frames += self._seams
        event = copy.deepcopy(self.last_refusal.event)
        details = _as_dict((_as_dict(event.get("delta")) or {}).get("stop_details"))
        if details is not None:
            details["recommended_model"] = model if status in _CAPACITY_ERROR_STATUSES else None
        usage = _as_dict(event.get("usage")) or {}
        usage["iterations"] = copy.deepcopy(self.iterations)
        event["usage"] = usage
        _forward_input_transformations(event, self.last_refusal.start_message)
        frames.append(_frame("message_delta", event))
        frames.append(_frame("message_stop", {"type": "message_stop"}))
        return frames


# ------------------------------------------------------------------ the response


class SplicedStream(StandIn):
    """A transport response (as the stream readers use one) whose body is the spliced
    stream: the first hop's response, `held` until this closes, then each fallback's."""

    def __init__(
        self,
        *,
        request: APIRequest,
        body: dict[str, Any],
        initial_model: str,
        first: AsyncAPIResponse[Any],
        fallbacks: Sequence[dict[str, Any]],
        first_hop: int,
        send: SendHop,
        pin: Callable[[int], None],
    ) -> None:
        source = first._response
        super().__init__(source)
        self.held: tuple[Response, ...] = (source,)
        self._made: list[Response] = []
        self._request = request
        self._body = body
        self._initial_model = initial_model
        self._fallbacks = fallbacks
        self._next_hop = first_hop
        self._send = send
        self._pin = pin
        self._current: Response | None = source
        self._decoder = SSEDecoder()
        self._reader = _HopReader(
            base=0, has_next=True, splice=None, wire_open=False, primary_id=None, seams=[]
        )
        self._chain: _Chain | None = None
        self._hop_model = initial_model
        self._continuation: list[Any] = []
        self._done = False

    async def next_chunk(self, deadline: float | None = None) -> bytes | None:
        """The next frames of the spliced stream, or None at its end; raises what reading
        the current hop's response raises."""
        while not self._done:
            current = self._current
            if current is None:
                frames = await self._start_hop()
            else:
                chunk = await current.next_chunk(deadline)
                frames = []
                if chunk is None:
                    frames = self._reader.finish()
                    self._done = True
                else:
                    for sse in self._decoder.feed(chunk):
                        frames += self._reader.feed(sse)
                        if self._reader.outcome is not None:
                            await self._refused(current, self._reader.outcome)
                            break
            if frames:
                return b"".join(frames)
        return None

    async def _refused(self, current: Response, outcome: _Outcome) -> None:
        self._current = None
        await current.aclose()
        if self._chain is None:
            self._chain = _Chain(self._body, self._initial_model, outcome)
            return
        if outcome.opened:
            self._chain.opened()
        self._chain.absorb(outcome, self._hop_model, self._continuation)

    async def _start_hop(self) -> list[bytes]:
        """Send the next entry's request (the frames of the held-back refusal when every
        entry left fails)."""
        chain = self._chain
        assert chain is not None
        while self._next_hop < len(self._fallbacks):
            hop = self._next_hop
            self._next_hop += 1
            entry = self._fallbacks[hop]
            model = str(entry["model"])
            self._pin(hop)
            continuation = chain.continuation()
            response: AsyncAPIResponse[Any] | None = None
            status: int | None = None
            for attempt in range(2):
                hop_request = self._request.copy(body=chain.hop_body(entry, continuation))
                try:
                    response, entry = await self._send(hop_request, entry)
                except Exception as exc:
                    log.error(
                        "BetaRefusalFallbackMiddleware: fallback request to %s failed: %s",
                        model,
                        exc,
                    )
                    response, status = None, None
                    break
                status = response.status_code
                if status < 300:
                    break
                error = await _error_body(response)
                response = None
                if attempt == 0 and status == 400 and continuation:
                    # Taken as the server rejecting the prefill: once more without it.
                    log.warning(
                        "BetaRefusalFallbackMiddleware: fallback request with the partial "
                        "output appended was rejected (HTTP 400: %s); retrying without it",
                        error,
                    )
                    continuation = chain.base
                    continue
                log.error(
                    "BetaRefusalFallbackMiddleware: fallback request to %s failed: HTTP %s: %s",
                    model,
                    status,
                    error,
                )
                break
            if response is None:
                # Its token was never redeemed: it goes on to the next entry.
                if self._next_hop < len(self._fallbacks):
                    continue
                self._done = True
                return chain.failed_frames(model, status)
            self._current = response._response
            self._hop_model = model
            self._continuation = continuation
            self._decoder = SSEDecoder()
            chain.queue_seam(model)
            self._reader = _HopReader(
                base=chain.next_index,
                has_next=self._next_hop < len(self._fallbacks),
                splice=(list(chain.iterations), model),
                wire_open=chain.wire_open,
                primary_id=chain.primary_id,
                seams=chain.pending_seams(),
            )
            return []
        self._done = True
        return []

    def adopt(self, made: list[Response]) -> None:
        """Close, when this closes, every response in `made`: the list the middleware
        chain adds the response of each request it sends to, those sent for hops too."""
        self._made = made

    async def aread(self) -> bytes:
        """The rest of the spliced body."""
        chunks = []
        while (chunk := await self.next_chunk()) is not None:
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Close the response being read. Idempotent."""
        if self.is_closed:
            return
        self.is_closed = True
        self._done = True
        if self.on_close is not None:
            self.on_close()
        current, self._current = self._current, None
        if current is not None:
            await current.aclose()
        # Any a middleware after this one dropped (a hop cancelled after its response).
        for response in self._made:
            if not response.is_closed:
                await response.aclose()


async def _error_body(response: AsyncAPIResponse[Any]) -> str:
    """A failed hop's body, for the log (its response closed)."""
    try:
        return (await response.read()).decode("utf-8", "replace")
    except Exception:
        return ""
    finally:
        await response.close()
