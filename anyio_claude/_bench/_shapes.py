"""Load shapes and workloads: when each request is sent, and what it asks.

Pure and seeded: the whole arrival schedule is computed before the run starts, so a run
is reproducible and the sender only has to keep to it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = (
    "ARRIVALS",
    "Workload",
    "arrival_offsets",
    "load_dataset",
    "load_trace",
)

ARRIVALS = ("poisson", "constant", "gamma")

# Plain words for synthetic prompts; the seed picks them, so two runs send the same bytes.
_VOCABULARY = (
    "river stone lantern orbit meadow copper signal harbor violet engine quiet bridge "
    "summer pixel garden thunder marble falcon canvas rocket silver window forest amber "
    "circuit planet velvet anchor ribbon compass glacier hollow melody cinder prairie "
    "beacon crystal tundra willow saddle mosaic ember atlas quarry spindle lagoon"
).split()


def arrival_offsets(
    rate: float,
    arrival: str,
    *,
    burstiness: float = 1.0,
    count: int | None = None,
    duration: float | None = None,
    seed: int = 0,
) -> list[float]:
    """Send times in seconds from the start, for `count` requests or up to `duration`.

    `poisson`: exponential gaps of mean 1/rate. `constant`: exactly 1/rate apart.
    `gamma`: gamma-distributed gaps of mean 1/rate and shape `burstiness` (1 is Poisson,
    below 1 burstier, above 1 more regular; vLLM's `--burstiness`). The first request
    goes at 0. Raises ValueError for a non-positive rate or burstiness, or without a bound.
    """
    if not rate > 0:
        raise ValueError(f"rate must be positive, got {rate}")
    if not burstiness > 0:
        raise ValueError(f"burstiness must be positive, got {burstiness}")
    if arrival not in ARRIVALS:
        raise ValueError(f"arrival must be one of {', '.join(ARRIVALS)}, got {arrival!r}")
    if count is None and duration is None:
        raise ValueError("give count or duration")
    rng = random.Random(seed)
    offsets: list[float] = []
    now = 0.0
    while count is None or len(offsets) < count:
        if duration is not None and now >= duration:
            break
        offsets.append(now)
        if arrival == "constant":
            now = len(offsets) / rate  # multiplied, not summed: no drift over long runs
        elif arrival == "poisson":
            now += rng.expovariate(rate)
        else:
            now += rng.gammavariate(burstiness, 1 / (rate * burstiness))
    return offsets


@dataclass(frozen=True)
class Workload:
    """What request `i` asks: synthetic prompts, or dataset / trace lines in turn.

    `params` are `messages.create` arguments without `stream`; `model` replaces the
    model of every dataset line, so one run measures one model.
    """

    model: str
    max_tokens: int
    prompt_tokens: int = 0
    dataset: Sequence[dict[str, Any]] = ()
    seed: int = 0
    # tokens(words) ~ base_tokens + tokens_per_word * words, measured by the runner with
    # count_tokens on the endpoint itself (the only tokenizer that is right for Claude).
    base_tokens: float = 8.0
    tokens_per_word: float = 1.3

    def params(self, index: int) -> dict[str, Any]:
        """The request parameters of request `index`."""
        if self.dataset:
            params = dict(self.dataset[index % len(self.dataset)])
            params["model"] = self.model
            params.setdefault("max_tokens", self.max_tokens)
            return params
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": [{"role": "user", "content": self.prompt(index, self.prompt_tokens)}],
        }

    def words(self, tokens: int) -> int:
        """How many words make a prompt of about `tokens` input tokens."""
        return max(2, round((tokens - self.base_tokens) / self.tokens_per_word))

    def prompt(self, index: int, tokens: int, *, words: int | None = None) -> str:
        """A synthetic prompt of about `tokens` input tokens (or exactly `words` words);
        the index leads, so no two share a prefix that a cache could serve."""
        words = self.words(tokens) if words is None else words
        rng = random.Random(f"{self.seed}:{index}")
        body = " ".join(rng.choice(_VOCABULARY) for _ in range(max(words - 2, 0)))
        return f"Request {index}: {body}".strip()


def _jsonl(path: str, what: str) -> list[tuple[str, dict[str, Any]]]:
    lines: list[tuple[str, dict[str, Any]]] = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            where = f"{what} {path}:{number}"
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{where}: not JSON ({exc})") from None
            if not isinstance(item, dict):
                raise ValueError(f"{where}: expected a JSON object")
            lines.append((where, item))
    if not lines:
        raise ValueError(f"{what} {path}: no requests in it")
    return lines


def _request_params(where: str, item: dict[str, Any]) -> dict[str, Any]:
    params = item.get("params", item)
    if not isinstance(params, dict) or not isinstance(params.get("messages"), list):
        raise ValueError(f"{where}: expected {{'params': {{'messages': [...], ...}}}}")
    return {key: value for key, value in params.items() if key != "stream"}


def load_dataset(path: str) -> list[dict[str, Any]]:
    """Request parameters from a JSON Lines file in the Message Batches request format
    (`{"custom_id": ..., "params": {...}}` per line; a bare params object works too).

    Raises ValueError naming the file and line of a malformed entry.
    """
    return [_request_params(where, item) for where, item in _jsonl(path, "--dataset")]


def load_trace(path: str, workload: Workload) -> tuple[list[float], list[dict[str, Any]]]:
    """Send offsets (s, from the first line) and request parameters from a trace.

    Each line has `timestamp` (seconds) or `timestamp_ms`, and either `params` (as in a
    dataset) or `prompt_tokens` / `max_tokens` for a synthetic request of that shape.
    Lines are sorted by time. Raises ValueError naming the line of a malformed entry.
    """
    entries: list[tuple[float, dict[str, Any]]] = []
    for index, (where, item) in enumerate(_jsonl(path, "--replay")):
        if isinstance(item.get("timestamp_ms"), (int, float)):
            at = float(item["timestamp_ms"]) / 1000
        elif isinstance(item.get("timestamp"), (int, float)):
            at = float(item["timestamp"])
        else:
            raise ValueError(f"{where}: needs a numeric 'timestamp' (s) or 'timestamp_ms'")
        if "params" in item or "messages" in item:
            params = _request_params(where, item)
            params["model"] = workload.model
            params.setdefault("max_tokens", workload.max_tokens)
        else:
            tokens = item.get("prompt_tokens", workload.prompt_tokens)
            max_tokens = item.get("max_tokens", workload.max_tokens)
            if not isinstance(tokens, int) or not isinstance(max_tokens, int) or max_tokens < 1:
                raise ValueError(f"{where}: prompt_tokens and max_tokens must be integers")
            params = {
                "model": workload.model,
                "max_tokens": max_tokens,
                "messages": [{"role": "user", "content": workload.prompt(index, tokens)}],
            }
        entries.append((at, params))
    entries.sort(key=lambda entry: entry[0])
    start = entries[0][0]
    return [at - start for at, _ in entries], [params for _, params in entries]
