"""How long `rallyc lint` takes on globs that once hung it or crashed it (issue 15), and their cousins.

The cases live in tests/data/pathological_globs.yaml (the unit tests check their outcomes and that every
question stays within the step budget; this script times them). Each case is linted end to end in a
fresh `rallyc lint` process, in a git repository tracking the case's `files` (repository checks on) or
with `--no-repo`; a process still running after `--timeout` seconds is killed and reported as such.

    python bench/pathological.py [--runs 3] [--timeout 60] [--case SUBSTRING]

It runs the checkout it lives in (`python -m rallyc` with this folder first on the path), so copying it
into an older checkout measures that one.
"""

from __future__ import annotations

import argparse
import json
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
CASES = ROOT / "tests" / "data" / "pathological_globs.yaml"
EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


def load_cases() -> list[dict[str, Any]]:
    from ruamel.yaml import YAML

    cases: list[dict[str, Any]] = YAML(typ="safe").load(CASES.read_text(encoding="utf-8"))["cases"]
    return cases


def nested(depth: int) -> str:
    return "{a," * depth + "b" + "}" * depth


def glob_text(text: str) -> str:
    """`NESTED_300` stands for braces nested 300 deep (too long to write out in the case file)."""
    return nested(int(text.split("_")[1])) if text.startswith("NESTED_") else text


def spec_text(case: dict[str, Any]) -> str:
    """A two-teammate spec around the case's globs (JSON flow lists are YAML)."""

    def globs(kind: str, mate: str) -> str:
        found = case.get(kind, {}).get(mate)
        return f"\n    {kind}: {json.dumps([glob_text(text) for text in found])}" if found else ""

    writes = f", writes: {json.dumps(case['writes'])}" if "writes" in case else ""
    return (
        "rally: 1\n"
        "team: {name: patho, goal: Exercise one pathological glob case.}\n"
        "budget: {max_usd: 40}\n"
        "teammates:\n"
        f"  - name: web\n    role: implementation{globs('owns', 'web')}{globs('reads', 'web')}\n"
        f"    tasks:\n      - {{id: one, do: Do it., estimate: 20m, verify: [make]{writes}}}\n"
        f"  - name: api\n    role: testing{globs('owns', 'api')}{globs('reads', 'api')}\n"
        "    tasks:\n      - {id: two, do: Check it., estimate: 20m, verify: [make]}\n"
    )


def prepare(case: dict[str, Any], folder: Path) -> list[str]:
    """Write the case's spec (and its repository); the `rallyc lint` command line for it."""
    folder.mkdir(parents=True)
    spec = folder / "case.rally.yaml"
    spec.write_text(spec_text(case), encoding="utf-8")
    argv = [sys.executable, "-m", "rallyc", "lint", "--no-config", str(spec)]
    if not case.get("files"):
        return [*argv[:4], "--no-repo", *argv[4:]]
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    lines = "".join(f"100644 {EMPTY_BLOB}\t{path}\n" for path in case["files"])
    subprocess.run(["git", "-C", str(folder), "update-index", "--index-info"], input=lines.encode(), check=True)
    return argv


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
    options = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, {len(os.sched_getaffinity(0))} cores, "
          f"load average {os.getloadavg()[0]:.2f}; median of {options.runs} `rallyc lint` processes\n")  # fmt: skip
    print("| case | outcome | median s |\n|---|---|---:|")
    with tempfile.TemporaryDirectory() as temp:
        for number, case in enumerate(load_cases()):
            if options.case not in case["name"]:
                continue
            argv = prepare(case, Path(temp) / str(number))
            results: list[tuple[float, str]] = []
            while len(results) < options.runs and not (results and results[-1][1].startswith("killed")):
                results.append(run_once(argv, options.timeout))  # a case that hangs is not waited for again
            timed_out = results[-1][1].startswith("killed")
            wall = statistics.median(seconds for seconds, _ in results)
            shown = f"> {options.timeout:.0f}" if timed_out else f"{wall:.2f}"
            print(f"| {case['name']} | {results[-1][1]} | {shown} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} after the run")


if __name__ == "__main__":
    main()
