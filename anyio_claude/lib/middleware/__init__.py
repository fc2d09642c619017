"""`BetaRefusalFallbackMiddleware` and `BetaFallbackState`, under the official SDK's module
path (`anthropic.lib.middleware`).

The middleware retries a refused `client.beta.messages` request down a chain of fallback
models, client-side: each entry of `fallbacks` is a patch against the original request's
parameters (a value overrides, `None` unsets, an absent key keeps; `output_config` one level
deep), the refusal's `fallback_credit_token` goes along, and the served message starts
with one `fallback` block per model boundary. Requests run inside a shared
`BetaFallbackState` (`with state:`) start at the model that last accepted.

A refused stream goes on with the fallbacks' streams, spliced into one message as the
server-side `fallbacks` would send it (`_splice`).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, cast

from ..._errors import ClaudeError
from ..._helper_tags import append_tokens
from ..._middleware import APIRequest, AsyncCallNext, CallNext, Middleware

if TYPE_CHECKING:
    from typing import TypeAlias

    from ..._response import AsyncAPIResponse
    from ..._sync import APIResponse
    from ..._transport import Response

    _Sent: TypeAlias = tuple[AsyncAPIResponse[Any], dict[str, Any]]

__all__ = ("DEFAULT_BETAS", "BetaFallbackState", "BetaRefusalFallbackMiddleware")

# The official SDK's logger name, so logging configured for it applies here too.
log = logging.getLogger("anthropic.lib.middleware")

DEFAULT_BETAS: tuple[str, ...] = ("fallback-credit-2026-07-01",)
"""The betas the middleware sends by default (refusals carry credit tokens only with it)."""

_MESSAGES_PATH = "/v1/messages"
_CAPACITY_ERROR_STATUSES = (429, 529)
_HELPER = "fallback-refusal-middleware"


class BetaFallbackState:
    """Which fallback a sequence of requests is pinned to. Enter it (`with state:`, for
    both clients) around the requests that should share the pin, such as the turns of a
    conversation; the middleware updates `index` when a model refuses."""

    index: int | None
    """The fallback entry requests start at; `None` (or -1) for the original params."""

    def __init__(self) -> None:
        self.index = None

    def __enter__(self) -> BetaFallbackState:
        token = _state.set(self)
        _tokens.set((*_tokens.get(), token))
        return self

    def __exit__(self, *exc_info: object) -> None:
        tokens = _tokens.get()
        _tokens.set(tokens[:-1])
        _state.reset(tokens[-1])


_state: ContextVar[BetaFallbackState | None] = ContextVar(
    "anyio_claude_fallback_state", default=None
)
# Each context's own reset tokens, innermost last: one state may be entered by many tasks.
_tokens: ContextVar[tuple[Token[BetaFallbackState | None], ...]] = ContextVar(
    "anyio_claude_fallback_state_tokens", default=()
)


class BetaRefusalFallbackMiddleware(Middleware):
    """Retries refused `client.beta.messages` requests down `fallbacks`, as the official
    SDK's middleware of this name does.

    A refused message is replaced by the first fallback that accepts, with a `fallback`
    block per model boundary before its content. A refused stream goes on with the next
    entry's stream (the refused output sent along as a prefill when the refusal allows),
    read as one message: `fallback` blocks at the boundaries, rising block indices, per-hop
    `usage.iterations` on the final `message_delta`; when every entry left fails over HTTP,
    the refusal is passed on with `recommended_model` set. Closing or cancelling the stream
    closes the response being read.

    `betas` are added to the `anthropic-beta` header of every request it handles
    (default `DEFAULT_BETAS`; `()` sends none). An empty chain disables it. A request that
    sets `fallbacks` itself raises `ClaudeError` (use one or the other). A fallback whose
    request fails over HTTP ends the chain with that response; a `speed: "fast"` request
    rejected for capacity (429/529) on an entry that does not set `speed` is sent once
    more without it; a stream's fallback rejected with a 400 with the prefill appended is
    sent once more without it, and one that fails otherwise is skipped.
    """

    def __init__(
        self, fallbacks: Iterable[dict[str, Any]], *, betas: Iterable[str] | None = None
    ) -> None:
        self._fallbacks = tuple(fallbacks)
        self._betas = DEFAULT_BETAS if betas is None else tuple(betas)
        self._warned_missing_state = False

    async def handle_async(
        self, request: APIRequest, call_next: AsyncCallNext
    ) -> AsyncAPIResponse[Any]:
        body = self._applicable_body(request)
        if body is None:
            return await call_next(request)
        state = _state.get()
        index = self._start_index(state)
        request = self._tagged(request)
        body = _strip_seam_blocks(body)
        first = body if index == -1 else _apply_hop(body, self._fallbacks[index])
        initial = request.copy(body=first)
        response, _ = await self._send_hop_async(initial, self._entry(index), call_next)
        if response.status_code >= 300:
            return response
        if request.stream:
            if index + 1 >= len(self._fallbacks):
                return response  # no entry left to splice in

            async def send(hop: APIRequest, entry: dict[str, Any]) -> _Sent:
                return await self._send_hop_async(hop, entry, call_next)

            return self._spliced(initial, body, first, response, index + 1, state, send)
        from_model = str(first.get("model") or "")
        seams: list[dict[str, Any]] = []
        while response.status_code < 300 and index < len(self._fallbacks) - 1:
            message = await response.json()
            if not isinstance(message, dict) or message.get("stop_reason") != "refusal":
                break
            index += 1
            self._pin(state, index)
            await response.close()
            entry = self._fallbacks[index]
            response, _ = await self._send_hop_async(
                request.copy(body=_merged_body(body, entry, _credit_token(message))),
                entry,
                call_next,
            )
            if response.status_code < 300:
                seams.append(_seam_block(from_model, str(entry["model"]), _category(message)))
                from_model = str(entry["model"])
        if seams and response.status_code < 300:
            return _with_seams(response, await response.json(), seams)
        return response

    def handle(self, request: APIRequest, call_next: CallNext) -> APIResponse[Any]:
        from ..._sync import APIResponse

        body = self._applicable_body(request)
        if body is None:
            return call_next(request)
        state = _state.get()
        index = self._start_index(state)
        request = self._tagged(request)
        body = _strip_seam_blocks(body)
        first = body if index == -1 else _apply_hop(body, self._fallbacks[index])
        initial = request.copy(body=first)
        response, _ = self._send_hop(initial, self._entry(index), call_next)
        if response.status_code >= 300:
            return response
        if request.stream:
            if index + 1 >= len(self._fallbacks):
                return response

            # The spliced stream is read on the client's loop; each hop is sent from a
            # worker thread, as this blocking middleware sends.
            async def send(hop: APIRequest, entry: dict[str, Any]) -> _Sent:
                import anyio

                sent, entry = await anyio.to_thread.run_sync(self._send_hop, hop, entry, call_next)
                return sent._response, entry

            spliced = self._spliced(
                initial, body, first, response._response, index + 1, state, send
            )
            return APIResponse(response._portal, spliced)
        from_model = str(first.get("model") or "")
        seams: list[dict[str, Any]] = []
        while response.status_code < 300 and index < len(self._fallbacks) - 1:
            message = response.json()
            if not isinstance(message, dict) or message.get("stop_reason") != "refusal":
                break
            index += 1
            self._pin(state, index)
            response.close()
            entry = self._fallbacks[index]
            response, _ = self._send_hop(
                request.copy(body=_merged_body(body, entry, _credit_token(message))),
                entry,
                call_next,
            )
            if response.status_code < 300:
                seams.append(_seam_block(from_model, str(entry["model"]), _category(message)))
                from_model = str(entry["model"])
        if seams and response.status_code < 300:
            served = response.json()
            seamed = _with_seams(response._response, served, seams)
            if seamed is not response._response:
                return APIResponse(response._portal, seamed)
        return response

    def _spliced(
        self,
        initial: APIRequest,
        body: dict[str, Any],
        first: dict[str, Any],
        response: AsyncAPIResponse[Any],
        first_hop: int,
        state: BetaFallbackState | None,
        send: Callable[[APIRequest, dict[str, Any]], Awaitable[_Sent]],
    ) -> AsyncAPIResponse[Any]:
        """`response`, a stream, as one that goes on down the chain from a refusal."""
        from ..._response import http_response_of
        from ._splice import SplicedStream

        spliced = SplicedStream(
            request=initial,
            body=body,
            initial_model=str(first.get("model") or ""),
            first=response,
            fallbacks=self._fallbacks,
            first_hop=first_hop,
            send=send,
            pin=lambda index: self._pin(state, index),
        )
        transport = cast("Response", spliced)
        return type(response)(
            transport,
            http_response_of(transport),
            response._parse,
            retries_taken=response.retries_taken,
        )

    # ----------------------------------------------------------------------- parts

    def _applicable_body(self, request: APIRequest) -> dict[str, Any] | None:
        """The request's body when the middleware applies: a beta `POST /v1/messages`
        with a chain to fall back along. Raises `ClaudeError` for a body with `fallbacks`."""
        if (
            not self._fallbacks
            or request.method.upper() != "POST"
            or request.url != _MESSAGES_PATH
            or not request.beta
        ):
            return None
        body = request.json
        if not isinstance(body, dict):
            return None
        if body.get("fallbacks") is not None:
            raise ClaudeError(
                "the `fallbacks` parameter cannot be sent with BetaRefusalFallbackMiddleware: "
                "remove the middleware to let the API fall back, or leave `fallbacks` out"
            )
        return body

    def _tagged(self, request: APIRequest) -> APIRequest:
        """`request` with the middleware's betas and helper tag in its headers."""
        current = next((v for k, v in request.headers.items() if k.lower() == "anthropic-beta"), "")
        present = {value.strip() for value in current.split(",")}
        added = [beta for beta in dict.fromkeys(self._betas) if beta not in present]
        headers: dict[str, str] = {}
        if current or added:
            headers["anthropic-beta"] = ",".join(filter(None, [current, *added]))
        helper = next(
            (v for k, v in request.headers.items() if k.lower() == "x-stainless-helper"), ""
        )
        headers["x-stainless-helper"] = append_tokens(helper, _HELPER)
        return request.copy(headers=headers)

    def _start_index(self, state: BetaFallbackState | None) -> int:
        if state is None or state.index is None:
            return -1
        if not -1 <= state.index < len(self._fallbacks):
            raise ClaudeError(
                f"BetaFallbackState.index {state.index} is out of bounds for a chain of "
                f"{len(self._fallbacks)} fallback(s); was the state shared with another middleware?"
            )
        return state.index

    def _pin(self, state: BetaFallbackState | None, index: int) -> None:
        if state is not None:
            state.index = index
        elif not self._warned_missing_state:
            self._warned_missing_state = True
            log.warning(
                "BetaRefusalFallbackMiddleware fell back without an active BetaFallbackState; "
                "follow-up requests will retry models that already refused. Run them inside a "
                "shared `with BetaFallbackState():` block to pin them to the accepted model."
            )

    def _entry(self, index: int) -> dict[str, Any] | None:
        return self._fallbacks[index] if index >= 0 else None

    async def _send_hop_async(
        self, request: APIRequest, entry: dict[str, Any] | None, call_next: AsyncCallNext
    ) -> tuple[AsyncAPIResponse[Any], Any]:
        """The hop's response, sent once more without `speed` when it inherited `fast`
        and hit capacity; and the entry a later resend of the hop builds on."""
        response = await call_next(request)
        resend = _without_fast(request, entry, response.status_code)
        if resend is None or entry is None:
            return response, entry
        await response.close()
        return await call_next(resend), {**entry, "speed": None}

    def _send_hop(
        self, request: APIRequest, entry: dict[str, Any] | None, call_next: CallNext
    ) -> tuple[APIResponse[Any], Any]:
        response = call_next(request)
        resend = _without_fast(request, entry, response.status_code)
        if resend is None or entry is None:
            return response, entry
        response.close()
        return call_next(resend), {**entry, "speed": None}


