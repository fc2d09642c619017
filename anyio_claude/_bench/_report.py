"""Reports of a run: JSON Lines per request, the summary JSON, CSV, the terminal table
and one self-contained HTML page (SVG charts when matplotlib is installed)."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from ._metrics import STAT_KEYS, RequestRecord

__all__ = (
    "DISTRIBUTIONS",
    "html_report",
    "terminal_table",
    "write_csv",
    "write_jsonl",
    "write_summary",
)

DISTRIBUTIONS = (
    ("ttft_ms", "TTFT"),
    ("ttst_ms", "TTST"),
    ("itl_ms", "ICL (inter-chunk)"),
    ("tpot_ms", "TPOT"),
    ("normalised_tpot_ms", "normalised TPOT"),
    ("e2e_ms", "E2E"),
    ("schedule_delay_ms", "schedule delay"),
)


def write_jsonl(path: str, records: Sequence[RequestRecord]) -> None:
    """One JSON object per request, in send order."""
    with open(path, "w", encoding="utf-8") as file:
        for record in sorted(records, key=lambda r: (r.step, r.index)):
            file.write(json.dumps(record.to_json()) + "\n")


def write_summary(path: str, summary: dict[str, Any]) -> None:
    """The summary as indented JSON."""
    with open(path, "w", encoding="utf-8") as file:
        json.dump(summary, file, indent=2)
        file.write("\n")


def _csv_row(summary: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "offered_rate": summary.get("offered_rate", summary["settings"]["rate"]),
        "requests": summary["requests"],
        "completed": summary["completed"],
        "errors": summary["errors"]["total"],
        "request_throughput": summary["request_throughput"],
        "output_token_throughput": summary["output_token_throughput"],
        "goodput": summary["goodput"]["request_throughput"],
    }
    for key, _ in DISTRIBUTIONS:
        for stat in STAT_KEYS:
            row[f"{key}_{stat}"] = summary[key][stat]
    return row


def write_csv(path: str, summary: dict[str, Any]) -> None:
    """One row per run, or per step of a sweep: counts, throughputs and every statistic."""
    settings = summary["settings"]
    rows = [_csv_row({**step, "settings": settings}) for step in summary.get("sweep", ())]
    rows = rows or [_csv_row(summary)]
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _headline(summary: dict[str, Any]) -> str:
    settings = summary["settings"]
    step = (
        f" (figures of the {summary['offered_rate']:g}/s step, the last that kept up)"
        if summary.get("sweep") and "offered_rate" in summary and not summary["saturated"]
        else ""
    )
    return (
        f"{summary['requests']} requests, {summary['completed']} completed, "
        f"{summary['errors']['total']} errors in {summary['duration_s']:.2f} s; "
        f"{settings['shape']}{step}; {settings['client']} client, model {settings['model']}"
    )


def terminal_table(summary: dict[str, Any]) -> str:
    """The summary as aligned plain text, for the terminal."""
    lines = [_headline(summary), ""]
    header = f"{'metric (ms)':<18}" + "".join(f"{stat:>10}" for stat in STAT_KEYS)
    lines += [header, "-" * len(header)]
    for key, label in DISTRIBUTIONS:
        stats = summary[key]
        lines.append(f"{label:<18}" + "".join(f"{_number(stats[s], 2):>10}" for s in STAT_KEYS))
    lines.append("")
    goodput = summary["goodput"]
    slo = ", ".join(f"{k[:-3]} <= {v:g} ms" for k, v in goodput["slo"].items()) or "no SLO"
    lines += [
        f"request throughput       {_number(summary['request_throughput'], 2)} req/s",
        f"output token throughput  {_number(summary['output_token_throughput'], 1)} tokens/s",
        f"goodput ({slo})  {_number(goodput['request_throughput'], 2)} req/s, "
        f"{_number((goodput['fraction'] or 0) * 100, 1)} % of requests",
    ]
    errors = summary["errors"]
    if errors["total"]:
        by = ", ".join(f"{name} x{count}" for name, count in errors["by_class"].items())
        status = ", ".join(f"{code} x{count}" for code, count in errors["by_status"].items())
        lines.append(f"errors                   {by} (status {status})")
    check = summary["self_check"]
    lines.append(
        f"self-check               loop lag p99 {_number(check['loop_lag_ms']['p99'], 2)} ms, "
        f"client {_number(check['client_us_per_event'], 1)} us/event, "
        f"busy {_number((check['cpu_busy'] or 0) * 100, 0)} %"
    )
    steps = summary.get("sweep")
    if steps:
        lines += [
            "",
            f"{'rate/s':>9}{'req/s':>9}{'TTFT p50':>10}{'TTFT p99':>10}"
            f"{'TPOT p50':>10}{'E2E p50':>10}  saturated",
        ]
        for step in steps:
            lines.append(
                f"{step['offered_rate']:>9.2f}{_number(step['request_throughput'], 2):>9}"
                f"{_number(step['ttft_ms']['p50']):>10}{_number(step['ttft_ms']['p99']):>10}"
                f"{_number(step['tpot_ms']['p50']):>10}{_number(step['e2e_ms']['p50']):>10}"
                f"  {step['saturated'] or 'no'}"
            )
    for warning in summary["warnings"]:
        lines.append(f"WARNING: {warning}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- HTML

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.warning { background: #fff3cd; padding: 0.5em 1em; border-left: 4px solid #e0a800; }
figure { display: inline-block; margin: 0 1em 1em 0; vertical-align: top; }
figcaption { font-weight: 600; }
"""


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _tables(summary: dict[str, Any]) -> str:
    parts = ["<h2>Latency (ms)</h2>"]
    parts.append(
        _table(
            ("metric", *STAT_KEYS),
            [
                (label, *(_number(summary[key][s], 2) for s in STAT_KEYS))
                for key, label in DISTRIBUTIONS
            ],
        )
    )
    goodput = summary["goodput"]
    parts.append("<h2>Throughput</h2>")
    parts.append(
        _table(
            ("measure", "value"),
            [
                ("requests / completed", f"{summary['requests']} / {summary['completed']}"),
                ("request throughput (req/s)", _number(summary["request_throughput"], 2)),
                ("output tokens/s", _number(summary["output_token_throughput"], 1)),
                ("goodput (req/s)", _number(goodput["request_throughput"], 2)),
                ("goodput SLO", json.dumps(goodput["slo"])),
                (
                    "input / output tokens",
                    f"{summary['input_tokens']} / {summary['output_tokens']}",
                ),
            ],
        )
    )
    errors = summary["errors"]
    parts.append("<h2>Errors</h2>")
    parts.append(
        _table(("class", "count"), sorted(errors["by_class"].items()))
        + _table(("status", "count"), sorted(errors["by_status"].items()))
        if errors["total"]
        else "<p>None.</p>"
    )
    check = summary["self_check"]
    parts.append("<h2>Self-check</h2>")
    parts.append(
        _table(
            ("measure", "value"),
            [
                ("event-loop lag p99 (ms)", _number(check["loop_lag_ms"]["p99"], 2)),
                ("event-loop lag max (ms)", _number(check["loop_lag_ms"]["max"], 2)),
                ("client time per event (µs)", _number(check["client_us_per_event"], 1)),
                ("client process busy", _number((check["cpu_busy"] or 0) * 100, 0) + " %"),
                ("saturated", "yes" if check["saturated"] else "no"),
            ],
        )
    )
    steps = summary.get("sweep")
    if steps:
        parts.append("<h2>Sweep</h2>")
        parts.append(
            _table(
                (
                    "offered rate/s",
                    "req/s",
                    "TTFT p50",
                    "TTFT p99",
                    "TPOT p50",
                    "E2E p50",
                    "saturated",
                ),
                [
                    (
                        f"{step['offered_rate']:.2f}",
                        _number(step["request_throughput"], 2),
                        _number(step["ttft_ms"]["p50"]),
                        _number(step["ttft_ms"]["p99"]),
                        _number(step["tpot_ms"]["p50"]),
                        _number(step["e2e_ms"]["p50"]),
                        step["saturated"] or "no",
                    )
                    for step in steps
                ],
            )
        )
    return "".join(parts)


