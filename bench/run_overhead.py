"""The runner's own cost: 8 teammates x 5 tasks whose shell command only sleeps (issue 5, "Measured").

A throwaway git repository and a spec with the `shell` backend: teammate i
owns `t<i>-*.txt` and each of its tasks sleeps a fixed time, then writes one
file (`sleep S && echo done > {task}.txt`: /bin/sh and sleep, nothing
else). The five tasks of a teammate run in order; teammates run in parallel.

Figures (medians of the rounds):
- (a) overhead per task: a task's duration as the runner measures it (prepare
  the worktree and merge what it waits on, write the prompt, start the
  backend, check ownership, commit) minus the sleep; goal < 150 ms;
- (b) scheduling efficiency: ideal makespan (the critical path of the sleeps:
  5 x sleep) / the wall time of the task phase (first dispatch to last task
  end); goal >= 0.9 with 0.5 s sleeps; also the same ratio over the whole run
  (worktree creation, fan-in of 8 branches and the report included), and
  over the whole process as a user runs it (interpreter start and lint too).

    python bench/run_overhead.py [--sleep 0.5] [--teammates 8] [--tasks 5] [--rounds 5] [--sandbox auto|off]

`--sandbox auto` (the default, as for users) runs every task confined (Landlock where the machine has
it); `off` without, where the runner also compares your refs and checkout after every task.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_OVERHEAD_MS = 150
GOAL_EFFICIENCY = 0.9


def spec_text(teammates: int, tasks: int, sleep: float, sandbox: str) -> str:
    shell = f"sleep {sleep} && echo done > {{task}}.txt"  # /bin/sh and sleep: the least a backend can be
    lines = ["rally: 1",
             "team: {name: bench, goal: Measure the runner's own overhead., size_justification: a benchmark}",
             "budget: {max_usd: 1000}", "teammates:"]  # fmt: skip
    for mate in range(1, teammates + 1):
        lines += [f"  - name: t{mate}", "    role: implementation", f"    owns: [t{mate}-*.txt]", "    tasks:"]
        lines += [f"      - {{id: t{mate}-{n}, do: Sleep and write a file., estimate: {max(round(sleep), 1)}s, "
                  f"done_when: [the file exists]}}" for n in range(1, tasks + 1)]  # fmt: skip
    lines += ["run:", "  backend: shell", f"  sandbox: {sandbox}", f"  shell: {json.dumps(shell)}",
              "lint: {ignore: [RY301, RY304, RY403]}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def repository(folder: Path, text: str) -> Path:
    repo = folder / "repo"
    repo.mkdir(parents=True)
    for args in (["init", "-q", "-b", "main"], ["config", "user.email", "bench@example.com"],
                 ["config", "user.name", "bench"]):  # fmt: skip
        subprocess.run(["git", *args], cwd=repo, check=True)
    (repo / "README.md").write_text("# bench\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "start"], cwd=repo, check=True)
    (repo / "team.rally.yaml").write_text(text)
    return repo


def one_round(text: str, sleep: float, tasks: int) -> dict[str, float]:
    from rallyc.runner.progress import PlainDisplay
    from rallyc.runner.run import RunOptions, run_spec

    with tempfile.TemporaryDirectory(prefix="rally-bench-") as folder:
        repo = repository(Path(folder), text)
        started = time.perf_counter()
        code = run_spec(repo / "team.rally.yaml", RunOptions(journal=False), PlainDisplay(io.StringIO()))
        in_process = time.perf_counter() - started
        if code != 0:
            sys.exit(f"bench: the run failed (exit {code})")
        run = next((repo / ".rally" / "runs").iterdir())
        state = json.loads((run / "state.json").read_text())
        durations = [task["duration_s"] for task in state["tasks"].values()]
        ideal = tasks * sleep
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "rallyc", "run", "team.rally.yaml", "--no-journal"], cwd=repo,
                              capture_output=True, check=False)  # fmt: skip
        process = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"bench: the process run failed: {done.stderr.decode()[-400:]}")
    return {
        "overhead_ms": statistics.mean(durations) * 1000 - sleep * 1000,
        "overhead_max_ms": max(durations) * 1000 - sleep * 1000,
        "task_phase_s": state["task_wall_s"],
        "run_s": in_process,
        "process_s": process,
        "efficiency": ideal / state["task_wall_s"],
        "efficiency_run": ideal / in_process,
        "efficiency_process": ideal / process,
        "fixed_ms_per_task": (in_process - state["task_wall_s"]) * 1000 / len(durations),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sleep", type=float, default=0.5)
    parser.add_argument("--teammates", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sandbox", choices=["auto", "off"], default="auto")
    args = parser.parse_args()
    text = spec_text(args.teammates, args.tasks, args.sleep, args.sandbox)
    load = os.getloadavg()[0]
    rounds = [one_round(text, args.sleep, args.tasks) for _ in range(args.rounds)]
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    total = args.teammates * args.tasks
    print(f"rallyc run overhead: {args.teammates} teammates x {args.tasks} tasks = {total} tasks, sleep {args.sleep:g}s, "
          f"{args.rounds} rounds (medians), sandbox {args.sandbox}; {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load {load:.2f} -> {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"  ideal makespan (critical path of the sleeps): {args.tasks * args.sleep:.2f}s")
    print(f"  (a) overhead per task (worktree, merges, prompt, checks, commit): {median['overhead_ms']:.0f} ms mean, "
          f"{median['overhead_max_ms']:.0f} ms worst  [goal < {GOAL_OVERHEAD_MS} ms: "
          f"{'met' if median['overhead_ms'] < GOAL_OVERHEAD_MS else 'NOT met'}]")  # fmt: skip
    print(f"  (b) scheduling efficiency, task phase: {median['efficiency']:.3f} (wall {median['task_phase_s']:.2f}s)  "
          f"[goal >= {GOAL_EFFICIENCY}: {'met' if median['efficiency'] >= GOAL_EFFICIENCY else 'NOT met'}]")  # fmt: skip
    print(f"      whole run in process (worktrees, fan-in, report): {median['efficiency_run']:.3f} "
          f"(wall {median['run_s']:.2f}s; fixed costs {median['fixed_ms_per_task']:.0f} ms per task)")  # fmt: skip
    print(f"      whole `rallyc run` process (start-up and lint too): {median['efficiency_process']:.3f} "
          f"(wall {median['process_s']:.2f}s)")  # fmt: skip


if __name__ == "__main__":
    main()
