"""`anyio-claude bench`: an open-loop load-test harness for Claude endpoints.

Layers, data flowing one way: `_shapes` (arrival schedules and workloads, pure),
`_runner` (the only I/O: sends requests and stamps bytes on arrival), `_metrics`
(per-request metrics and summary statistics, pure), `_report` (JSONL, JSON, CSV, the
terminal table and the HTML report). `_cli` wires them to the command line.
"""
