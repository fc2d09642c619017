"""The measuring scheme that `e2e.py` and `live_streams.py` share, for ratios that hold still.

On a small, shared machine a single best-of-N figure swings by half between runs: it hides
garbage collections, and a neighbour's burst of work lands on one contender and not on
another. So every comparison here is made the same way:

- **Fresh processes.** Each contender runs in a new interpreter per round (`run_child`), so
  one client's imports, caches and heap never count against another's.
- **Pinning.** The server runs on one CPU and the clients on another
  (`os.sched_setaffinity`), so the server's work never competes with the client's.
- **Interleaving.** Contenders run in a new random order every round (`run_rounds`), over
  many rounds, so a slow period of the machine hits all of them alike rather than one.
- **Per-round ratios.** Each round yields one ratio against the baseline; we report the
  median and the 10th-90th percentile spread of those ratios (`spread`), never a best case.
- **Canary.** Each child times a fixed piece of pure-Python work before and after its
  measurement (`canary`); rounds whose slowest canary is more than 1.2x the median are
  dropped (`drop_noisy`), because something else was running on the client's CPU then.
- **CPU beside wall time.** Each child reports its CPU time (`process_time`) next to wall
  time (`Probe.stop`): a CPU-bound client whose CPU/wall falls below 0.95 was waiting for
  something other than its own work. On Linux it also reports how long its threads sat
  runnable in the scheduler's queue while another process had the CPU
  (`/proc/self/task/*/schedstat`): near zero on a quiet machine, and the plainest sign of
  a disturbed run, so rounds where a client waited more than 5 % of its run are dropped
  too (if every round is disturbed, all are shown and the report says so).
- **GC.** After the warm-up each child runs `gc.collect(); gc.freeze()` so the collector
  no longer walks the imported modules, and times every collection in the measured
  window through `gc.callbacks`, reported per stream.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CANARY_LIMIT = 1.2
"""Rounds whose slowest canary exceeds this multiple of the median canary are dropped."""

CPU_WAIT_LIMIT = 0.05
"""Rounds where a client spent more than this share of its run waiting for the CPU (another
process had it) are dropped."""

CPU_BOUND = 0.95
"""A CPU-bound client below this CPU/wall ratio was kept waiting; such runs are flagged."""


def _cpus() -> tuple[int | None, int | None]:
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return cpus[0], cpus[-1]


SERVER_CPU, CLIENT_CPU = _cpus()
"""The CPUs the server and the clients run on; None where pinning is impossible."""


def pin(cpu: int | None) -> None:
    """Keep this process (and the children it starts from now on) on `cpu`."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


def pinning_note() -> str:
    """One line saying where the server and the clients run."""
    if SERVER_CPU is None:
        return "no CPU pinning (needs os.sched_setaffinity and 2 CPUs): expect more noise"
    return f"server pinned to CPU {SERVER_CPU}, clients to CPU {CLIENT_CPU}"


def canary() -> float:
    """Wall seconds for a fixed piece of pure-Python work (~10 ms on a quiet machine)."""
    start = time.perf_counter()
    total = 0
    for i in range(150_000):
        total += i * i % 7
    return time.perf_counter() - start


def _cpu_wait() -> float:
    """Seconds this process's threads have spent runnable but waiting for a CPU (Linux)."""
    total = 0
    for stat in Path("/proc/self/task").glob("*/schedstat"):
        with contextlib.suppress(OSError):  # a thread that just ended
            total += int(stat.read_text().split()[1])
    return total / 1e9