def _without_fast(
    request: APIRequest, entry: dict[str, Any] | None, status: int
) -> APIRequest | None:
    """The hop resent without `speed`, when it inherited `fast` and hit capacity."""
    body = request.json
    if (
        entry is None
        or status not in _CAPACITY_ERROR_STATUSES
        or "speed" in entry
        or not isinstance(body, dict)
        or body.get("speed") != "fast"
    ):
        return None
    log.warning(
        "BetaRefusalFallbackMiddleware: fast fallback request to %s was rejected (HTTP %s); "
        "retrying without `speed`",
        entry.get("model"),
        status,
    )
    return request.copy(body=_patch(body, {"speed": None}))


def _credit_token(message: dict[str, Any]) -> dict[str, str] | None:
    """The refusal's credit token, in the object form (`best_effort`: the hop is served
    even when redeeming it fails)."""
    details = message.get("stop_details")
    if isinstance(details, dict) and details.get("type") == "refusal":
        token = details.get("fallback_credit_token")
        if isinstance(token, str) and token:
            return {"token": token, "mode": "best_effort"}
    return None


def _category(message: dict[str, Any]) -> str | None:
    details = message.get("stop_details")
    if isinstance(details, dict) and details.get("type") == "refusal":
        category = details.get("category")
        return category if isinstance(category, str) else None
    return None


