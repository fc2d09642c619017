"""Replies decoded into a structured-output type: `ParsedMessage` and `ParsedTextBlock`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic

from ._wire import Message, TextBlock

if TYPE_CHECKING:
    # The official default (`ParsedMessage` alone is `ParsedMessage[None]`), for type
    # checkers only: `typing_extensions` is no runtime dependency.
    from typing_extensions import TypeVar

    from .beta.parsed_beta_message import ParsedBetaContentBlock

    T = TypeVar("T", default=None)
else:
    from typing import TypeVar

    T = TypeVar("T")

__all__ = ("ParsedMessage", "ParsedTextBlock")


class ParsedTextBlock(TextBlock, Generic[T], gc=True, dict=True):
    """A text block of a structured-output reply, with its text decoded: `parsed_output`.

    `parsed_output` is not a field: `to_dict()`, `to_json()` and sending the block back
    in the next turn leave it out, as the API expects.
    """

    @property
    def parsed_output(self) -> T | None:
        """The block's text decoded into the requested type (None without `output_format`
        and on a block you built; Optional as the official SDK types it)."""
        value: T | None = self.__dict__.get("_parsed_output")
        return value


class ParsedMessage(Message, Generic[T], gc=True, dict=True):
    """The reply of `messages.parse` (and of a stream's `get_final_message()` when
    `output_format` was given): a `Message` whose text blocks are `ParsedTextBlock`s."""

    if TYPE_CHECKING:
        # For type checkers only (nothing changes on the wire): `block.type == "text"`
        # narrows to a `ParsedTextBlock[T]`. The union is `Message.content`'s, with
        # `ParsedTextBlock` for `TextBlock` (tests/test_parse.py checks it).
        content: list[ParsedBetaContentBlock[T]]  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]

    @property
    def parsed_output(self) -> T | None:
        """The first text block's decoded value; None when the reply has no text block."""
        for block in self.content:
            if isinstance(block, ParsedTextBlock):
                value: T | None = block.parsed_output
                return value
        return None
