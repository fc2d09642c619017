"""The official SDK's error-code classes, where they are imported from, and the message of a
status error, each against the pinned official SDK itself: the same error replies, served
to both clients by a raw server, raise the same class with the same `str()`."""

from __future__ import annotations

import importlib
import json
import pickle
import subprocess
import sys
from typing import Any

import anthropic
import pytest
from anthropic._error_classes import ERROR_CLASSES

import anyio_claude
from anyio_claude import APIStatusError, AsyncClaude, _gen_error_names, _gen_errors
from anyio_claude._errors import status_error_class
from anyio_claude.types import _gen_error_names as types_names
from anyio_claude.types import _gen_errors as types_errors
from scripts.sync_api import error_facts

from ._events import message_start
from ._marks import official_generators_left_open
from ._servers import fixed, raw_server

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-secret-1234567890"


def _names_to(base: type, cls: type) -> list[str]:
    mro = cls.__mro__
    return [c.__name__ for c in mro[: mro.index(base) + 1]]


def test_the_class_for_each_status_and_error_code_is_the_official_one() -> None:
    assert sum(code is not None for _, code in ERROR_CLASSES) > 100
    for (status, code), official in ERROR_CLASSES.items():
        ours = status_error_class(status, code)
        # Same name and the same chain of bases up to APIStatusError.
        assert _names_to(APIStatusError, ours) == _names_to(anthropic.APIStatusError, official)
        assert ours.__doc__ and str(status) in ours.__doc__
        if code is not None:
            assert f"`{code}`" in ours.__doc__
            # A code the table has for another status does not pick its class.
            assert status_error_class(status + 1, code) is status_error_class(status + 1)
            assert status_error_class(status, code + "_x") is status_error_class(status)


def test_every_error_class_the_official_package_exports_is_exported_here() -> None:
    official = {
        name: obj
        for name in anthropic.__all__
        if isinstance(obj := getattr(anthropic, name), type) and issubclass(obj, BaseException)
    }
    assert len(official) > 40

    def name(cls: type) -> str:  # our root is ClaudeError, alias AnthropicError
        return "AnthropicError" if cls is anyio_claude.ClaudeError else cls.__name__

    for exported, cls in official.items():
        assert exported in anyio_claude.__all__
        ours = getattr(anyio_claude, exported)
        assert name(ours) == cls.__name__  # aliases (DeadlineExceededError) included
        assert [name(b) for b in ours.__bases__] == [b.__name__ for b in cls.__bases__]


def _official_homes() -> list[str]:
    facts = error_facts()
    return [*facts.packages, *facts.modules]


@pytest.mark.parametrize("official", _official_homes())
def test_each_official_import_path_of_an_error_code_class_works_here(official: str) -> None:
    ours = importlib.import_module(official.replace("anthropic", "anyio_claude", 1))
    theirs = importlib.import_module(official)
    names = error_facts().packages.get(official) or [error_facts().modules[official]]
    for name in names:
        cls = getattr(ours, name)
        status, code = next(k for k, v in ERROR_CLASSES.items() if v is getattr(theirs, name))
        assert cls is status_error_class(status, code)


def test_the_import_paths_type_checkers_see() -> None:
    # tests/typed_usage.py imports the same names for mypy --strict and basedpyright.
    from anyio_claude.types import FileExpiredError as FromTypes
    from anyio_claude.types.beta.beta_invalid_metadata_error import BetaInvalidMetadataError
    from anyio_claude.types.file_expired_error import FileExpiredError
    from anyio_claude.types.shared.storage_not_ready_error import StorageNotReadyError

    assert FromTypes is FileExpiredError is status_error_class(404, "file_expired")
    assert StorageNotReadyError is anyio_claude.StorageNotReadyError
    assert issubclass(StorageNotReadyError, anyio_claude.ServiceUnavailableError)
    assert issubclass(BetaInvalidMetadataError, anyio_claude.BadRequestError)
    # The lists that let them load on first use name the classes type checkers see.
    assert _gen_error_names.__all__ == _gen_errors.__all__
    assert types_names.__all__ == types_errors.__all__
    assert "FileExpiredError" in anyio_claude.types.__all__
    assert "FileExpiredError" in dir(anyio_claude.types)
    assert "StorageNotReadyError" in dir(anyio_claude)


