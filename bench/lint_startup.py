"""Whole-process wall time of `rallyc lint` against a bare interpreter and check-jsonschema.

Every pre-commit run pays rallyc's start-up, so this measures what a user
waits for: separate processes, interleaved (one run of each command per round,
so drift hits all alike), median of the rounds.

    python bench/lint_startup.py [--rounds 15] [--spec specs/examples/refactor.rally.yaml]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tool(name: str) -> str:
    """The console script beside this interpreter (the project's .venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        sys.exit(f"bench: `{name}` is not installed (run `make test` once to create .venv)")
    return found


def commands(spec: str) -> dict[str, list[str]]:
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "rallyc --version": [tool("rallyc"), "--version"],
        "rallyc lint": [tool("rallyc"), "lint", spec],
        "check-jsonschema": [tool("check-jsonschema"), "--schemafile", "schemas/team.rally.schema.json", spec],
    }


def measure(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed: {done.stderr.decode()[-400:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--spec", default="specs/examples/refactor.rally.yaml")
    args = parser.parse_args()
    runs = commands(args.spec)
    for argv in runs.values():  # warm the file cache and lark's grammar cache
        measure(argv)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, argv in runs.items():
            times[name].append(measure(argv))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    lines = [f"{platform.python_implementation()} {platform.python_version()}, {args.rounds} interleaved rounds, "
             f"load average {os.getloadavg()[0]:.2f}, spec {args.spec} ({len((ROOT / args.spec).read_text().splitlines())} lines)", "",
             "| command | median ms |", "|---|---:|"]  # fmt: skip
    lines += [f"| `{name}` | {value:.0f} |" for name, value in medians.items()]
    version_ratio = medians["rallyc --version"] / medians["python -c pass"]
    lint_ratio = medians["rallyc lint"] / medians["check-jsonschema"]
    lines += ["", f"- `rallyc --version` / `python -c pass` = {version_ratio:.2f} (goal < 4)",
              f"- `rallyc lint` / `check-jsonschema` = {lint_ratio:.2f} (goal <= 1)"]  # fmt: skip
    print("\n".join(lines))


if __name__ == "__main__":
    main()
