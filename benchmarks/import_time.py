"""Import cost: `import anyio_claude` vs its floor `import anyio, msgspec` and `import anthropic`.

    python benchmarks/import_time.py [--repeat 7]

Each row runs `python -X importtime -c "<statement>"` in a new process (best of
`--repeat`) and sums the cumulative import time of the top-level modules the statement
imports, as `-X importtime` reports it. Users have bytecode, so the script measures with
it: each statement runs once first with `PYTHONDONTWRITEBYTECODE` removed from the
environment (a warm-up that writes the `__pycache__` files), and the measured runs have it
removed too, so they load bytecode instead of compiling every module. trio is installed in
this environment, which is what makes a careless `import httpcore` slow. Target:
`import anyio_claude` <= 2x `import anyio, msgspec` (the runtime dependencies it cannot
do without), in the same environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

FLOOR = "import anyio, msgspec"
ROWS = [
    (FLOOR, FLOOR),
    ("import anyio_claude", "import anyio_claude"),
    (
        "import anyio_claude + AsyncClaude()",
        "import anyio_claude; anyio_claude.AsyncClaude(api_key='x')",
    ),
    ("import anthropic (official SDK)", "import anthropic"),
    (
        "import anthropic + AsyncAnthropic()",
        "import anthropic; anthropic.AsyncAnthropic(api_key='x')",
    ),
]


# With bytecode, as users have it (this machine sets PYTHONDONTWRITEBYTECODE=1).
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def importtime(statement: str) -> str:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
    ).stderr


def import_ms(statement: str) -> float:
    """Milliseconds of imports `statement` triggers, by -X importtime (cumulative, top level)."""
    stderr = importtime(statement)
    baseline = importtime("pass")
    startup = {line.rsplit("|", 1)[-1].strip() for line in baseline.splitlines()}
    total = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not cumulative.strip().isdigit():
            continue
        # Top-level entries (no indentation) that interpreter start-up does not import.
        if not name.startswith(" ") or name[1:2] == " " or name.strip() in startup:
            continue
        total += int(cumulative)
    return total / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for _, statement in ROWS:
        importtime(statement)  # warm-up: writes the bytecode the measured runs load
    print(f"{'statement':40} {'imports, ms':>12}")
    result: dict[str, float] = {}
    for label, statement in ROWS:
        result[label] = min(import_ms(statement) for _ in range(args.repeat))
        print(f"{label:40} {result[label]:12.1f}")
    ours = result["import anyio_claude"]
    ratio = ours / result[FLOOR]
    theirs = result["import anthropic (official SDK)"]
    print(
        f"\nimport anyio_claude / {FLOOR}: {ratio:.2f}x (target <= 2x): "
        f"target met: {'yes' if ratio <= 2 else 'no'}"
    )
    print(f"the official SDK takes {theirs / ours:.1f}x as long as import anyio_claude")


if __name__ == "__main__":
    main()
