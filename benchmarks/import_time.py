"""Import cost: `import anyio_claude` vs `import anthropic`, in fresh interpreters.

    python benchmarks/import_time.py [--repeat 7]

Each row runs `python -X importtime -c "<statement>"` in a new process (best of
`--repeat`) and sums the cumulative import time of the top-level modules the statement
imports, as `-X importtime` reports it. trio is installed in this environment, which is
what makes a careless `import httpcore` slow. Target: `import anyio_claude` <= 100 ms.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

ROWS = [
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


def import_ms(statement: str) -> float:
    """Milliseconds of imports `statement` triggers, by -X importtime (cumulative, top level)."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    baseline = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "pass"],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
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
    print(f"{'statement':40} {'imports, ms':>12}")
    result: dict[str, float] = {}
    for label, statement in ROWS:
        result[label] = min(import_ms(statement) for _ in range(args.repeat))
        print(f"{label:40} {result[label]:12.1f}")
    ours = result["import anyio_claude"]
    theirs = result["import anthropic (official SDK)"]
    print(
        f"\nimport anyio_claude: {ours:.1f} ms (target <= 100 ms); "
        f"the official SDK takes {theirs / ours:.1f}x as long"
    )


if __name__ == "__main__":
    main()
