"""Wall time of `rallyc lint --fix` on a team where every teammate reads everything (goal: 100 teammates < 3 s).

Every teammate owns `src/<name>/**` and reads `**` (through `defaults`), one task
each, so every pair of tasks races (RY201) and each fix adds one `after` entry:
the fixer's worst case, one finding per fix. Two figures per size, each the
median of the rounds:
- in process: `fix_text` on the spec's text (what `--fix` does before writing);
- whole process: `rallyc lint --fix --no-repo` on a copy, as a user runs it
  (start-up, the fixes, the write and the report of what remains).

    python bench/fix_speed.py [--teammates 16,100] [--rounds 3]
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
GOAL_SECONDS = 3.0
GOAL_TEAMMATES = 100


def wide_spec(teammates: int) -> str:
    """`teammates` teammates that all read `**`: every pair of tasks races."""
    lines = [
        "rally: 1",
        "team: {name: wide, goal: Everyone reads everything.}",
        "defaults: {estimate: 20m, reads: ['**']}",
        "budget: {max_usd: 100000}",
        "teammates:",
    ]
    for number in range(teammates):
        lines += [
            f"  - name: m{number:03d}",
            f"    role: implementation {number}",
            f"    owns: [src/m{number:03d}/**]",
            "    tasks:",
            f"      - {{id: t{number:03d}, do: Work {number}., verify: [make t{number}]}}",
        ]
    return "\n".join(lines) + "\n"


def in_process(path: Path, text: str) -> tuple[float, int, int]:
    from rallyc.config import Settings
    from rallyc.fix import fix_text

    started = time.perf_counter()
    result = fix_text(path, path.name, text, Settings(repo=False))
    return time.perf_counter() - started, len(result.applied), len(result.refused)


def whole_process(path: Path, text: str) -> float:
    path.write_text(text, encoding="utf-8")
    beside = Path(sys.executable).parent / "rallyc"
    argv = [str(beside) if beside.exists() else shutil.which("rallyc") or "rallyc", "lint", "--fix", "--no-repo", str(path)]
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teammates", default=f"16,{GOAL_TEAMMATES}")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "wide.rally.yaml"
        for size in (int(part) for part in args.teammates.split(",")):
            text = wide_spec(size)
            runs = [in_process(path, text) for _ in range(args.rounds)]
            processes = [whole_process(path, text) for _ in range(args.rounds)]
            _, applied, refused = runs[0]
            rows.append((size, statistics.median(r[0] for r in runs), statistics.median(processes), applied, refused))
    print(f"{platform.python_implementation()} {platform.python_version()}, median of {args.rounds}, "
          f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after\n")
    print("| teammates | fixes applied | refused | in process s | whole process s |")
    print("|---:|---:|---:|---:|---:|")
    for size, inside, whole, applied, refused in rows:
        print(f"| {size} | {applied} | {refused} | {inside:.2f} | {whole:.2f} |")
    goal = [whole for size, _, whole, _, _ in rows if size == GOAL_TEAMMATES]
    if goal:
        verdict = "met" if goal[0] < GOAL_SECONDS else "missed"
        print(f"\n- {GOAL_TEAMMATES} teammates, whole process: {goal[0]:.2f} s (goal < {GOAL_SECONDS:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