def test_the_error_code_classes_load_on_first_use() -> None:
    code = (
        "import sys, anyio_claude\n"
        "assert 'anyio_claude._gen_errors' not in sys.modules\n"
        "assert anyio_claude.RateLimitError is not None\n"
        "assert anyio_claude._errors.status_error_class(503) is not None\n"
        "assert 'anyio_claude._gen_errors' not in sys.modules\n"
        "anyio_claude.StorageNotReadyError\n"
        "print(sorted(m for m in sys.modules if m.startswith('anyio_claude._gen_err')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['anyio_claude._gen_error_names', 'anyio_claude._gen_errors']"


# ------------------------------------------------------------------ the same replies, both


def _error(
    message: object = "what went wrong",
    error_type: object = "invalid_request_error",
    details: object = None,
    **top: object,
) -> bytes:
    error: dict[str, Any] = {"type": error_type, "message": message}
    if details is not None:
        error["details"] = details
    return json.dumps({"type": "error", "error": error, **top}).encode()


RID = {"request-id": "req_head"}

# id -> (status, headers, body, the class both raise)
REPLIES: dict[str, tuple[int, dict[str, str], bytes, str]] = {
    "plain": (400, RID, _error(), "BadRequestError"),
    "error-code class": (
        503,
        RID,
        _error("not ready", "api_error", {"error_code": "storage_not_ready"}),
        "StorageNotReadyError",
    ),
    "error code with more details": (
        400,
        RID,
        _error(
            "tool names must be unique",
            details={"error_code": "tool_name_conflict", "tool": "get_weather", "n": 1.5},
        ),
        "ToolNameConflictError",
    ),
    "unknown error code": (
        400,
        RID,
        _error(details={"error_code": "brand_new_code"}),
        "BadRequestError",
    ),
    "error code of another status": (
        404,
        RID,
        _error("gone", "not_found_error", {"error_code": "storage_not_ready"}),
        "NotFoundError",
    ),
    "details not a dict": (409, RID, _error(details=["a", "ü"]), "ConflictError"),
    "empty error code": (429, RID, _error(details={"error_code": ""}), "RateLimitError"),
    "numeric error code": (400, RID, _error(details={"error_code": 5}), "BadRequestError"),
    "body not UTF-8": (502, RID, b"bad \xff\xfe gateway", "InternalServerError"),
    "request id from the body": (
        529,
        {},
        _error("busy", "overloaded_error", request_id="req_body"),
        "OverloadedError",
    ),
    "header request id first": (
        413,
        RID,
        _error("too big", "request_too_large", request_id="req_body"),
        "ContentTooLargeError",
    ),
    "no message: the body's JSON": (
        422,
        RID,
        json.dumps(
            {"error": {"type": "x", "details": {"error_code": "c", "k": 1}}, "ü": "é"}
        ).encode(),
        "UnprocessableEntityError",
    ),
    "empty message": (401, RID, _error(""), "AuthenticationError"),
    "non-string type": (403, RID, _error(error_type=7), "PermissionDeniedError"),
    "no body": (502, {}, b"", "InternalServerError"),
    "whitespace body": (500, {}, b" \r\n ", "InternalServerError"),
    "non-JSON body": (502, RID, b"<html>Bad Gateway</html>\n", "InternalServerError"),
    "JSON null": (400, RID, b"null", "BadRequestError"),
    "JSON string": (400, RID, b'"just a string"', "BadRequestError"),
    "unknown 5xx": (599, RID, _error("odd", "api_error"), "InternalServerError"),
    "unknown 4xx": (418, RID, _error("teapot", "teapot_error"), "APIStatusError"),
}


async def _ours_raise(url: str) -> APIStatusError:
    async with AsyncClaude(api_key=KEY, base_url=url, max_retries=0) as client:
        with pytest.raises(APIStatusError) as info:
            await client.messages.create(
                model=MODEL, max_tokens=10, messages=USER, extra_query={"beta": "true"}
            )
    return info.value


async def _official_raise(url: str) -> anthropic.APIStatusError:
    client = anthropic.AsyncAnthropic(api_key=KEY, base_url=url, max_retries=0)
    try:
        with pytest.raises(anthropic.APIStatusError) as info:
            await client.messages.create(
                model=MODEL, max_tokens=10, messages=USER, extra_query={"beta": "true"}
            )
    finally:
        await client.close()
    return info.value


@pytest.mark.parametrize("case", list(REPLIES))
async def test_an_error_reply_raises_what_the_official_sdk_raises(case: str) -> None:
    status, headers, body, expected = REPLIES[case]
    async with raw_server(fixed(body, status=status, headers=headers)) as srv:
        # A path below the origin, as behind a gateway: both name the full request path.
        ours = await _ours_raise(f"{srv.url}/gateway")
        theirs = await _official_raise(f"{srv.url}/gateway")
    assert type(ours).__name__ == type(theirs).__name__ == expected
    assert str(ours) == ours.message == str(theirs) == theirs.message
    assert "path: /gateway/v1/messages" in str(ours) and "beta" not in str(ours)
    assert KEY not in str(ours)
    assert (ours.status_code, ours.body, ours.error_code) == (
        theirs.status_code,
        theirs.body,
        theirs.error_code,
    )
    assert ours.api_message == theirs.api_message
    copy = pickle.loads(pickle.dumps(ours))
    assert type(copy) is type(ours) and str(copy) == str(ours)


async def test_the_message_holds_no_credential() -> None:
    async with raw_server(fixed(_error(), status=401, headers=RID)) as srv:
        # Credentials in the base URL are sent as basic auth, and never shown.
        url = srv.url.replace("http://", "http://user:hunter2@") + "/gateway"
        async with AsyncClaude(api_key=KEY, base_url=url, max_retries=0) as client:
            with pytest.raises(anyio_claude.AuthenticationError) as info:
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
    shown = str(info.value) + repr(info.value) + repr(pickle.dumps(info.value))
    assert "path: /gateway/v1/messages" in shown
    assert "hunter2" not in shown and KEY not in shown and KEY[-10:] not in shown


async def test_what_the_message_reads() -> None:
    # Stated once in full, so that the format is visible here and not only "as theirs".
    cases = {
        "error code with more details": (
            "400 tool names must be unique (error_code: tool_name_conflict, "
            "request_id: req_head, path: /v1/messages, type: invalid_request_error)\n\n"
            '{\n  "error_code": "tool_name_conflict",\n  "tool": "get_weather",\n  "n": 1.5\n}'
        ),
        "request id from the body": (
            "529 busy (request_id: req_body, path: /v1/messages, type: overloaded_error)"
        ),
        "no body": "502 status code (no body) (path: /v1/messages)",
        "non-JSON body": (
            "502 <html>Bad Gateway</html> (request_id: req_head, path: /v1/messages)"
        ),
    }
    for case, expected in cases.items():
        status, headers, body, _ = REPLIES[case]
        async with raw_server(fixed(body, status=status, headers=headers)) as srv:
            async with AsyncClaude(api_key=KEY, base_url=srv.url, max_retries=0) as client:
                with pytest.raises(APIStatusError) as info:
                    await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        assert str(info.value) == expected, case


START = message_start(MODEL)

# id -> (headers, the `error` event's data, the class this client raises for it)
EVENTS: dict[str, tuple[dict[str, str], dict[str, Any], str]] = {
    "plain": (
        RID,
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        "OverloadedError",
    ),
    "error code and more details, request id in the body": (
        {},
        {
            "type": "error",
            "error": {
                "type": "overloaded_error",
                "message": "try later",
                "details": {"error_code": "compaction_unavailable", "retry": True},
            },
            "request_id": "req_body",
        },
        "CompactionUnavailableError",
    ),
    "empty message": (
        RID,
        {"type": "error", "error": {"type": "invalid_request_error", "message": ""}},
        "BadRequestError",
    ),
}


# On trio the official SDK leaves its async generators to the garbage collector when a
# stream fails, and trio warns: its code, not ours.
@official_generators_left_open
@pytest.mark.parametrize("case", list(EVENTS))
async def test_an_error_event_mid_stream_reads_as_the_official_sdk_says(case: str) -> None:
    headers, data, expected = EVENTS[case]
    body = b"".join(
        b"event: %s\ndata: %s\n\n" % (event["type"].encode(), json.dumps(event).encode())
        for event in (START, data)
    )
    head = {"content-type": "text/event-stream", **headers}
    async with raw_server(fixed(body, headers=head)) as srv:
        async with AsyncClaude(api_key=KEY, base_url=srv.url, max_retries=0) as client:
            stream = await client.messages.create(
                model=MODEL, max_tokens=10, messages=USER, stream=True
            )
            with pytest.raises(APIStatusError) as info:
                async with stream:
                    async for _ in stream:
                        pass
        official = anthropic.AsyncAnthropic(api_key=KEY, base_url=srv.url, max_retries=0)
        try:
            theirs = await official.messages.create(
                model=MODEL, max_tokens=10, messages=USER, stream=True
            )
            with pytest.raises(anthropic.APIStatusError) as official_info:
                async for _ in theirs:
                    pass
        finally:
            await official.close()
    ours = info.value
    # The official SDK raises a bare APIStatusError with the stream's 200; this client
    # raises the class of the status the error type stands for, and its error-code class.
    assert type(ours).__name__ == expected
    assert str(ours) == ours.message == str(official_info.value)
    assert ours.body == official_info.value.body
