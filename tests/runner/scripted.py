"""Scripted teammates for runner tests: a real git repository, a spec with the shell backend, and an agent
script whose every move (write, delete, symlink, sleep, fail, hang, spam, touch .git) is data.

The agent reads `actions.json` (task id -> action) beside itself. Each action may hold:
`write` {path: text}, `delete` [paths], `symlink` {path: target}, `sleep` seconds, `exit` code,
`fail_attempts` [attempt numbers that exit 1], `require` [paths that must exist, else exit 3],
`spam_mb` (megabytes printed), `hang` (a grandchild writes its pid to `pidfile`, then both sleep),
`git_edit` ("gitfile" or "hook"), `print_env` (a variable name printed), `usage` (a RALLY_USAGE line),
`sh` (a shell command run after the writes, for the attacks a real agent can make: `$TOP` is the user's
checkout, `$COMMON` the repository's git folder).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from rallyc.runner.sandbox import Mechanism, mechanism
from tests.conftest import ROOT
from tests.conftest import rallyc as rallyc  # re-exported: the in-process CLI lives in tests/conftest.py

AGENT = r'''
import json, os, subprocess, sys, time
task, teammate = sys.argv[1], sys.argv[2]
attempt = int(os.environ.get("RALLY_ATTEMPT", "1"))
actions = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "actions.json")))
act = actions.get(task, {})
time.sleep(act.get("sleep", 0))
for path in act.get("require", []):
    if not os.path.exists(path):
        print("missing " + path)
        sys.exit(3)
if attempt in act.get("fail_attempts", []):
    print("failing on purpose, attempt %d" % attempt)
    sys.exit(1)
for path, text in act.get("write", {}).items():
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
for path in act.get("delete", []):
    os.remove(path)
for path, target in act.get("symlink", {}).items():
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    os.symlink(target, path)
if act.get("git_edit") == "gitfile":
    with open(".git", "a") as handle:
        handle.write("tampered\n")
if act.get("git_edit") in ("hook", "hook_link"):
    common = subprocess.run(["git", "rev-parse", "--git-common-dir"], capture_output=True, text=True).stdout.strip()
    if act["git_edit"] == "hook":
        with open(os.path.join(common, "hooks", "pre-commit"), "w") as handle:
            handle.write("#!/bin/sh\nexit 0\n")
    else:  # a folder of hooks planted as a link
        os.symlink(os.path.abspath("."), os.path.join(common, "hooks", "linked"))
if act.get("sh"):
    common = os.path.abspath(subprocess.run(["git", "rev-parse", "--git-common-dir"], capture_output=True,
                                            text=True).stdout.strip())
    subprocess.run(act["sh"], shell=True, env={**os.environ, "COMMON": common, "TOP": os.path.dirname(common)})
if act.get("print_env"):
    print("value: " + os.environ.get(act["print_env"], ""))
if act.get("spam_mb"):
    chunk = "x" * 1023 + "\n"
    for _ in range(act["spam_mb"] * 1024):
        sys.stdout.write(chunk)
    sys.stdout.flush()
if act.get("usage"):
    print("RALLY_USAGE " + act["usage"])
if act.get("hang"):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    with open(act["pidfile"], "w") as handle:
        handle.write(str(child.pid))
    time.sleep(300)
print("did " + task)
sys.exit(act.get("exit", 0))
'''


API_AND_WEB = """\
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: work, do: Do the work., estimate: 5s}
      - {id: after-work, do: Build on it., estimate: 2s}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: pages, do: Write the pages., estimate: 2s}
"""
"""The `teammates:` of a two-teammate spec: `api` with tasks `work` and `after-work`, `web` with `pages`."""

REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())


def require_sandbox() -> Mechanism:
    """The machine's sandbox; a test that needs one is skipped without it, and fails on CI (where `make test`
    must exercise it)."""
    found = mechanism()
    if not found.abi:
        if os.environ.get("CI"):
            pytest.fail(f"no sandbox on this CI machine: {found.why_none}")
        pytest.skip(f"no sandbox on this machine: {found.why_none}")
    return found


def git(cwd: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check)
    return done.stdout.strip()


def make_repo(folder: Path, files: Mapping[str, str] | None = None) -> Path:
    """A git repository with one commit on `main` (README.md and `files`)."""
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.email", "test@example.com")
    git(folder, "config", "user.name", "Test")
    (folder / "README.md").write_text("# project\n")
    for path, text in (files or {}).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "start")
    return folder


def install_agent(folder: Path, actions: Mapping[str, Any]) -> str:
    """Write the agent and its actions into `folder`; the `run.shell` template that calls it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "agent.py").write_text(AGENT)
    (folder / "actions.json").write_text(json.dumps(actions))
    return f"{sys.executable} {folder / 'agent.py'} {{task}} {{teammate}}"


def spec_yaml(shell: str, teammates: str, *, name: str = "demo", retries: int = 0, extra: str = "",
              sandbox: str = "auto", writable: Sequence[str | Path] = ()) -> str:  # fmt: skip
    """A spec for the shell backend; `teammates` is the YAML of the list, indented by two spaces. `sandbox: off`
    shows what the runner detects and undoes without a sandbox; `auto` what the sandbox prevents as well;
    `writable` is `run.sandbox_writable` (a test agent's pid files, say)."""
    return (f"rally: 1\nteam: {{name: {name}, goal: Build the thing in parallel.}}\n"
            f"budget: {{max_usd: 40}}\nteammates:\n{teammates}\n{extra}"
            f"run:\n  backend: shell\n  retries: {retries}\n  sandbox: {sandbox}\n"
            f"  sandbox_writable: {json.dumps([str(path) for path in writable])}\n  shell: {json.dumps(shell)}\n")  # fmt: skip


def rallyc_process(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """The CLI as a child process (for signals and kill -9)."""
    return subprocess.Popen([sys.executable, "-m", "rallyc", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})  # fmt: skip


def run_folder(repo: Path) -> Path:
    runs = sorted((repo / ".rally" / "runs").iterdir())
    assert len(runs) == 1, runs
    return runs[0]


def report(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run_folder(repo) / "report.json").read_text())
    return data


def task_of(doc: Mapping[str, Any], task_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(task for task in doc["tasks"] if task["id"] == task_id)
    return found


def task_commits(repo: Path, run_id: str) -> dict[str, list[str]]:
    """Task id -> every commit of this run carrying its `Rally-Task` trailer on the teammate branches
    (each commit once, however many branches hold it)."""
    branches = [b for b in git(repo, "for-each-ref", "--format=%(refname:short)", f"refs/heads/rally/{run_id}/").split()
                if not b.endswith("/integration")]  # fmt: skip
    if not branches:
        return {}
    text = git(repo, "log", "--no-merges", "--format=%H %(trailers:key=Rally-Task,valueonly,separator=)", *branches,
               "--not", "main")  # fmt: skip
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            found.setdefault(parts[1], []).append(parts[0])
    return found


def trailer_counts(repo: Path, run_id: str) -> dict[str, int]:
    """Task id -> how many distinct commits of this run carry its `Rally-Task` trailer on the teammate branches."""
    return {task: len(commits) for task, commits in task_commits(repo, run_id).items()}


def process_gone(pid: int) -> bool:
    """Dead or a zombie (PID 1 here may never reap an orphan, so a killed one can linger as Z)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # no such process, or its number went to another user's
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:  # it ended just now, or there is no /proc to tell a zombie by (it is alive)
        return Path("/proc/self/stat").exists()
    return stat.rsplit(")", 1)[1].split()[0] in {"Z", "X"}


def wait_for(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return bool(condition())


def kill_hard(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
