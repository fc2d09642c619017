"""Message Batches: `/v1/messages/batches` and its results, processed on the server's clock."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..types import Usage, encode_json
from ._fake_model import (
    ModelSpec,
    RequestError,
    count_request_tokens,
    generate_reply,
    validate_message_request,
)
from ._http import Response
from ._routing import ApiRequest, json_response, page

if TYPE_CHECKING:
    from ._server import FakeClaude

__all__ = ("BatchesRoute",)

_CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")


class _Batch:
    def __init__(
        self,
        batch_id: str,
        requests: list[dict[str, Any]],
        errors: list[RequestError | None],
        created: datetime,
        clock: float,
        duration: float,
    ) -> None:
        self.id = batch_id
        self.requests = requests
        # Decided up front so that the counts and the results file always agree.
        self.errors = errors
        self.errored_before = [0, *itertools.accumulate(int(e is not None) for e in errors)]
        self.created = created
        self.clock = clock
        self.step = duration / max(len(requests), 1)
        self.cancel_clock: float | None = None
        self.cancel_wall: datetime | None = None
        self.results: list[bytes] | None = None
        self.deleted = False

    def done(self, now: float) -> int:
        until = now if self.cancel_clock is None else min(now, self.cancel_clock)
        return min(
            len(self.requests),
            int((until - self.clock) / self.step) if self.step else len(self.requests),
        )

    def ended(self, now: float) -> bool:
        return self.cancel_clock is not None or self.done(now) >= len(self.requests)


class BatchesRoute:
    """Creates, lists, retrieves, cancels and deletes batches; serves their JSONL results.

    Requests are processed one after another, evenly over `batch_seconds / batch_speedup`.
    """

    def __init__(self, server: FakeClaude) -> None:
        self.server = server
        self.batches: dict[str, _Batch] = {}

    async def __call__(self, request: ApiRequest) -> Response:
        method, path = request.method, request.path
        parts = path.removeprefix("/v1/messages/batches").strip("/").split("/")
        if method == "POST" and parts == [""]:
            return self._object(self._create(request.json))
        if method == "GET" and parts == [""]:
            live = [b for b in self.batches.values() if not b.deleted]
            return page(request.query, [self._batch_object(b) for b in reversed(live)])
        batch = self.batches.get(parts[0])
        if batch is None or batch.deleted:
            raise RequestError(404, "not_found_error", f"message batch {parts[0]} not found")
        now = self.server._now()
        if method == "GET" and len(parts) == 1:
            return self._object(batch)
        if method == "POST" and parts[1:] == ["cancel"]:
            if not batch.ended(now):
                batch.cancel_clock = now
                batch.cancel_wall = self.server._wall()
            return self._object(batch)
        if method == "DELETE" and len(parts) == 1:
            if not batch.ended(now):
                raise RequestError(
                    400,
                    "invalid_request_error",
                    "batch is still in progress: cancel it before deleting it",
                )
            batch.deleted = True
            return json_response(encode_json({"id": batch.id, "type": "message_batch_deleted"}))
        if method == "GET" and parts[1:] == ["results"]:
            if not batch.ended(now):
                raise RequestError(
                    400, "invalid_request_error", "batch results are not available yet"
                )
            body = b"\n".join(self._results(batch)) + b"\n"
            return json_response(body, content_type="application/binary")
        raise RequestError(404, "not_found_error", f"Not found: {method} {path}")

    def _object(self, batch: _Batch) -> Response:
        return json_response(encode_json(self._batch_object(batch)))

    def _batch_object(self, batch: _Batch) -> dict[str, Any]:
        now = self.server._now()
        done = batch.done(now)
        total = len(batch.requests)
        ended = batch.ended(now)
        canceled = total - done if batch.cancel_clock is not None else 0
        errored = batch.errored_before[done]
        ended_at = None
        if ended:
            end_clock = (
                batch.cancel_clock
                if batch.cancel_clock is not None
                else batch.clock + batch.step * total
            )
            ended_at = _iso(self.server._wall(end_clock))
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": total - done - canceled,
                "succeeded": done - errored,
                "errored": errored,
                "canceled": canceled,
                "expired": 0,
            },
            "created_at": _iso(batch.created),
            "expires_at": _iso(batch.created + timedelta(hours=24)),
            "ended_at": ended_at,
            "cancel_initiated_at": _iso(batch.cancel_wall) if batch.cancel_wall else None,
            "archived_at": None,
            "results_url": (
                f"{self.server.url}/v1/messages/batches/{batch.id}/results" if ended else None
            ),
        }

    def _results(self, batch: _Batch) -> list[bytes]:
        if batch.results is None:
            server = self.server
            done = batch.done(server._now())
            lines = []
            for i, item in enumerate(batch.requests):
                params = item["params"]
                if i >= done:
                    result: dict[str, Any] = {"type": "canceled"}
                elif (error := batch.errors[i]) is not None:
                    result = {
                        "type": "errored",
                        "error": {
                            "type": "error",
                            "error": {"type": error.error_type, "message": error.message},
                        },
                    }
                else:
                    usage = Usage(input_tokens=count_request_tokens(params), output_tokens=0)
                    reply = generate_reply(
                        params,
                        seed=server.seed,
                        message_id=server._id("msg_01"),
                        usage=usage,
                        model=server.models[params["model"]].id,
                    )
                    result = {"type": "succeeded", "message": reply.message.to_dict()}
                lines.append(encode_json({"custom_id": item["custom_id"], "result": result}))
            batch.results = lines
        return batch.results

    def _create(self, body: Any) -> _Batch:
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            raise RequestError(
                400, "invalid_request_error", "requests: at least one request is required"
            )
        if len(requests) > 100_000:
            raise RequestError(
                400, "invalid_request_error", "requests: at most 100,000 requests per batch"
            )
        seen: set[str] = set()
        for i, item in enumerate(requests):
            custom_id = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(custom_id, str) or not _CUSTOM_ID.fullmatch(custom_id):
                raise RequestError(
                    400,
                    "invalid_request_error",
                    f"requests.{i}.custom_id: must match ^[a-zA-Z0-9_-]{{1,64}}$",
                )
            if custom_id in seen:
                raise RequestError(
                    400,
                    "invalid_request_error",
                    f"requests.{i}.custom_id: duplicate custom_id {custom_id!r}",
                )
            seen.add(custom_id)
            if not isinstance(item.get("params"), dict):
                raise RequestError(
                    400, "invalid_request_error", f"requests.{i}.params: Field required"
                )
            if item["params"].get("stream"):
                raise RequestError(
                    400,
                    "invalid_request_error",
                    f"requests.{i}.params.stream: streaming is not supported in batches",
                )
        server = self.server
        errors = [_invalid(item["params"], server.models) for item in requests]
        duration = server.batch_seconds / server.batch_speedup
        batch = _Batch(
            server._id("msgbatch_01"), requests, errors, server._wall(), server._now(), duration
        )
        self.batches[batch.id] = batch
        return batch


def _invalid(params: dict[str, Any], models: Mapping[str, ModelSpec]) -> RequestError | None:
    try:
        validate_message_request(params, models)
    except RequestError as exc:
        return exc
    return None


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
