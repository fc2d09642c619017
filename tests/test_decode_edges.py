"""The lenient decoder's edges: error messages, bytes against text, unions with a list
member, defaults of missing keys, and `message_delta` keys the message knows (found
unpinned by mutation testing, docs/contributing.md)."""

from __future__ import annotations

import json
from typing import Any, Literal

import msgspec
import pytest

from anyio_claude import EventProtocolError, ProtocolError, ValidationError
from anyio_claude.streaming import MessageAccumulator
from anyio_claude.types import Diagnostics, TextBlock, Unknown
from anyio_claude.types._decode import (
    LenientDecoder,
    decode_batch_result_line,
    decode_content_block,
    decode_event,
    decode_message,
    validate,
)

MESSAGE: dict[str, Any] = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "content": [{"type": "text", "text": "Hi"}],
    "model": "claude-sonnet-5-5",
    "stop_reason": None,
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 1},
}


@pytest.mark.parametrize("data", ["{", b"{"])
def test_invalid_json_names_what_was_decoded(data: str | bytes) -> None:
    with pytest.raises(ProtocolError, match=r"^message is not valid JSON: Input data was trunc"):
        decode_message(data)
    with pytest.raises(ProtocolError, match=r"^content block is not valid JSON: Input data"):
        decode_content_block(data)
    with pytest.raises(ProtocolError, match=r"^batch result line is not valid JSON: Input"):
        decode_batch_result_line(data)
    with pytest.raises(EventProtocolError, match=r"^stream event is not valid JSON: Input"):
        decode_event(data)


@pytest.mark.parametrize("binary", [False, True])
def test_data_no_api_could_send_names_what_and_where(binary: bool) -> None:
    def data(value: Any) -> str | bytes:
        text = json.dumps(value)
        return text.encode() if binary else text

    with pytest.raises(ProtocolError, match=r"^invalid message: Expected `object` for Message$"):
        decode_message(data([]))
    with pytest.raises(
        ProtocolError, match=r"^invalid message: Expected `str`, got `int` - at `\$.model`$"
    ):
        decode_message(data({**MESSAGE, "model": 5, "new": 1}))
    with pytest.raises(
        ProtocolError, match=r"^invalid content block: Expected `object`, got `str`$"
    ):
        decode_content_block(data("text"))
    with pytest.raises(
        ProtocolError,
        match=r"^invalid batch result line: Expected `object` for MessageBatchIndividualResponse$",
    ):
        decode_batch_result_line(data([1]))
    with pytest.raises(
        EventProtocolError, match=r"^invalid stream event: Expected `object`, got `str`$"
    ):
        decode_event(data("ping"))
    with pytest.raises(ValidationError, match=r"^invalid TextBlock: Expected `object`, got `str`$"):
        validate(TextBlock, data("text"))


@pytest.mark.parametrize("data", ['{"type": "ping", "new": 1, oops}', "{"])
def test_a_drifted_event_that_is_invalid_json_is_an_event_error(data: str) -> None:
    # The typed decode stops at the unknown key; the lenient one then finds the bad JSON.
    for given in (data, data.encode()):
        with pytest.raises(EventProtocolError, match=r"^stream event is not valid JSON: "):
            decode_event(given)


def test_invalid_utf8_in_event_bytes_reads_as_replacement_characters() -> None:
    data = b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\xffb"}}'
    event = decode_event(data)
    assert event == decode_event(data.decode("utf-8", "replace"))
    assert event.delta.text == "a\ufffdb"  # type: ignore[union-attr]


@pytest.mark.parametrize("data", [' [{"type": "text", "text": "a", "new": 1}]', "\n[]"])
def test_a_union_with_a_list_member_decodes_arrays_after_whitespace(data: str) -> None:
    decoder: LenientDecoder[Any] = LenientDecoder(str | list[TextBlock])  # type: ignore[arg-type]
    for given in (data, data.encode()):
        value: list[TextBlock] = decoder.decode(given)
        assert isinstance(value, list)
        assert [block.text for block in value] == [b["text"] for b in json.loads(data)]
    assert decoder.decode('"plain"') == "plain"
    # A new value of a Literal beside a list member is kept, as for a Literal alone.
    choices: LenientDecoder[Any] = LenientDecoder(Literal["a", "b"] | list[int])  # type: ignore[arg-type]
    assert choices.decode('"c"') == "c"
    assert choices.decode(" [1, 2]") == [1, 2]


