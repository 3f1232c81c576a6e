"""How long `rallyc lint` takes on globs that once hung it or crashed it (issue 15), and their cousins.

The cases live in tests/data/pathological_globs.yaml (the unit tests check their outcomes and that every
question stays within the step budget; this script times them). Each case is linted end to end in a
fresh `rallyc lint` process, in a git repository tracking the case's `files` (repository checks on) or
with `--no-repo`; a process still running after `--timeout` seconds is killed and reported as such.

    python bench/pathological.py [--runs 3] [--timeout 60] [--case SUBSTRING] [--no-steps]

It runs the checkout it lives in (`python -m rallyc` with this folder first on the path), so copying it
into an older checkout measures that one.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_globs_pathological import load_cases, write_case  # noqa: E402


def command(case: dict[str, Any], spec: Path) -> list[str]:
    """`rallyc lint` on the case's spec, looking at its repository only when it has one."""
    argv = [sys.executable, "-m", "rallyc", "lint", "--no-config"]
    return [*argv, *([] if case.get("files") else ["--no-repo"]), str(spec)]


def steps_taken(case: dict[str, Any], spec: Path) -> tuple[int | None, float]:
    """Lint the case in this process (cold caches): the most automaton steps one question took (None: no
    question reached the automata), and the seconds the lint took."""
    from rallyc import automata
    from rallyc.api import lint_file
    from rallyc.config import Settings
    from rallyc.globs import clear_caches

    budgets: list[automata.Budget] = []
    original = automata.Budget.__init__

    def counted(budget: automata.Budget, limit: int = automata.STEP_BUDGET) -> None:
        original(budget, limit)
        budgets.append(budget)

    clear_caches()
    automata.Budget.__init__ = counted  # type: ignore[method-assign]
    started = time.perf_counter()
    try:
        lint_file(spec, spec.name, Settings(repo=bool(case.get("files"))))
    finally:
        automata.Budget.__init__ = original  # type: ignore[method-assign]
    return max((budget.limit - budget.left for budget in budgets), default=None), time.perf_counter() - started


def run_once(argv: list[str], timeout: float) -> tuple[float, str]:
    """Wall seconds and the outcome: the codes found, a crash, or a timeout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return timeout, f"killed after {timeout:.0f} s"
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return elapsed, f"exit {done.returncode}: {last[:80]}"
    codes = sorted({word.split("[")[0] for line in done.stdout.splitlines() for word in line.split() if word[:2] == "RY"})
    return elapsed, ", ".join(codes) or "clean"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--case", default="")
    parser.add_argument("--no-steps", action="store_true", help="skip the in-process step count (older checkouts)")
    options = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, {len(os.sched_getaffinity(0))} cores, "
          f"load average {os.getloadavg()[0]:.2f}; median of {options.runs} `rallyc lint` processes\n")  # fmt: skip
    print("| case | outcome | process, median s | in process, ms | most steps in one question |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as temp:
        for number, case in enumerate(load_cases()):
            if options.case not in case["name"]:
                continue
            folder = Path(temp) / str(number)
            folder.mkdir()
            spec = write_case(case, folder)
            results: list[tuple[float, str]] = []
            while len(results) < options.runs and not (results and results[-1][1].startswith("killed")):
                results.append(run_once(command(case, spec), options.timeout))  # a case that hangs is not waited for again
            timed_out = results[-1][1].startswith("killed")
            wall = statistics.median(seconds for seconds, _ in results)
            shown = f"> {options.timeout:.0f}" if timed_out else f"{wall:.2f}"
            steps, seconds = (None, None) if options.no_steps or timed_out else steps_taken(case, spec)
            in_process = f"{seconds * 1000:.0f}" if seconds is not None else "-"
            steps_shown = f"{steps:,}" if steps is not None else "-"
            print(f"| {case['name']} | {results[-1][1]} | {shown} | {in_process} | {steps_shown} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} after the run")


if __name__ == "__main__":
    main()
