"""`run.setup` (issue 13): what a worktree's own environment costs, cold and with the package caches warm.

A throwaway repository with a uv project (one dependency, `six`) and an npm project (one dependency,
`is-number`), each locked; a spec of two teammates with `run.setup: [uv sync --locked, npm ci]` and
checks that import the dependency; the shell backend. Two real `rallyc run`s with a fresh HOME: the
first fills the caches (`~/.cache/uv`, `~/.npm`: writable in the sandbox), the second finds them. The
figures are each set-up command's time from `logs/setup-<worktree>.log`, per worktree (two teammates
and the integration worktree). Needs the network (PyPI and the npm registry) and `uv` (`pip install uv`).

    python bench/setup_speed.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TEAM = """rally: 1
team: {name: setup-bench, goal: Measure what a worktree's set-up costs.}
budget: {max_usd: 10}
teammates:
  - name: py
    role: implementation
    owns: [py/**]
    tasks:
      - {id: py-work, do: Touch a file., estimate: 1m, verify: [".venv/bin/python -c 'import six'"]}
  - name: js
    role: implementation
    owns: [js/**]
    tasks:
      - {id: js-work, do: Touch a file., estimate: 1m, verify: ["node -e \\"require('is-number')\\""]}
verify: [".venv/bin/python -c 'import six'"]
run:
  backend: shell
  shell: "mkdir -p {teammate} && echo done > {teammate}/{task}.txt"
  setup: [uv sync --locked, npm ci]
lint: {ignore: [RY403, RY205]}
"""
TIMES = re.compile(r"^\$ (.+)\n(?:.*\n)*?== exit 0 \(([\d.]+)s\)$", re.MULTILINE)


def repository(folder: Path, env: dict[str, str]) -> Path:
    repo = folder / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\nrequires-python = ">=3.11"\n'
                                         'dependencies = ["six"]\n[tool.uv]\npackage = false\n')  # fmt: skip
    (repo / "package.json").write_text(json.dumps({"name": "bench", "version": "0.0.0", "private": True,
                                                   "dependencies": {"is-number": "7.0.0"}}))  # fmt: skip
    (repo / ".gitignore").write_text(".venv/\nnode_modules/\n")
    (repo / "team.rally.yaml").write_text(TEAM)
    subprocess.run(["uv", "lock", "-q"], cwd=repo, env=env, check=True)
    subprocess.run(["npm", "install", "--package-lock-only", "--silent"], cwd=repo, env=env, check=True)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@b", "commit",
                                                                "-q", "-m", "start"]):  # fmt: skip
        subprocess.run(["git", *args], cwd=repo, check=True)
    return repo


def one_run(repo: Path, env: dict[str, str]) -> dict[str, list[float]]:
    done = subprocess.run([sys.executable, "-m", "rallyc", "run", "team.rally.yaml", "--no-journal"], cwd=repo,
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"bench: the run failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    run = sorted((repo / ".rally" / "runs").iterdir())[-1]
    found: dict[str, list[float]] = {}
    for log in sorted((run / "logs").glob("setup-*.log")):
        for command, seconds in TIMES.findall(log.read_text()):
            found.setdefault(command, []).append(float(seconds))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("uv") or not shutil.which("npm"):
        sys.exit("bench: needs uv and npm on PATH")
    rows: dict[str, dict[str, list[float]]] = {"cold": {}, "warm": {}}
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="rally-setup-") as folder:
            home = Path(folder) / "home"
            home.mkdir()
            env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
            env.pop("VIRTUAL_ENV", None)
            repo = repository(Path(folder), env)
            shutil.rmtree(home / ".cache" / "uv", ignore_errors=True)  # cold: what `uv lock` fetched is gone
            shutil.rmtree(home / ".npm", ignore_errors=True)
            for label in ("cold", "warm"):
                for command, seconds in one_run(repo, env).items():
                    rows[label].setdefault(command, []).extend(seconds)
    print(f"run.setup in each of 3 worktrees, {args.rounds} rounds (medians of every worktree's set-up); "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    for command in rows["cold"]:
        cold, warm = rows["cold"][command], rows["warm"][command]
        print(f"  {command:<18} first run (empty caches) median {statistics.median(cold):5.2f}s, slowest "
              f"{max(cold):5.2f}s;  second run (caches warm) median {statistics.median(warm):5.2f}s, slowest "
              f"{max(warm):5.2f}s")  # fmt: skip


if __name__ == "__main__":
    main()
