"""The "mixed" streaming workload of the benchmarks, generated deterministically (seeded).

One message with a bit of everything a client must parse: a thinking block (2,000
thinking deltas and a signature), a text block (20,000 deltas of two words with non-ASCII,
quotes, backslashes and newlines), a tool_use block whose ~45 KB input arrives in 2,000
fragments, a ping every 100 events, then message_delta and message_stop. With the default
sizes that is 24,250 events and 3,240,867 bytes (3.24 MB); the scripts print the figures
of what they actually generate.
"""

from __future__ import annotations

import json
import random
from typing import Any

WORDS = [
    "the", "stream", "of", "tokens", "naïve", "café", "日本語", "emoji🎉", 'say "hi"',
    "back\\slash", "line\nbreak", "tab\tstop", "über", "structured", "concurrency", "€uro",
]  # fmt: skip

CHUNK = 16 * 1024


def _sse(event: dict[str, Any]) -> bytes:
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event['type']}\ndata: {data}\n\n".encode()


def _tool_input(rng: random.Random, size: int) -> str:
    items = []
    while sum(len(i) for i in items) < size:
        items.append(
            json.dumps(
                {
                    "id": rng.randrange(10**6),
                    "name": " ".join(rng.choice(WORDS) for _ in range(3)),
                    "score": round(rng.random() * 100, 3),
                    "tags": [rng.choice(WORDS) for _ in range(2)],
                    "ok": rng.random() < 0.5,
                },
                ensure_ascii=False,
            )
        )
    return '{"records": [' + ", ".join(items) + '], "done": true}'


def _fragments(text: str, count: int, rng: random.Random) -> list[str]:
    cuts = sorted(rng.sample(range(1, len(text)), count - 1))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def mixed_events(
    *,
    text_deltas: int = 20_000,
    thinking_deltas: int = 2_000,
    tool_fragments: int = 2_000,
    tool_bytes: int = 45_000,
    seed: int = 1234,
) -> list[dict[str, Any]]:
    """The events of the workload, as dicts (pings included)."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_bench",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": "claude-sonnet-5-5",
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 1200, "output_tokens": 1},
            },
        }
    ]

    def block(index: int, start: dict[str, Any], deltas: list[dict[str, Any]]) -> None:
        events.append({"type": "content_block_start", "index": index, "content_block": start})
        events.extend({"type": "content_block_delta", "index": index, "delta": d} for d in deltas)
        events.append({"type": "content_block_stop", "index": index})

    block(
        0,
        {"type": "thinking", "thinking": "", "signature": ""},
        [
            {"type": "thinking_delta", "thinking": f"{rng.choice(WORDS)} {rng.choice(WORDS)} "}
            for _ in range(thinking_deltas)
        ]
        + [{"type": "signature_delta", "signature": "EqQBCgIYAhIM" + "x" * 200}],
    )
    block(
        1,
        {"type": "text", "text": ""},
        [
            {"type": "text_delta", "text": f"{rng.choice(WORDS)} {rng.choice(WORDS)} "}
            for _ in range(text_deltas)
        ],
    )
    tool_json = _tool_input(rng, tool_bytes)
    block(
        2,
        {"type": "tool_use", "id": "toolu_bench", "name": "store_records", "input": {}},
        [
            {"type": "input_json_delta", "partial_json": part}
            for part in _fragments(tool_json, tool_fragments, rng)
        ],
    )
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": text_deltas + thinking_deltas + tool_fragments},
        }
    )
    events.append({"type": "message_stop"})
    with_pings: list[dict[str, Any]] = []
    for i, event in enumerate(events):
        if i and i % 100 == 0:
            with_pings.append({"type": "ping"})
        with_pings.append(event)
    return with_pings


def mixed_body(**kwargs: int) -> tuple[bytes, int]:
    """The SSE body of the workload and its event count."""
    events = mixed_events(**kwargs)
    return b"".join(_sse(e) for e in events), len(events)


def chunks(body: bytes, size: int = CHUNK) -> list[bytes]:
    """The body cut into network-sized chunks."""
    return [body[i : i + size] for i in range(0, len(body), size)]
