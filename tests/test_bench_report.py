"""Reports: the HTML page (parsed, its SVG charts checked, with and without matplotlib),
CSV, JSON Lines, the summary JSON and the terminal table."""

from __future__ import annotations

import csv
import json
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from anyio_claude._bench._metrics import SLO, RequestRecord, summarise
from anyio_claude._bench._report import (
    html_report,
    terminal_table,
    write_csv,
    write_jsonl,
    write_summary,
)
from anyio_claude._bench._runner import BenchConfig, SelfCheck


def records() -> list[RequestRecord]:
    made = []
    for i in range(20):
        start = i * 0.05
        content = [start + 0.2 + k * 0.02 for k in range(10)]
        made.append(
            RequestRecord(
                i,
                scheduled=start,
                sent=start + 0.0001,
                end=content[-1] + 0.001,
                content=content,
                input_tokens=50,
                output_tokens=10,
                status=200,
                warmup=i < 2,
            )
        )
    made.append(RequestRecord(20, 1.0, 1.0, 1.01, status=529, error="OverloadedError"))
    return made


def summary(sweep: bool = False) -> dict[str, Any]:
    config = BenchConfig(
        model="m", api_key="secret-key", rate=20.0, requests=19, slo=SLO(ttft_ms=300)
    )
    result = summarise(records(), config.slo)
    if sweep:
        steps = []
        for rate in (10.0, 20.0):
            step = dict(result, offered_rate=rate, saturated=None if rate < 20 else "TTFT")
            steps.append(step)
        result["sweep"] = steps
    check = SelfCheck()
    check.lags, check.wall, check.cpu = [0.001] * 10, 1.0, 0.2
    result["self_check"] = check.report()
    result["settings"] = config.settings()
    result["warnings"] = ["an example warning"]
    return result


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, dict[str, int]] = {}
        self.current: str | None = None
        self.tags: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        for name in ("src", "href"):
            link = values.get(name) or ""
            if link.startswith(("http", "//")) and name == "src":
                self.external.append(link)
        if tag == "figure":
            self.current = values["id"]
            self.figures[self.current or ""] = {}
        elif self.current is not None:
            counts = self.figures[self.current]
            counts[tag] = counts.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self.current = None


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    return parser


@pytest.mark.parametrize("sweep", [False, True])
def test_html_report_has_svg_charts(sweep: bool) -> None:
    page = html_report(summary(sweep), records())
    parsed = parse(page)
    expected = {
        "ttft-cdf",
        "tpot-cdf",
        "e2e-cdf",
        "icl-histogram",
        "throughput-over-time",
        "in-flight",
    } | ({"sweep-curve"} if sweep else set())
    assert set(parsed.figures) == expected
    for name, counts in parsed.figures.items():
        assert counts.get("svg") == 1, name
        assert counts.get("path", 0) + counts.get("use", 0) > 3, name  # drawn lines
    assert not parsed.external  # self-contained: no scripts, images or fonts to fetch
    assert "secret-key" not in page
    assert "OverloadedError" in page and "an example warning" in page
    assert page.startswith("<!DOCTYPE html>")


def test_html_report_without_matplotlib_has_tables_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    page = html_report(summary(sweep=True), records())
    parsed = parse(page)
    assert parsed.figures == {} and "svg" not in parsed.tags
    assert parsed.tags.count("table") >= 5
    assert "anyio-claude[report]" in page


def test_csv_jsonl_and_summary(tmp_path: Path) -> None:
    data = summary(sweep=True)
    write_csv(str(tmp_path / "run.csv"), data)
    with open(tmp_path / "run.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["offered_rate"] for row in rows] == ["10.0", "20.0"]
    assert float(rows[0]["ttft_ms_p50"]) == pytest.approx(199.9)
    assert rows[0]["errors"] == "1"

    write_jsonl(str(tmp_path / "run.jsonl"), records())
    lines = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    assert len(lines) == 21 and lines[0]["warmup"] and lines[-1]["error"] == "OverloadedError"
    assert lines[5]["ttft_ms"] == pytest.approx(199.9)

    write_summary(str(tmp_path / "summary.json"), data)
    loaded = json.loads((tmp_path / "summary.json").read_text())
    for key in ("ttft_ms", "ttst_ms", "itl_ms", "tpot_ms", "e2e_ms", "schedule_delay_ms"):
        assert set(loaded[key]) == {"p50", "p90", "p95", "p99", "min", "mean", "max", "std"}
    for key in (
        "request_throughput",
        "output_token_throughput",
        "goodput",
        "errors",
        "settings",
        "self_check",
    ):
        assert key in loaded
    assert loaded["goodput"]["slo"] == {"ttft_ms": 300}


def test_terminal_table() -> None:
    table = terminal_table(summary(sweep=True))
    lines = table.splitlines()
    assert lines[0].startswith("19 requests, 18 completed, 1 errors")
    ttft = next(line for line in lines if line.startswith("TTFT"))
    assert ttft.split()[1] == "199.90"
    assert "OverloadedError x1 (status 529 x1)" in table
    assert "goodput (ttft <= 300 ms)" in table
    assert "WARNING: an example warning" in table
    assert any(line.split()[:1] == ["20.00"] and line.endswith("TTFT") for line in lines)