class Probe:
    """The child's side of one measurement: `start()` after the warm-up, `stop()` after.

    Between the two it times wall and CPU, the wait for the CPU, and every garbage
    collection; a canary runs just before and just after.
    """

    def __init__(self) -> None:
        self._gc_seconds = 0.0
        self._gc_collections = 0
        self._gc_full = 0
        self._gc_started = 0.0
        self._canaries: list[float] = []

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self._gc_seconds += time.perf_counter() - self._gc_started
            self._gc_collections += 1
            self._gc_full += info["generation"] == 2

    def start(self) -> None:
        gc.collect()
        gc.freeze()
        self._canaries.append(canary())
        self._waited = _cpu_wait()
        gc.callbacks.append(self._on_gc)
        self._cpu = time.process_time()
        self._wall = time.perf_counter()

    def stop(self) -> dict[str, float]:
        """The measurement: wall, cpu, cpu_wait, gc_seconds, gc_collections, gc_full (of
        the oldest generation), canary (seconds)."""
        wall = time.perf_counter() - self._wall
        cpu = time.process_time() - self._cpu
        cpu_wait = _cpu_wait() - self._waited
        gc.callbacks.remove(self._on_gc)
        self._canaries.append(canary())
        return {
            "wall": wall,
            "cpu": cpu,
            "cpu_wait": cpu_wait,
            "gc_seconds": self._gc_seconds,
            "gc_collections": self._gc_collections,
            "gc_full": self._gc_full,
            "canary": max(self._canaries),
        }


def emit(result: dict[str, Any]) -> None:
    """Hand a child's result to the parent (the last line of its stdout)."""
    print(json.dumps(result), flush=True)


def run_child(argv: Sequence[str]) -> dict[str, Any]:
    """Run `python argv...` in a fresh process and return what it `emit`ted."""
    done = subprocess.run(
        [sys.executable, *argv], check=False, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {list(argv)} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


Round = dict[str, dict[str, Any]]
"""One round: each contender's name mapped to its child's result."""


def run_rounds(
    contenders: Sequence[str],
    rounds: int,
    run_one: Callable[[str], dict[str, Any]],
    *,
    label: str = "",
    seed: int = 2026,
) -> list[Round]:
    """Run every contender once per round, in a new random order each round."""
    rng = random.Random(seed)
    progress = sys.stderr.isatty()
    results: list[Round] = []
    for r in range(rounds):
        order = list(contenders)
        rng.shuffle(order)
        if progress:
            print(f"\r  {label}round {r + 1}/{rounds} ", end="", file=sys.stderr, flush=True)
        results.append({name: run_one(name) for name in order})
    if progress:
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr, flush=True)
    return results


@dataclass
class Kept:
    """The rounds fit to report, and why the others were dropped."""

    rounds: list[Round]
    total: int
    slow_canary: int
    cpu_wait: int

    @property
    def note(self) -> str:
        """One line saying how the figures were obtained."""
        line = (
            f"{self.total} rounds, contenders in random order, each in a fresh process; "
            f"dropped {self.slow_canary} with a canary > {CANARY_LIMIT}x its median and "
            f"{self.cpu_wait} where a client waited > {CPU_WAIT_LIMIT:.0%} of its run for "
            "the CPU"
        )
        if self.slow_canary + self.cpu_wait == self.total:
            return line + ": no round was quiet, so ALL are shown, disturbed"
        return line + f"; {len(self.rounds)} kept"


def drop_noisy(rounds: list[Round]) -> Kept:
    """Drop the rounds where the machine was busy with something else: the slowest canary
    above CANARY_LIMIT x the median, or a client waiting for the CPU more than
    CPU_WAIT_LIMIT of its run. If that drops every round, all are kept (the note says so).
    """
    worst = [max(result["canary"] for result in r.values()) for r in rounds]
    limit = CANARY_LIMIT * statistics.median(worst)
    slow = {i for i, w in enumerate(worst) if w > limit}
    waited = {
        i
        for i, r in enumerate(rounds)
        if i not in slow
        and any(result["cpu_wait"] > CPU_WAIT_LIMIT * result["wall"] for result in r.values())
    }
    kept = [r for i, r in enumerate(rounds) if i not in slow and i not in waited]
    return Kept(kept or rounds, len(rounds), len(slow), len(waited))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, interpolating between neighbours."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(median, 10th percentile, 90th percentile)."""
    return percentile(values, 50), percentile(values, 10), percentile(values, 90)