def _timeline(records: Sequence[RequestRecord]) -> tuple[list[float], list[float], list[float]]:
    """Bin centres (s), completed requests/s and output tokens/s per bin."""
    done = [r for r in records if r.ok and math.isfinite(r.end)]
    if not done:
        return [], [], []
    start = min(r.sent for r in records if math.isfinite(r.sent))
    span = max(r.end for r in done) - start
    width = max(span / 40, 1e-3)
    bins = int(span / width) + 1
    counts = [0.0] * bins
    tokens = [0.0] * bins
    for record in done:
        at = min(int((record.end - start) / width), bins - 1)
        counts[at] += 1 / width
        tokens[at] += (record.output_tokens or 0) / width
    centres = [start + (i + 0.5) * width for i in range(bins)]
    return centres, counts, tokens


def _in_flight(records: Sequence[RequestRecord]) -> tuple[list[float], list[int]]:
    changes = sorted(
        [(r.sent, 1) for r in records if math.isfinite(r.sent)]
        + [(r.end, -1) for r in records if math.isfinite(r.end)]
    )
    times, levels, level = [], [], 0
    for at, change in changes:
        level += change
        times.append(at)
        levels.append(level)
    return times, levels


def _charts(summary: dict[str, Any], records: Sequence[RequestRecord]) -> str | None:
    """The charts as inline SVG figures, or None without matplotlib."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        return None

    measured = [r for r in records if not r.warmup]
    good = [r for r in measured if r.ok]
    figures: list[str] = []

    def figure(ident: str, caption: str, draw: Any) -> None:
        fig = Figure(figsize=(5.2, 3.4), layout="constrained")
        draw(fig.add_subplot())
        buffer = io.StringIO()
        # Text stays text and ids are stable: smaller files, identical runs compare equal.
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "anyio-claude"}):
            fig.savefig(buffer, format="svg")
        svg = buffer.getvalue()
        svg = svg[svg.index("<svg") :]
        figures.append(
            f'<figure id="{ident}"><figcaption>{html.escape(caption)}</figcaption>{svg}</figure>'
        )

    def cdf(values: Sequence[float], label: str) -> Any:
        def draw(ax: Any) -> None:
            ordered = sorted(v * 1000 for v in values)
            n = len(ordered)
            ax.step(ordered, [(i + 1) / n for i in range(n)], where="post")
            ax.set_xlabel(f"{label} (ms)")
            ax.set_ylabel("fraction of requests")
            ax.grid(alpha=0.3)

        return draw

    for ident, label, values in (
        ("ttft-cdf", "TTFT", [r.ttft for r in good]),
        ("tpot-cdf", "TPOT", [r.tpot for r in good]),
        ("e2e-cdf", "E2E", [r.e2e for r in good]),
    ):
        present = [v for v in values if v is not None]
        if present:
            figure(ident, f"{label}: cumulative distribution", cdf(present, label))

    gaps = [gap * 1000 for r in good for gap in r.icl]
    if gaps:

        def icl(ax: Any) -> None:
            ax.hist(gaps, bins=50)
            ax.set_xlabel("gap between content chunks (ms)")
            ax.set_ylabel("chunks")

        figure("icl-histogram", "Inter-chunk latency: histogram", icl)

    centres, counts, tokens = _timeline(measured)
    if centres:

        def throughput(ax: Any) -> None:
            ax.plot(centres, counts, label="requests/s")
            ax.set_xlabel("time (s)")
            ax.set_ylabel("completed requests/s")
            other = ax.twinx()
            other.plot(centres, tokens, color="tab:orange", label="output tokens/s")
            other.set_ylabel("output tokens/s")
            ax.grid(alpha=0.3)

        figure("throughput-over-time", "Throughput over time", throughput)

    times, levels = _in_flight(measured)
    if times:

        def in_flight(ax: Any) -> None:
            ax.step(times, levels, where="post")
            ax.set_xlabel("time (s)")
            ax.set_ylabel("requests in flight")
            ax.grid(alpha=0.3)

        figure("in-flight", "Requests in flight over time", in_flight)

    steps = [s for s in summary.get("sweep", ()) if s["request_throughput"] is not None]
    if steps:

        def curve(ax: Any) -> None:
            x = [s["request_throughput"] for s in steps]
            for stat in ("p50", "p99"):
                ax.plot(x, [s["ttft_ms"][stat] for s in steps], marker="o", label=f"TTFT {stat}")
            ax.plot(x, [s["e2e_ms"]["p50"] for s in steps], marker="s", label="E2E p50")
            ax.set_xlabel("achieved throughput (req/s)")
            ax.set_ylabel("latency (ms)")
            ax.legend()
            ax.grid(alpha=0.3)

        figure("sweep-curve", "Sweep: throughput vs latency", curve)
    return "".join(figures)


def html_report(summary: dict[str, Any], records: Sequence[RequestRecord]) -> str:
    """One self-contained HTML page: tables always, SVG charts with matplotlib."""
    charts = _charts(summary, records)
    warnings = "".join(
        f'<p class="warning">{html.escape(warning)}</p>' for warning in summary["warnings"]
    )
    settings = _table(
        ("setting", "value"),
        [(k, json.dumps(v)) for k, v in summary["settings"].items() if v not in (None, {})],
    )
    chart_part = (
        f"<h2>Charts</h2>{charts}"
        if charts is not None
        else '<p class="note">Charts need matplotlib: <code>pip install '
        "anyio-claude[report]</code>.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>anyio-claude bench report</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>anyio-claude bench</h1><p>{html.escape(_headline(summary))}</p>{warnings}"
        f"{_tables(summary)}{chart_part}<h2>Settings</h2>{settings}</body></html>\n"
    )
