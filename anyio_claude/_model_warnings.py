"""The warnings the official SDK gives about the model of a request: a deprecated model
(`DeprecationWarning`, with its end-of-life date) and `thinking.type="enabled"` on models
where `"adaptive"` is meant (`UserWarning`). Same tables (generated from the pinned SDK into
`types/_gen_models.py`), same texts, same moment: when the call is made, before anything is
sent."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .types._gen_models import ADAPTIVE_THINKING_MODELS, DEPRECATED_MODELS

__all__ = (
    "DEPRECATED_MODELS",
    "collect_model_warnings",
    "emit",
    "warn_about_model",
    "warn_at_caller",
)

_Pending = list[tuple[str, type[Warning]]]
# Set while the blocking client runs a call in its loop thread, where no frame of the
# caller's is on the stack: the warnings wait there and are raised in the caller's thread.
_pending: ContextVar[_Pending | None] = ContextVar("anyio_claude_model_warnings", default=None)


def warn_about_model(model: object, thinking: object) -> None:
    """Warn, as the official SDK does, about `model` and `thinking` of a request."""
    if isinstance(model, str) and model in DEPRECATED_MODELS:
        warn_at_caller(
            f"The model '{model}' is deprecated and will reach end-of-life on "
            f"{DEPRECATED_MODELS[model]}.\nPlease migrate to a newer model. Visit "
            "https://docs.anthropic.com/en/docs/resources/model-deprecations for more "
            "information.",
            DeprecationWarning,
        )
    if (
        model in ADAPTIVE_THINKING_MODELS
        and isinstance(thinking, dict)
        and thinking.get("type") == "enabled"
    ):
        warn_at_caller(
            f"Using Claude with {model} and 'thinking.type=enabled' is deprecated. Use "
            "'thinking.type=adaptive' instead which results in better model performance in "
            "our testing: https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking",
            UserWarning,
        )


@contextmanager
def collect_model_warnings(into: _Pending) -> Iterator[None]:
    """Within the block, warnings wait in `into` instead of being raised."""
    token = _pending.set(into)
    try:
        yield
    finally:
        _pending.reset(token)


def emit(pending: _Pending) -> None:
    """Raise the warnings collected by `collect_model_warnings`, here."""
    for message, category in pending:
        warn_at_caller(message, category)


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """Warn naming the line of the first caller outside this package (or, in the blocking
    client's call, wait to be raised in the caller's thread)."""
    pending = _pending.get()
    if pending is not None:
        pending.append((message, category))
        return
    # Name the caller's line, however deep in this package the call was made.
    frame = sys._getframe(1)
    level = 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("anyio_claude."):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)
