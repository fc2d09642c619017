"""The harness's metric definitions on synthetic timelines with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from anyio_claude._bench._metrics import SLO, RequestRecord, distribution, summarise


def timeline(
    index: int = 0,
    *,
    sent: float = 1.0,
    content: tuple[float, ...] = (1.2, 1.25, 1.3, 1.4),
    end: float = 1.45,
    tokens: int = 4,
    **fields: object,
) -> RequestRecord:
    return RequestRecord(
        index,
        scheduled=sent,
        sent=sent,
        end=end,
        content=list(content),
        output_tokens=tokens,
        input_tokens=10,
        **fields,  # type: ignore[arg-type]
    )


def test_per_request_metrics() -> None:
    record = timeline()
    assert record.ttft == pytest.approx(0.2)
    assert record.ttst == pytest.approx(0.05)
    assert record.icl == pytest.approx([0.05, 0.05, 0.1])
    assert record.e2e == pytest.approx(0.45)
    assert record.tpot == pytest.approx((0.45 - 0.2) / 3)
    assert record.normalised_tpot == pytest.approx(0.45 / 4)


def test_tpot_and_icl_are_different_measures() -> None:
    # Two deltas carrying 5 tokens each, the last 50 ms before the stream ends: the mean
    # chunk gap (vLLM's ITL) is 100 ms, TPOT (AIPerf's ITL) is (250 - 100) / 9 ms.
    record = timeline(content=(1.1, 1.2), end=1.25, tokens=10)
    assert sum(record.icl) / len(record.icl) == pytest.approx(0.1)
    assert record.tpot == pytest.approx(0.15 / 9)
    assert record.normalised_tpot == pytest.approx(0.025)
    summary = summarise([record])
    assert summary["itl_ms"]["mean"] == pytest.approx(100)
    assert summary["tpot_ms"]["mean"] == pytest.approx(150 / 9)


def test_undefined_metrics_are_none() -> None:
    record = timeline(content=(1.2,), tokens=1)
    assert record.ttst is None and record.icl == [] and record.tpot is None
    empty = timeline(content=(), tokens=0)
    assert empty.ttft is None and empty.normalised_tpot is None


def test_schedule_delay() -> None:
    record = RequestRecord(0, scheduled=2.0, sent=2.0035)
    assert record.schedule_delay == pytest.approx(0.0035)
    assert record.to_json()["schedule_delay_ms"] == pytest.approx(3.5)


@pytest.mark.parametrize("size", [1, 2, 7, 100, 1001])
def test_distribution_matches_numpy(size: int) -> None:
    values = [((i * 7919) % 1000) / 1000 for i in range(size)]
    stats = distribution(values)
    ms = np.array(values) * 1000
    for name, p in (("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99)):
        assert stats[name] == pytest.approx(np.percentile(ms, p))
    assert stats["min"] == pytest.approx(ms.min())
    assert stats["max"] == pytest.approx(ms.max())
    assert stats["mean"] == pytest.approx(ms.mean())
    assert stats["std"] == pytest.approx(ms.std())


def test_distribution_of_nothing() -> None:
    assert set(distribution([]).values()) == {None}


def test_summary_throughput_warmup_errors_and_goodput() -> None:
    records = [
        timeline(0, sent=0.0, content=(5.0,), end=5.0, warmup=True),  # ignored
        timeline(1, sent=1.0, content=(1.1, 1.2), end=1.3, tokens=3),
        timeline(2, sent=1.5, content=(2.0, 2.1), end=3.0, tokens=5),
        RequestRecord(3, scheduled=1.8, sent=1.8, end=1.9, status=529, error="OverloadedError"),
    ]
    summary = summarise(records, SLO(ttft_ms=200))
    assert summary["requests"] == 3 and summary["completed"] == 2
    # Completed / (last response - first request): 2 / (3.0 - 1.0).
    assert summary["request_throughput"] == pytest.approx(1.0)
    assert summary["output_token_throughput"] == pytest.approx(8 / 2)
    assert summary["ttft_ms"]["max"] == pytest.approx(500)
    assert summary["errors"] == {
        "total": 1,
        "by_class": {"OverloadedError": 1},
        "by_status": {"529": 1},
    }
    # Only request 1 answered within 200 ms.
    assert summary["goodput"]["requests"] == 1
    assert summary["goodput"]["fraction"] == pytest.approx(1 / 3)
    assert summary["goodput"]["request_throughput"] == pytest.approx(0.5)
    assert summary["goodput"]["slo"] == {"ttft_ms": 200}
    assert summary["schedule_delay_ms"]["max"] == pytest.approx(0)


def test_slo_parse_and_check() -> None:
    slo = SLO.parse("ttft:300, tpot:50,e2e:2000")
    assert slo == SLO(ttft_ms=300, tpot_ms=50, e2e_ms=2000)
    record = timeline()  # ttft 200 ms, tpot 83.3 ms, e2e 450 ms
    assert not slo.met(record)
    assert SLO.parse("tpot:90").met(record)
    assert not SLO.parse("e2e:400").met(record)
    assert not SLO().met(RequestRecord(0, 0.0, 0.0, 1.0, error="APIConnectionError"))
    for bad, word in (("ttfb:3", "ttfb"), ("ttft:x", "'x'"), ("ttft:-1", "positive")):
        with pytest.raises(ValueError, match=word):
            SLO.parse(bad)


def test_jsonl_record_fields() -> None:
    line = timeline(request_id="req_1", status=200).to_json()
    assert line["ttft_ms"] == pytest.approx(200)
    assert line["itl_ms"] == pytest.approx([50, 50, 100])
    assert line["request_id"] == "req_1" and line["error"] is None
    never_sent = RequestRecord(0, scheduled=1.0).to_json()
    assert never_sent["sent_s"] is None and math.isnan(RequestRecord(0, 1.0).e2e)


def test_summary_of_requests_that_never_finished() -> None:
    summary = summarise([RequestRecord(0, scheduled=0.0, sent=0.0)])
    assert summary["duration_s"] == 0 and summary["request_throughput"] is None
    assert summary["ttft_ms"]["p50"] is None and summary["completed"] == 0


def test_sweep_saturation_rules() -> None:
    from anyio_claude._bench._runner import _saturation, _ttft_trend

    def run(ttfts_ms: list[float], delay: float = 0.0, failed: int = 0) -> list[RequestRecord]:
        made = [
            RequestRecord(
                i,
                scheduled=i - delay,
                sent=float(i),
                end=i + 1.0,
                content=[i + t / 1000],
                output_tokens=3,
            )
            for i, t in enumerate(ttfts_ms)
        ]
        for record in made[:failed]:
            record.error = "OverloadedError"
        return made

    def step(records: list[RequestRecord]) -> dict[str, object]:
        return {**summarise(records), "ttft_trend": _ttft_trend(records)}

    steady = run([100.0] * 40)
    baseline = step(steady)
    assert _ttft_trend(steady) == pytest.approx(1.0) and _saturation(baseline, None) is None
    assert _saturation(baseline, baseline) is None
    growing = run([100.0 + 10 * i for i in range(40)])
    assert _ttft_trend(growing) > 1.5
    assert "grew" in str(_saturation(step(growing), None))
    assert _ttft_trend(run([100.0 + 10 * i for i in range(31)])) == 1.0  # too few to tell
    assert "twice the first step" in str(_saturation(step(run([250.0] * 40)), baseline))
    assert "5 %" in str(_saturation(step(run([100.0] * 40, failed=3)), baseline))
    assert "schedule delay p50 20.0" in str(_saturation(step(run([100.0] * 40, delay=0.02)), None))


def test_a_record_as_its_jsonl_line() -> None:
    record = RequestRecord(
        index=3, scheduled=1.0, sent=1.5, end=2.5, content=[1.75, 2.0, 2.25], step=2
    )
    record.input_tokens, record.output_tokens, record.status = 12, 5, 200
    record.request_id = "req_1"
    assert record.to_json() == {
        "index": 3,
        "step": 2,
        "warmup": False,
        "scheduled_s": 1.0,
        "sent_s": 1.5,
        "end_s": 2.5,
        "schedule_delay_ms": 500.0,
        "ttft_ms": 250.0,
        "ttst_ms": 250.0,
        "itl_ms": [250.0, 250.0],
        "tpot_ms": 187.5,
        "normalised_tpot_ms": 200.0,
        "e2e_ms": 1000.0,
        "input_tokens": 12,
        "output_tokens": 5,
        "status": 200,
        "error": None,
        "request_id": "req_1",
    }
    unsent = RequestRecord(index=0, scheduled=0.0, sent=math.inf)
    assert unsent.to_json()["sent_s"] is None and unsent.to_json()["end_s"] is None


def test_slo_limits_parse_meet_at_the_boundary_and_serialise() -> None:
    slo = SLO.parse("ttft:0.5, e2e:1000")
    assert slo == SLO(ttft_ms=0.5, e2e_ms=1000.0)
    assert slo.to_json() == {"ttft_ms": 0.5, "e2e_ms": 1000.0}
    assert SLO(tpot_ms=2.0).to_json() == {"tpot_ms": 2.0}
    for bad in ("ttft:0", "e2e:-1", "ttft=5", "ttft:5:6"):
        with pytest.raises(ValueError):
            SLO.parse(bad)
    exact = RequestRecord(index=0, scheduled=0.0, sent=0.0, end=1.0, content=[0.5])
    assert SLO(e2e_ms=1000.0).met(exact) and SLO(ttft_ms=500.0).met(exact)
    assert not SLO(e2e_ms=999.0).met(exact)


def test_the_summary_counts_tokens_errors_and_rates_exactly() -> None:
    records = [
        RequestRecord(index=0, scheduled=0.0, sent=0.0, end=2.0, content=[0.5]),
        RequestRecord(index=1, scheduled=0.0, sent=0.0, end=1.0, content=[0.5]),
        RequestRecord(index=2, scheduled=0.0, sent=0.0, error="APIConnectionError"),
        RequestRecord(index=3, scheduled=0.0, sent=0.0, error="OverloadedError"),
        RequestRecord(index=4, scheduled=0.0, sent=0.0, error="OverloadedError"),
    ]
    records[0].output_tokens, records[0].input_tokens = 3, 4
    records[1].output_tokens = None
    records[3].status = records[4].status = 529
    summary = summarise(records)
    assert (summary["input_tokens"], summary["output_tokens"]) == (4, 3)
    assert summary["duration_s"] == 2.0
    assert summary["request_throughput"] == 1.0 and summary["output_token_throughput"] == 1.5
    assert summary["errors"]["by_status"] == {"none": 1, "529": 2}
    assert summary["errors"]["by_class"] == {"APIConnectionError": 1, "OverloadedError": 2}
    assert summarise([])["goodput"]["fraction"] is None
    assert summarise([])["duration_s"] == 0.0
    # Sent and ended within a duration under one second: rates are still given.
    quick = RequestRecord(index=0, scheduled=0.0, sent=0.0, end=0.5, content=[0.1])
    assert summarise([quick])["request_throughput"] == 2.0
