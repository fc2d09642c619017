"""Arrival schedules and workloads: seeded, exact in rate, and strict about their input."""

from __future__ import annotations

import itertools
import json
import statistics
from pathlib import Path

import pytest

from anyio_claude._bench._shapes import Workload, arrival_offsets, load_dataset, load_trace

MODEL = "claude-sonnet-5-5"


def gaps(offsets: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(offsets)]


def test_constant_is_exact_and_does_not_drift() -> None:
    offsets = arrival_offsets(3.0, "constant", count=30_001)
    assert offsets[:4] == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert offsets[-1] == 10_000.0


@pytest.mark.parametrize(
    ("arrival", "burstiness", "cv"),
    [
        ("poisson", 1.0, 1.0),
        ("gamma", 1.0, 1.0),
        ("gamma", 0.25, 2.0),
        ("gamma", 4.0, 0.5),
    ],
)
def test_random_arrivals_have_the_rate_and_burstiness(
    arrival: str, burstiness: float, cv: float
) -> None:
    offsets = arrival_offsets(50.0, arrival, burstiness=burstiness, count=20_000, seed=3)
    spaces = gaps(offsets)
    mean = statistics.fmean(spaces)
    assert mean == pytest.approx(1 / 50, rel=0.05)
    assert statistics.pstdev(spaces) / mean == pytest.approx(cv, rel=0.1)


def test_seeded_and_bounded_by_duration() -> None:
    one = arrival_offsets(100.0, "poisson", duration=2.0, seed=7)
    assert one == arrival_offsets(100.0, "poisson", duration=2.0, seed=7)
    assert one != arrival_offsets(100.0, "poisson", duration=2.0, seed=8)
    assert one[0] == 0 and max(one) < 2.0 and 150 < len(one) < 250


@pytest.mark.parametrize(
    ("args", "word"),
    [
        ({"rate": 0.0, "arrival": "poisson", "count": 1}, "rate"),
        ({"rate": 1.0, "arrival": "uniform", "count": 1}, "arrival"),
        ({"rate": 1.0, "arrival": "gamma", "burstiness": 0.0, "count": 1}, "burstiness"),
        ({"rate": 1.0, "arrival": "poisson"}, "count or duration"),
    ],
)
def test_bad_schedules(args: dict[str, object], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        arrival_offsets(**args)  # type: ignore[arg-type]


def test_synthetic_prompts_are_unique_and_sized() -> None:
    workload = Workload(
        MODEL, max_tokens=64, prompt_tokens=200, tokens_per_word=2.0, base_tokens=10
    )
    first, second = workload.params(0), workload.params(1)
    assert first["max_tokens"] == 64 and first["model"] == MODEL
    text = first["messages"][0]["content"]
    assert text.startswith("Request 0:") and len(text.split()) == 95
    assert second["messages"][0]["content"].startswith("Request 1:")
    assert workload.params(0) == first


def test_dataset_in_batch_format(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    lines = [
        {
            "custom_id": "a",
            "params": {
                "model": "other",
                "max_tokens": 5,
                "stream": True,
                "messages": [{"role": "user", "content": "one"}],
            },
        },
        {"messages": [{"role": "user", "content": "two"}]},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    workload = Workload(MODEL, max_tokens=64, dataset=load_dataset(str(path)))
    assert workload.params(0) == {
        "model": MODEL,
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "one"}],
    }
    assert workload.params(1)["max_tokens"] == 64
    assert workload.params(2) == workload.params(0)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("", "no requests"),
        ("{not json\n", "data.jsonl:1: not JSON"),
        ('{"params": {"model": "m"}}\n', "data.jsonl:1: expected"),
        ("[1]\n", "JSON object"),
    ],
)
def test_bad_datasets_name_the_line(tmp_path: Path, text: str, word: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(text)
    with pytest.raises(ValueError, match=word):
        load_dataset(str(path))


def test_trace_replay(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    lines = [
        {"timestamp": 100.5, "prompt_tokens": 40, "max_tokens": 7},
        {"timestamp_ms": 100_000, "params": {"messages": [{"role": "user", "content": "x"}]}},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    offsets, params = load_trace(str(path), Workload(MODEL, max_tokens=9))
    assert offsets == [0.0, 0.5]
    assert params[0]["messages"] == [{"role": "user", "content": "x"}]
    assert params[0]["max_tokens"] == 9 and params[1]["max_tokens"] == 7
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"timestamp": 1}\n{"prompt_tokens": 3}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: needs a numeric 'timestamp'"):
        load_trace(str(bad), Workload(MODEL, max_tokens=9))