class _Inner(msgspec.Struct):
    kind: Literal["a"]


class _Outer(msgspec.Struct):
    x: int
    inner: _Inner
    items: list[int]
    table: dict[str, int]


def test_missing_required_keys_take_empty_values_or_name_the_path() -> None:
    # A required list the API left out (or sent as null) reads as an empty one.
    without = {k: v for k, v in MESSAGE.items() if k != "content"}
    assert decode_message(json.dumps({**without, "new": 1})).content == []
    assert decode_message(json.dumps({**MESSAGE, "content": None, "new": 1})).content == []
    # A nested object whose own required key has no empty value names the whole path.
    with pytest.raises(
        ValidationError,
        match=r"^invalid _Outer: Object missing required field `kind` - at `\$.inner`$",
    ):
        validate(_Outer, '{"x": 1, "items": null, "table": null}')
    outer = validate(_Outer, '{"x": 1, "inner": {"kind": "a"}, "items": null}')
    assert (outer.items, outer.table) == ([], {})


def _accumulated(delta: dict[str, Any], usage: dict[str, Any]) -> MessageAccumulator:
    accumulator = MessageAccumulator()
    start: dict[str, Any] = {"type": "message_start", "message": {**MESSAGE, "content": []}}
    accumulator.update(decode_event(json.dumps(start)))
    event = {"type": "message_delta", "delta": delta, "usage": usage}
    accumulator.update(decode_event(json.dumps(event)))
    return accumulator


def test_message_delta_keys_the_message_knows_are_decoded_as_its_types() -> None:
    # `service_tier` and `diagnostics` belong to Usage and Message, not to the delta's
    # own types: they arrive as unknown keys of the delta and are applied typed.
    snapshot = _accumulated(
        {"stop_reason": "end_turn", "diagnostics": {"cache_miss_reason": None}},
        {"output_tokens": 5, "service_tier": "priority", "glow": 1},
    ).snapshot
    assert snapshot.usage.service_tier == "priority"
    assert snapshot.diagnostics == Diagnostics(cache_miss_reason=None)
    assert snapshot.usage.model_extra == {"glow": 1}
    assert "service_tier" not in snapshot.usage.model_extra


def test_a_message_delta_key_with_an_impossible_value_is_an_event_error() -> None:
    with pytest.raises(
        EventProtocolError,
        match=r"^invalid 'service_tier': Expected `str | null`, got `int`$",
    ):
        _accumulated({"stop_reason": "end_turn"}, {"output_tokens": 5, "service_tier": 5})


def test_errors_deep_inside_name_the_type_expected() -> None:
    drifted = {**MESSAGE, "content": "oops", "new": 1}
    with pytest.raises(
        ProtocolError,
        match=r"^invalid message: Expected `array`, got `str` - at `\$.content`$",
    ):
        decode_message(json.dumps(drifted))
    either: LenientDecoder[Any] = LenientDecoder(int | str)  # type: ignore[arg-type]
    with pytest.raises(msgspec.ValidationError, match=r"^Expected `int \| str`, got `object`$"):
        either.decode("{}")


def test_an_unknown_tag_of_any_tagged_union_is_kept() -> None:
    # Batch results are a tagged union of their own (not a content block or an event).
    line = decode_batch_result_line('{"custom_id": "a", "result": {"type": "later", "n": 1}}')
    assert isinstance(line.result, Unknown)
    assert line.result.type == "later" and line.result["n"] == 1


def test_the_tag_of_a_drifted_object_is_not_an_unknown_key() -> None:
    block = decode_content_block('{"type": "text", "text": "a", "new": 1}')
    assert block.model_extra == {"new": 1}
    assert block.to_dict() == {"type": "text", "text": "a", "new": 1}