def _seam_block(from_model: str, to_model: str, category: str | None) -> dict[str, Any]:
    return {
        "type": "fallback",
        "from": {"model": from_model},
        "to": {"model": to_model},
        "trigger": {"type": "refusal", "category": category},
    }


def _with_seams(
    response: AsyncAPIResponse[Any], served: object, seams: list[dict[str, Any]]
) -> AsyncAPIResponse[Any]:
    """`response` with `seams` before its message's content (as is, for another body)."""
    from ...types import encode_json

    if not isinstance(served, dict) or served.get("stop_reason") == "refusal":
        return response
    content = served.get("content")
    if not isinstance(content, list):
        return response
    http_response = copy.copy(response.http_response)
    http_response.content = encode_json({**served, "content": [*seams, *content]})
    return type(response)(
        response._response, http_response, response._parse, retries_taken=response.retries_taken
    )


def _strip_seam_blocks(body: dict[str, Any]) -> dict[str, Any]:
    """`body` without the `fallback` blocks of its history (the server rejects them); an
    assistant turn left empty is dropped."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    stripped = False
    kept_messages: list[Any] = []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            kept_messages.append(message)
            continue
        kept = [b for b in content if not (isinstance(b, dict) and b.get("type") == "fallback")]
        if len(kept) == len(content):
            kept_messages.append(message)
            continue
        stripped = True
        if kept or message.get("role") != "assistant":
            kept_messages.append({**message, "content": kept})
    return {**body, "messages": kept_messages} if stripped else body


def _patch(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    patched = dict(base)
    for key, value in overrides.items():
        if value is None:
            patched.pop(key, None)
        else:
            patched[key] = value
    return patched


def _apply_hop(body: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """`entry` as a patch against the original `body`; a `between_tools` thinking config
    becomes `disabled` unless the entry sets `thinking`."""
    patched = _patch(body, entry)
    thinking = body.get("thinking")
    if (
        "thinking" not in entry
        and isinstance(thinking, dict)
        and thinking.get("type") == "between_tools"
    ):
        patched["thinking"] = {"type": "disabled"}
    output_config = entry.get("output_config")
    if isinstance(output_config, dict):
        original = body.get("output_config")
        merged = _patch(original if isinstance(original, dict) else {}, output_config)
        if merged:
            patched["output_config"] = merged
        else:
            patched.pop("output_config", None)
    return patched


def _merged_body(
    body: dict[str, Any], entry: dict[str, Any], token: dict[str, str] | None
) -> dict[str, Any]:
    merged = _apply_hop(body, entry)
    if token:
        merged["fallback_credit_token"] = token
    return merged
