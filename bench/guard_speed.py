"""Wall time of one `rallyc guard pre-tool-use` call, as a hook runs it, against `python -c pass` (goal: median ≤ 50 ms).

Installs the largest example for claude-agent-teams into a temporary git
repository, writes the PreToolUse input of a teammate's Write (allowed) and
of a Write into another teammate's file (refused), and times, with
`farm-bench` when it is on PATH (A and B in turn, paired medians), else with
interleaved rounds here:

- the call answered by the guard server (the usual case: the server is
  started by the first call and kept warm);
- the call decided in process (`RALLYC_GUARD_SERVER=off`: the first call
  of a session, or a system without Unix sockets);
- `python -c pass` with the same stdin redirection, the interpreter's floor.

    python bench/guard_speed.py [--runs 31]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_MS = 50.0


def prepare(folder: Path) -> tuple[str, dict[str, Path]]:
    """(plan path, input file per case) for the largest example installed into a fresh repository."""
    from bench.compile_speed import largest_example
    from rallyc.compile import compile_spec, install
    from rallyc.targets.common import claude_agent_names

    repo = folder / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    spec = repo / "team.rally.yaml"
    spec.write_bytes(largest_example().read_bytes())
    compiled = compile_spec(spec, target="claude-agent-teams")
    install(compiled)
    mate, other = compiled.plan.teammates[0], next(m for m in compiled.plan.teammates[1:] if m.owns)
    agent = claude_agent_names(compiled.plan)[mate.name]
    inputs = {}
    for case, glob in (("allowed", mate.owns[0]), ("refused", other.owns[0])):
        path = repo / a_path(glob)
        hook = {"session_id": "s", "transcript_path": "/t.jsonl", "cwd": str(repo), "permission_mode": "default",
                "hook_event_name": "PreToolUse", "tool_name": "Write", "tool_use_id": "toolu_1",
                "tool_input": {"file_path": str(path), "content": "x"},
                "agent_type": agent, "agent_id": f"{mate.name}@session-1"}  # fmt: skip
        inputs[case] = folder / f"{case}.json"
        inputs[case].write_text(json.dumps(hook), encoding="utf-8")
    return str(repo / ".claude" / "rally" / f"{compiled.plan.team.name}.json"), inputs


def a_path(glob: str) -> str:
    """A path the glob matches: first alternatives, a letter for each wildcard."""
    path = re.sub(r"\{([^,}]*)[^}]*\}", r"\1", glob)
    return re.sub(r"\[[^]]*\]", "a", path.replace("**", "x")).replace("*", "x").replace("?", "x")


def guard_command(plan: str, stdin: Path) -> str:
    rallyc = Path(sys.executable).parent / "rallyc"
    return f"exec {shlex.quote(str(rallyc))} guard pre-tool-use --plan {shlex.quote(plan)} < {shlex.quote(str(stdin))} 2>/dev/null"


def baseline_command(stdin: Path) -> str:
    return f"exec {shlex.quote(sys.executable)} -c pass < {shlex.quote(str(stdin))}"


def farm_bench(a: str, b: str, runs: int, env: dict[str, str]) -> str:
    done = subprocess.run(["farm-bench", "-n", str(runs), "--vs", f"sh -c {shlex.quote(b)}", "--", "sh", "-c", a],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    return done.stdout + done.stderr


def interleaved(a: str, b: str, runs: int, env: dict[str, str]) -> tuple[float, float]:
    times: dict[str, list[float]] = {"a": [], "b": []}
    for _ in range(runs):
        for key, command in (("a", a), ("b", b)):
            started = time.perf_counter()
            subprocess.run(["sh", "-c", command], env=env, check=False)
            times[key].append((time.perf_counter() - started) * 1000)
    return statistics.median(times["a"]), statistics.median(times["b"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="rg", dir="/tmp") as folder:
        env = {**os.environ, "XDG_RUNTIME_DIR": folder, "RALLYC_GUARD_IDLE_SECONDS": "120"}
        plan, inputs = prepare(Path(folder))
        cases = [(f"server, {case}", guard_command(plan, path), {}) for case, path in inputs.items()]
        cases.append(("in process, allowed", guard_command(plan, inputs["allowed"]), {"RALLYC_GUARD_SERVER": "off"}))
        for name, command, extra in cases:
            print(f"\n== {name} (A) vs python -c pass (B)")
            run_env = {**env, **extra}
            subprocess.run(["sh", "-c", command], env=run_env, check=False)  # starts the server when it is used
            time.sleep(0.5)
            if shutil.which("farm-bench"):
                print(farm_bench(command, baseline_command(inputs["allowed"]), args.runs, run_env).strip())
            else:
                a, b = interleaved(command, baseline_command(inputs["allowed"]), args.runs, run_env)
                print(f"median A {a:.1f} ms, B {b:.1f} ms (goal A ≤ {GOAL_MS:.0f} ms)")
        os.unlink(plan)  # a server whose plan is gone ends at its next call
        subprocess.run(["sh", "-c", guard_command(plan, inputs["allowed"])], env=env, check=False)


if __name__ == "__main__":
    main()
