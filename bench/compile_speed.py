"""Wall time of `rallyc compile` on the largest example, per target (goal: under 0.5 s).

Two figures per target, each the median of the rounds:
- whole process: `rallyc compile SPEC -o TMP --target T` as a user runs it
  (interpreter start-up, imports, lint, lowering, Jinja, atomic write);
- in process: `compile_spec` plus `write` in a warm interpreter (what an
  editor integration or a test suite pays per call), and the first, cold call.

    python bench/compile_speed.py [--rounds 10] [--spec specs/examples/X.rally.yaml]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_SECONDS = 0.5


def largest_example() -> Path:
    """The example with the most tasks, then the most lines: the most work for the compiler."""
    examples = sorted((ROOT / "specs" / "examples").glob("*.rally.yaml"))
    return max(examples, key=lambda path: (path.read_text().count("- id:"), len(path.read_text().splitlines())))


def rallyc() -> str:
    beside = Path(sys.executable).parent / "rallyc"
    found = str(beside) if beside.exists() else shutil.which("rallyc")
    if not found:
        sys.exit("bench: `rallyc` is not installed (run `make test` once to create .venv)")
    return found


def whole_process(spec: Path, target: str, out: Path) -> float:
    argv = [rallyc(), "compile", str(spec), "-o", str(out), "--target", target]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed: {done.stderr.decode()[-400:]}")
    return elapsed


def in_process(spec: Path, target: str, out: Path) -> float:
    from rallyc.compile import compile_spec, write

    started = time.perf_counter()
    write(compile_spec(spec, target=target, out=out))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--spec", type=Path, default=None)
    args = parser.parse_args()
    spec = (args.spec or largest_example()).resolve()
    from rallyc.targets import targets

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        cold = in_process(spec, "claude-agent-teams", out)
        for target in targets():
            processes = [whole_process(spec, target, out) for _ in range(args.rounds)]
            warm = [in_process(spec, target, out) for _ in range(args.rounds)]
            rows.append((target, statistics.median(processes), statistics.median(warm)))
    lines = [f"{platform.python_implementation()} {platform.python_version()}, median of {args.rounds}, "
             f"load average {os.getloadavg()[0]:.2f}, spec {spec.relative_to(ROOT) if spec.is_relative_to(ROOT) else spec}", "",
             "| target | whole process ms | in process ms |", "|---|---:|---:|"]  # fmt: skip
    lines += [f"| {target} | {process * 1000:.0f} | {warm * 1000:.1f} |" for target, process, warm in rows]
    slowest = max(process for _, process, _ in rows)
    lines += ["", f"- first in-process compile (cold imports, templates compiled): {cold * 1000:.0f} ms",
              f"- slowest whole process: {slowest * 1000:.0f} ms (goal < {GOAL_SECONDS * 1000:.0f} ms: "
              f"{'met' if slowest < GOAL_SECONDS else 'NOT met'})"]  # fmt: skip
    print("\n".join(lines))


if __name__ == "__main__":
    main()
