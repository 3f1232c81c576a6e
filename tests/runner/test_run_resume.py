"""Interrupts and crashes: Ctrl-C then --resume, and rallyc killed with SIGKILL at many points of a scripted run.

After every resume each task is done exactly once (one commit with its `Rally-Task` trailer on the teammate
branches), and no task that was done before a kill is done again (its commit stays the same).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rallyc.runner.process import processes_below
from rallyc.runner.state import read_events
from tests.runner.scripted import (
    git,
    install_agent,
    kill_hard,
    make_repo,
    rallyc,
    rallyc_process,
    report,
    run_folder,
    spec_yaml,
    task_commits,
    task_of,
    trailer_counts,
    wait_for,
)

TEAM = """\
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: a1, do: First api part., estimate: 1s, verify: ["test -f src/api/a1.py"]}
      - {id: a2, do: Second api part., estimate: 1s}
      - {id: a3, do: Third api part., estimate: 1s, after: [w2]}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: w1, do: First web part., estimate: 1s, after: [a1]}
      - {id: w2, do: Second web part., estimate: 1s}
      - {id: w3, do: Third web part., estimate: 1s}
  - name: docs
    role: documentation
    owns: [docs/**]
    tasks:
      - {id: d1, do: First docs part., estimate: 1s}
      - {id: d2, do: Second docs part., estimate: 1s, after: [a2, w1]}
      - {id: d3, do: Third docs part., estimate: 1s, after: [a3, w3]}
"""
MAX_KILLS = 7
OWNER = {"a": "src/api", "w": "web", "d": "docs"}
TASKS = [f"{team}{n}" for team in "awd" for n in (1, 2, 3)]
NEEDS = {"a3": ["web/w2.txt"], "w1": ["src/api/a1.py"], "d2": ["src/api/a2.py", "web/w1.txt"],
         "d3": ["src/api/a3.py", "web/w3.txt"]}  # fmt: skip


def path_of(task: str) -> str:
    return f"{OWNER[task[0]]}/{task}.{'py' if task[0] == 'a' else 'txt'}"


def project(tmp_path: Path, sleep: float) -> Path:
    repo = make_repo(tmp_path / "repo")
    actions = {task: {"sleep": sleep, "write": {path_of(task): f"{task}\n"}, "require": NEEDS.get(task, [])}
               for task in TASKS}  # fmt: skip
    shell = install_agent(tmp_path / "agent", actions)
    checks = json.dumps([f"test -f {path_of(task)}" for task in TASKS])
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, TEAM, name="resumable", extra=f"verify: {checks}\n"))
    return repo


def assert_complete(repo: Path, run_id: str) -> None:
    assert trailer_counts(repo, run_id) == dict.fromkeys(TASKS, 1)
    doc = report(repo)
    assert doc["status"] == "passed", doc
    assert all(check["exit_code"] == 0 for check in doc["checks"])
    files = set(git(repo, "ls-tree", "-r", "--name-only", doc["integration_branch"]).split())
    assert {path_of(task) for task in TASKS} <= files
    assert git(repo, "log", "--no-merges", "--format=%s", doc["integration_branch"], "--not", "main").count("rally(") == 9
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def events(repo: Path) -> list[dict[str, Any]]:
    """The run's events so far (none before its folder exists)."""
    runs = repo / ".rally" / "runs"
    folders = list(runs.iterdir()) if runs.is_dir() else []
    return read_events(folders[0] / "events.jsonl") if folders else []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_saves_the_state_and_resume_finishes(tmp_path: Path, sig: signal.Signals) -> None:
    repo = project(tmp_path, sleep=0.3)
    spec = str(repo / "team.rally.yaml")
    process = rallyc_process("run", spec, "--no-journal", cwd=repo)
    assert wait_for(lambda: len(events(repo)) >= 5, 20)  # the first wave is in flight
    process.send_signal(sig)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130, out + err
    run_id = run_folder(repo).name
    assert f"rallyc run {spec} --resume {run_id}" in out and "Traceback" not in err
    doc = report(repo)
    assert doc["status"] == "interrupted"
    state = json.loads((run_folder(repo) / "state.json").read_text())
    assert state["status"] == "interrupted" and not [t for t in state["tasks"].values() if t["status"] == "running"]
    worktree = repo / ".rally" / "worktrees" / run_id / "api"
    assert git(worktree, "status", "--porcelain", "--untracked-files=all") == ""  # reset to the task's start
    time.sleep(0.4)  # a killed task that survived would write its file now
    assert git(worktree, "status", "--porcelain", "--untracked-files=all") == ""
    code, out, err = rallyc("run", spec, "--resume", run_id, "--no-journal")
    assert code == 0, out + err
    assert_complete(repo, run_id)


def test_a_second_ctrl_c_quits_at_once_and_the_run_still_resumes(tmp_path: Path) -> None:
    repo = project(tmp_path, sleep=1.5)
    spec = str(repo / "team.rally.yaml")
    process = rallyc_process("run", spec, "--no-journal", cwd=repo)
    assert wait_for(lambda: len(events(repo)) >= 4, 20)  # run_started and the first wave's three task_started
    process.send_signal(signal.SIGINT)
    assert process.stdout is not None
    while "interrupted: stopping" not in (line := process.stdout.readline()):  # the first Ctrl-C is taken
        assert line, "rallyc ended before it took the first Ctrl-C"
    process.send_signal(signal.SIGINT)  # while it stops the tasks in flight and writes the reports
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130, out + err
    assert "Traceback" not in err and "internal error" not in err, err
    run_id = run_folder(repo).name
    assert f"stopped at once; resume: rallyc run {spec} --resume {run_id}" in out
    assert processes_below(repo / ".rally" / "worktrees" / run_id) == []  # no backend outlived rallyc
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""  # the user's branch is untouched
    code, out, err = rallyc("run", spec, "--resume", run_id, "--no-journal")
    assert code == 0, out + err
    assert_complete(repo, run_id)


def kill_when(repo: Path, args: list[str], ready: Callable[[list[dict[str, Any]]], bool],
              jitter: float) -> subprocess.Popen[str] | None:  # fmt: skip
    """Start rallyc and SIGKILL it once `ready(events so far)` (plus a little jitter); None if it finished first."""
    process = rallyc_process(*args, cwd=repo)
    wait_for(lambda: ready(events(repo)) or process.poll() is not None, 30)
    time.sleep(jitter)
    if process.poll() is not None:
        process.communicate()
        return None
    kill_hard(process)
    return process


def in_fan_in(found: list[dict[str, Any]]) -> bool:
    """This session has merged a teammate at fan-in (a kill now cuts a cherry-pick or merge short)."""
    session = max((i for i, e in enumerate(found) if e["event"] in ("run_started", "run_resumed")), default=0)
    return any(e["event"] == "teammate_merged" for e in found[session:])


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_at_many_points_then_resume(tmp_path: Path, seed: int) -> None:
    """Kill rallyc again and again, a few events further each time, resuming in between, once more in the
    middle of fan-in; then let it finish."""
    chance = random.Random(seed)
    repo = project(tmp_path, sleep=0.05)
    spec = str(repo / "team.rally.yaml")
    args = ["run", spec, "--no-journal", "--json"]
    target, kills, seen, run_id = chance.randint(1, 3), 0, dict[str, str](), ""
    while True:
        if kills < MAX_KILLS:
            ready: Callable[[list[dict[str, Any]]], bool] = lambda found, at=target: len(found) >= at  # noqa: E731
        else:
            ready = in_fan_in if kills == MAX_KILLS else (lambda found: False)
        process = kill_when(repo, args, ready, chance.uniform(0, 0.03))
        if (repo / ".rally" / "runs").is_dir():
            run_id = run_folder(repo).name
            args = ["run", spec, "--no-journal", "--json", "--resume", run_id]
            for task, commits in task_commits(repo, run_id).items():
                assert len(commits) == 1, (task, commits)  # never done twice
                assert seen.setdefault(task, commits[0]) == commits[0]  # never lost, never redone
        if process is None:
            break
        kills += 1
        target = len(events(repo)) + chance.randint(1, 6)
    assert kills in (MAX_KILLS, MAX_KILLS + 1)  # the fan-in kill lands unless that session finished first
    assert_complete(repo, run_id)
    doc = report(repo)
    assert {task["id"]: task["commit"] for task in doc["tasks"]} == {task: seen[task] for task in TASKS}
    assert not list((repo / ".git" / "worktrees").glob("*/index.lock"))


def test_resume_keeps_every_commit_the_state_recorded_across_the_crash_windows(tmp_path: Path) -> None:
    """The windows a kill may hit, made on purpose: a commit recorded and its branch moved but the new head not
    saved; a commit recorded but its branch not moved yet; a task recorded as running with half its changes in
    the worktree; a leftover process still working there; a fan-in cherry-pick cut short."""
    repo = project(tmp_path, sleep=0)
    spec = str(repo / "team.rally.yaml")
    code, out, err = rallyc("run", spec, "--no-journal", "--keep-worktrees")
    assert code == 0, out + err
    folder = run_folder(repo)
    run_id = folder.name
    before = task_commits(repo, run_id)
    state = json.loads((folder / "state.json").read_text())
    state["status"] = "running"
    a3, d3 = before["a3"][0], before["d3"][0]
    state["tasks"]["a3"]["status"] = "running"  # moved its branch, then rallyc died before saving that
    state["heads"]["api"] = git(repo, "rev-parse", f"{a3}^")
    state["tasks"]["d3"]["status"] = "running"  # recorded its commit, then rallyc died before moving the branch
    state["heads"]["docs"] = git(repo, "rev-parse", f"{d3}^")
    git(repo, "update-ref", f"refs/heads/rally/{run_id}/docs", f"{d3}^")
    (folder / "state.json").write_text(json.dumps(state))
    worktree = repo / ".rally" / "worktrees" / run_id / "web"
    (worktree / "web" / "half-written.txt").write_text("half\n")
    leftover = subprocess.Popen(["sleep", "300"], cwd=worktree, start_new_session=True)
    sequencer = repo / ".git" / "worktrees" / "integration" / "sequencer"  # a fan-in killed mid cherry-pick
    sequencer.mkdir()
    (sequencer / "todo").write_text(f"pick {before['a2'][0]} a2\n")
    code, out, err = rallyc("run", spec, "--resume", run_id, "--no-journal")
    assert code == 0, out + err
    assert f"a3: its recorded commit {a3} is on" in out and f"d3: its recorded commit {d3} is on" in out
    assert "stopped 1 process(es)" in out
    assert wait_for(lambda: leftover.poll() is not None, 5)
    assert task_commits(repo, run_id) == before  # nothing done twice, nothing lost
    assert_complete(repo, run_id)
    assert "half-written.txt" not in git(repo, "ls-tree", "-r", "--name-only", report(repo)["integration_branch"])
    code, out, err = rallyc("run", spec, "--resume", run_id, "--no-journal")  # resuming a finished run: nothing to do
    assert code == 0 and task_commits(repo, run_id) == before


def test_an_amended_spec_keeps_unchanged_done_tasks_and_reruns_what_changed(tmp_path: Path) -> None:
    repo = project(tmp_path, sleep=0)
    spec = repo / "team.rally.yaml"
    assert rallyc("run", str(spec), "--no-journal")[0] == 0
    run_id = run_folder(repo).name
    before = task_commits(repo, run_id)
    spec.write_text(spec.read_text().replace("Second docs part.", "The second docs part done better."))
    code, out, err = rallyc("run", str(spec), "--resume", run_id, "--no-journal")
    assert code == 0, out + err
    assert "task `d2` changed (do)" in out and "runs again: d2, d3" in out
    after = task_commits(repo, run_id)
    assert {task: after[task] for task in TASKS if task not in ("d2", "d3")} == \
        {task: before[task] for task in TASKS if task not in ("d2", "d3")}  # fmt: skip
    assert {task["id"]: task["attempts"] for task in report(repo)["tasks"]} == {**dict.fromkeys(TASKS, 1), "d2": 2,
                                                                                "d3": 2}  # fmt: skip
    assert_complete(repo, run_id)


def test_retry_reruns_a_done_task_and_what_follows_it(tmp_path: Path) -> None:
    repo = project(tmp_path, sleep=0)
    spec = str(repo / "team.rally.yaml")
    assert rallyc("run", spec, "--no-journal")[0] == 0
    run_id = run_folder(repo).name
    before = task_commits(repo, run_id)
    code, out, err = rallyc("run", spec, "--resume", run_id, "--retry", "a3", "--no-journal")
    assert code == 0 and "`a3` runs again (--retry)" in out and "runs again: a3, d3" in out
    attempts = {task["id"]: task["attempts"] for task in report(repo)["tasks"]}
    assert attempts == {**dict.fromkeys(TASKS, 1), "a3": 2, "d3": 2}  # a commit of the same work may be the same
    assert task_commits(repo, run_id)["a1"] == before["a1"]
    assert rallyc("run", spec, "--retry", "a3")[0] == 2  # --retry needs --resume
    assert rallyc("run", spec, "--resume", run_id, "--retry", "nope")[0] == 2


def test_a_run_cannot_move_to_another_base(tmp_path: Path) -> None:
    repo = project(tmp_path, sleep=0)
    spec = repo / "team.rally.yaml"
    assert rallyc("run", str(spec), "--no-journal")[0] == 0
    spec.write_text(spec.read_text().replace("team: {name: resumable,", "team: {name: resumable, base: HEAD~0,"))
    code, out, err = rallyc("run", str(spec), "--resume", run_folder(repo).name)
    assert code == 2 and "team.base changed since the run started" in err


def test_widening_owns_after_a_violation_resumes_without_redoing_done_work(tmp_path: Path) -> None:
    """The natural fix after a violation: `owns` widened, the violating task runs again, done work stays."""
    repo = project(tmp_path, sleep=0)
    actions_file = tmp_path / "agent" / "actions.json"
    actions = json.loads(actions_file.read_text())
    actions["a3"]["write"]["src/shared/a3.txt"] = "a3\n"  # outside api's owns
    actions_file.write_text(json.dumps(actions))
    spec = repo / "team.rally.yaml"
    code, out, err = rallyc("run", str(spec), "--no-journal")
    run_id = run_folder(repo).name
    assert code == 1 and "a3: FAILED: ownership violation: src/shared/a3.txt" in out
    before = task_commits(repo, run_id)
    spec.write_text(spec.read_text().replace("owns: [src/api/**]", "owns: [src/api/**, src/shared/**]"))
    code, out, err = rallyc("run", str(spec), "--resume", run_id, "--no-journal")
    assert code == 0, out + err
    assert "`owns` of api changed: its done tasks are checked against it" in out and "runs again" not in out
    assert {task: before[task] for task in ("a1", "a2", "w1", "w2")} == \
        {task: task_commits(repo, run_id)[task] for task in ("a1", "a2", "w1", "w2")}  # fmt: skip
    assert "src/shared/a3.txt" in git(repo, "ls-tree", "-r", "--name-only", report(repo)["integration_branch"])


def test_narrowing_owns_redoes_the_done_tasks_it_leaves_out(tmp_path: Path) -> None:
    repo = project(tmp_path, sleep=0)
    spec = repo / "team.rally.yaml"
    assert rallyc("run", str(spec), "--no-journal")[0] == 0
    run_id = run_folder(repo).name
    spec.write_text(spec.read_text().replace("owns: [docs/**]", 'owns: [docs/**, "!docs/d3.txt"]'))
    code, out, err = rallyc("run", str(spec), "--resume", run_id, "--no-journal")
    assert "d3: its commit changes what the new `owns` leaves out (docs/d3.txt (not owned)); it runs again" in out
    assert code == 1 and task_of(report(repo), "d3")["status"] == "failed"  # it still writes docs/d3.txt


def test_a_run_in_progress_cannot_be_resumed_by_a_second_process(tmp_path: Path) -> None:
    repo = project(tmp_path, sleep=1.5)
    spec = str(repo / "team.rally.yaml")
    process = rallyc_process("run", spec, "--no-journal", cwd=repo)
    try:
        assert wait_for(lambda: len(events(repo)) >= 4, 20)  # the first wave is in flight
        run_id = run_folder(repo).name
        code, out, err = rallyc("run", spec, "--resume", run_id, "--no-journal")
        assert code == 2 and f"run {run_id} is in use by another rallyc process" in err, out + err
    finally:
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, out + err  # the second process changed nothing of the first one's run
    assert_complete(repo, run_id)
