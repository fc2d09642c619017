"""Credential hygiene, function by function: reprs, the messages that never quote a value,
header encoding and URL redaction (tests/test_edges.py checks them end to end)."""

from __future__ import annotations

import pytest

from anyio_claude._secret import (
    SecretBytes,
    SecretHeaders,
    SecretStr,
    encode_headers,
    redact_url,
    secret_problem,
)

KEY = "sk-ant-api03-SECRET"


def test_reprs_hide_the_value_and_look_like_a_str_or_bytes() -> None:
    assert repr(SecretStr(KEY)) == "'<redacted>'" and str(SecretStr(KEY)) == KEY
    assert repr(SecretBytes(KEY.encode())) == "b'<redacted>'"
    assert bytes(SecretBytes(KEY.encode())) == KEY.encode()
    headers = SecretHeaders({"X-Api-Key": KEY, "x-trace": "t-1", "AUTHORIZATION": KEY})
    assert (
        repr(headers)
        == "{'X-Api-Key': '<redacted>', 'x-trace': 't-1', 'AUTHORIZATION': '<redacted>'}"
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (12, "must be a str, got int"),
        (None, "must be a str, got NoneType"),
        (" \t", "is empty"),
        (
            "a b",
            "contains whitespace, a control character or a non-ASCII character inside it "
            "(surrounding whitespace is stripped; check how the key was read or pasted)",
        ),
        ("  ok-key\n", None),
    ],
)
def test_secret_problem_says_what_is_wrong_without_the_value(value: object, problem: str) -> None:
    assert secret_problem(value) == problem


def test_encode_headers_lowers_names_strips_values_and_hides_only_credentials() -> None:
    pairs = encode_headers("h", {"X-Api-Key": f" {KEY} ", "X-Trace": "t-1"})
    assert pairs == [(b"x-api-key", KEY.encode()), (b"x-trace", b"t-1")]
    assert type(pairs[0][1]) is SecretBytes and type(pairs[1][1]) is bytes
    assert repr(pairs[1][1]) == "b't-1'"


@pytest.mark.parametrize(
    ("headers", "error", "message"),
    [
        ({"bad name": "v"}, ValueError, "h: 'bad name' is not a valid HTTP header name"),
        (
            {"x-n": 1},
            TypeError,
            "h['x-n'] must be a str, got int (convert numbers with str())",
        ),
        (
            {"x-n": "a\nb"},
            ValueError,
            "h['x-n'] contains a line break or control character, which cannot be sent in a header",
        ),
    ],
)
def test_header_problems_name_the_argument_and_header(
    headers: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        encode_headers("h", headers)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_redact_url_keeps_everything_but_the_credentials() -> None:
    assert redact_url("https://u:p@w@host:8/v1?q=1#frag") == "https://***@host:8/v1?q=1#frag"
    assert redact_url("https://host/v1?q=1") == "https://host/v1?q=1"


def test_a_url_without_credentials_shows_itself() -> None:
    # The client keeps its URL as a SecretStr until it is redacted: a URL with nothing to
    # hide must come back as a plain str, or `repr(client)` shows `base_url='<redacted>'`.
    assert repr(redact_url(SecretStr("https://host/v1"))) == "'https://host/v1'"
    assert repr(redact_url(SecretStr("https://u:p@host/v1"))) == "'https://***@host/v1'"
    from anyio_claude import Claude

    with Claude(api_key=KEY, base_url="http://127.0.0.1:9/v1") as client:
        assert "base_url='http://127.0.0.1:9/v1'" in repr(client)
        assert KEY not in repr(client)
