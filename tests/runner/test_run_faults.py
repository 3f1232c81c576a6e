"""Bad input and faults: each ends in a clear report line, never a traceback, never a change to the user's branch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from rallyc.runner.libgit import LIBGIT2_SWITCH
from tests.runner.scripted import (
    API_AND_WEB,
    REPORT_SCHEMA,
    git,
    install_agent,
    make_repo,
    process_gone,
    rallyc,
    report,
    run_folder,
    spec_yaml,
    task_of,
    trailer_counts,
    wait_for,
)

TWO = API_AND_WEB
NO_CHANGES = "(no file changes: git's own files were restored)"  # the report's patch when only git's own files changed
GOOD = {"after-work": {"write": {"src/api/more.py": "2\n"}}, "pages": {"write": {"web/index.html": "ok\n"}}}


def setup(tmp_path: Path, work: dict[str, Any], *, team: str = TWO, retries: int = 0, extra: str = "",
          files: dict[str, str] | None = None, sandbox: str = "auto") -> Path:  # fmt: skip
    """The repository, with the agent and its spec; the agent may write `tmp_path/out` (pid files) in its sandbox."""
    repo = make_repo(tmp_path / "repo", files)
    shell = install_agent(tmp_path / "agent", {**GOOD, "work": work})
    (tmp_path / "out").mkdir()
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, team, retries=retries, extra=extra, sandbox=sandbox,
                                                    writable=[tmp_path / "out"]))  # fmt: skip
    return repo


def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    main = git(repo, "rev-parse", "main")
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal", *args, env=env)
    assert "Traceback" not in out + err
    assert git(repo, "rev-parse", "main") == main and git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    doc = report(repo)
    jsonschema.validate(doc, REPORT_SCHEMA)
    return code, doc, out + err


def assert_failed_and_isolated(doc: dict[str, Any], reason: str) -> None:
    work = task_of(doc, "work")
    assert work["status"] == "failed" and reason in work["reason"], work
    assert work["files_changed"] == []  # what was committed: a failed attempt's changes are in its patch
    assert task_of(doc, "after-work") == {**task_of(doc, "after-work"), "status": "skipped", "reason": "after work failed"}
    assert task_of(doc, "pages")["status"] == "done"  # independent work goes on
    assert doc["status"] == "partial"


@pytest.mark.parametrize(("work", "paths", "why", "patch"), [
    ({"write": {"src/api/ok.py": "1\n", "web/steal.html": "x\n"}}, ["web/steal.html"], "not owned", "web/steal.html"),
    ({"delete": ["README.md"]}, ["README.md"], "deleted, not owned", "README.md"),
    ({"symlink": {"src/api/passwd": "/etc/passwd"}}, ["src/api/passwd"], "outside the worktree", "src/api/passwd"),
    ({"symlink": {"src/api/up": "../../../../.."}}, ["src/api/up"], "outside the worktree", "src/api/up"),
    ({"write": {"src/api/ok.py": "1\n"}, "git_edit": "gitfile"}, [".git"], "link to the repository", "src/api/ok.py"),
    ({"git_edit": "hook"}, [".git/hooks/pre-commit"], "git's own files", NO_CHANGES),
    ({"git_edit": "hook_link"}, [".git/hooks/linked"], "git's own files", NO_CHANGES),
])  # fmt: skip
@pytest.mark.parametrize("staging", ["libgit2", "git"])
def test_violations_are_caught_saved_and_reset(tmp_path: Path, work: dict[str, Any], paths: list[str], why: str,
                                               patch: str, staging: str) -> None:  # fmt: skip
    """`patch` is a path the saved patch must show, or NO_CHANGES when only git's own files changed. Without a
    sandbox (which would refuse the writes to git's files at once), what the runner catches after the task."""
    repo = setup(tmp_path, work, sandbox="off")
    # one teammate at a time: a change to the repository's shared git files is blamed on the task whose check
    # finds it first, which with teammates in parallel may be another one (it is undone either way)
    env = {LIBGIT2_SWITCH: "0"} if staging == "git" else None
    code, doc, out = run(repo, "--keep-worktrees", "--concurrency", "1", env=env)
    assert code == 1
    assert_failed_and_isolated(doc, "ownership violation")
    [violation] = doc["violations"]
    assert violation["task"] == "work" and violation["paths"] == paths and why in " ".join(violation["details"])
    assert "ownership violation" in out and paths[0] in out
    folder = run_folder(repo)
    saved = {path.relative_to(folder).as_posix(): path.read_text() for path in folder.glob("violations/*.patch")}
    assert len(saved) == (patch != NO_CHANGES)  # a patch is saved exactly when files changed
    assert patch in saved.get(violation["patch"], violation["patch"])  # the saved patch, or the report's words
    worktree = repo / ".rally" / "worktrees" / doc["run_id"] / "api"
    assert git(worktree, "status", "--porcelain", "--untracked-files=all") == ""  # reset to the task's start
    assert git(worktree, "rev-parse", "HEAD") == git(repo, "rev-parse", "main")
    assert "work" not in trailer_counts(repo, doc["run_id"])
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()  # git's own files put back
    assert not (repo / ".git" / "hooks" / "linked").is_symlink()
    assert (repo / "README.md").is_file()
    assert doc["tes"]["parts"]["conflict_prevention"] == pytest.approx(1 - 1 / 3, abs=1e-3)


def test_a_hang_is_killed_with_its_process_group_as_an_escalation(tmp_path: Path) -> None:
    pidfile = tmp_path / "out" / "pid"
    team = TWO.replace("{id: work, do: Do the work., estimate: 5s}", "{id: work, do: Do the work., timeout: 1s}")
    repo = setup(tmp_path, {"hang": True, "pidfile": str(pidfile)}, team=team)
    code, doc, out = run(repo)
    assert code == 1
    assert_failed_and_isolated(doc, "timed out after 1s (escalation)")
    assert task_of(doc, "work")["escalations"] == 1 and doc["escalations"] == 1
    assert wait_for(lambda: process_gone(int(pidfile.read_text())), 5)


def test_megabytes_of_output_are_capped_in_the_log(tmp_path: Path) -> None:
    repo = setup(tmp_path, {"spam_mb": 12, "write": {"src/api/ok.py": "1\n"}})
    code, doc, _ = run(repo)
    assert code == 0, doc
    log = run_folder(repo) / "logs" / "work.log"
    assert log.stat().st_size < 2 * (1 << 20) + 4096  # the first MiB as it came, then the last MiB
    text = log.read_text()
    assert "more output; its last part follows" in text and "the last 1048576 bytes of output" in text
    assert "did work\n== backend: ok: did work\n== attempt 1: done, commit " in text


def test_non_zero_exit_retries_then_fails_and_skips_what_follows(tmp_path: Path) -> None:
    repo = setup(tmp_path, {"write": {"src/api/x.py": "1\n"}, "exit": 4}, retries=1)
    code, doc, out = run(repo)
    assert code == 1
    assert_failed_and_isolated(doc, "backend failed: exited with code 4")
    assert task_of(doc, "work")["attempts"] == 2 and doc["retries"] == 1
    assert (run_folder(repo) / "patches" / "work.2.patch").is_file()  # a failed attempt's changes are kept too
    assert "retrying" in out and "FAILED" in out


def test_a_retry_that_succeeds(tmp_path: Path) -> None:
    repo = setup(tmp_path, {"fail_attempts": [1], "write": {"src/api/x.py": "1\n"}}, retries=1)
    code, doc, _ = run(repo)
    assert code == 0 and doc["status"] == "passed"
    assert task_of(doc, "work")["attempts"] == 2 and doc["retries"] == 1
    assert doc["tes"]["parts"]["user_autonomy"] == pytest.approx(1 - 1 / 3, abs=1e-3)
    prompt = (run_folder(repo) / "prompts" / "work.2.md").read_text()
    assert "This is attempt 2. The previous attempt failed: backend failed: exited with code 1" in prompt


def test_a_failing_verify_fails_the_task(tmp_path: Path) -> None:
    team = TWO.replace("estimate: 5s}", "estimate: 5s, verify: [\"test -f src/api/missing.py\"]}")
    repo = setup(tmp_path, {"write": {"src/api/x.py": "1\n"}}, team=team, extra='verify: ["true", "false"]\n')
    code, doc, _ = run(repo)
    assert code == 1
    assert_failed_and_isolated(doc, "check `test -f src/api/missing.py` exited 1")
    assert [(c["scope"], c["exit_code"]) for c in doc["checks"]] == [("work", 1), ("team", 0), ("team", 1)]
    assert doc["tes"]["parts"]["integration_quality"] == pytest.approx(1 / 3, abs=1e-3)


def test_the_budget_stops_dispatch_and_skips_the_rest(tmp_path: Path) -> None:
    team = TWO + """\
  - name: docs
    role: documentation
    owns: [docs/**]
    tasks:
      - {id: guide, do: Write the guide., estimate: 1s}
"""
    repo = make_repo(tmp_path / "repo")
    usage = "input_tokens=1000 output_tokens=100 cost_usd=1.0"
    actions = {name: {"usage": usage} for name in ("work", "after-work", "pages", "guide")}
    shell = install_agent(tmp_path / "agent", actions)
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, team))
    code, doc, out = run(repo, "--concurrency", "1", "--max-usd", "1.5")
    assert code == 1
    assert doc["cost_usd"] == 2 and doc["tokens"] == 2200 and "spent $2.00 of the $1.50 cap" in doc["budget_stop"]
    statuses = {task["id"]: (task["status"], task["reason"]) for task in doc["tasks"]}
    assert sorted(statuses.values()).count(("done", "")) == 2
    assert sorted(statuses.values()).count(("skipped", "budget")) == 2
    assert "budget reached" in out


def test_secrets_never_reach_prompts_logs_or_reports(tmp_path: Path) -> None:
    secret = "sk-planted-0123456789abcdef-SECRET"
    repo = setup(tmp_path, {"print_env": "FAKE_API_KEY", "write": {"src/api/x.py": "1\n"}})
    spec = repo / "team.rally.yaml"
    spec.write_text(spec.read_text().replace("Build the thing in parallel.", f"Build it (the key is {secret})."))
    code, doc, _ = run(repo, env={"FAKE_API_KEY": secret})
    assert code == 0
    folder = run_folder(repo)
    for path in folder.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    assert "value: [redacted]" in (folder / "logs" / "work.log").read_text()
    assert "[redacted]" in (folder / "prompts" / "work.md").read_text()


def test_preflight_errors_create_nothing(tmp_path: Path) -> None:
    repo = setup(tmp_path, {})
    spec = repo / "team.rally.yaml"
    text = spec.read_text()

    def fails(code: int, words: str, *args: str, env: dict[str, str] | None = None) -> None:
        got, out, err = rallyc("run", str(spec), *args, env=env)
        assert got == code and words in err, out + err
        assert "Traceback" not in err and not (repo / ".rally").exists()

    spec.write_text(text.replace("owns: [web/**]", "owns: [src/api/**]"))  # RY101, an error
    fails(1, "lint errors")
    spec.write_text(text.replace("rally: 1\n", "rally: 1\ntopics: []\n"))
    fails(1, "RY002")
    spec.write_text(text.replace("team: {name: demo,", "team: {base: no-such-branch, name: demo,"))
    fails(2, "team.base `no-such-branch` does not resolve")
    spec.write_text(text.replace("  shell: ", "  x-shell: "))
    fails(2, "run.shell")
    spec.write_text(text)
    only_git = tmp_path / "bin"
    only_git.mkdir()
    (only_git / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    fails(2, "claude", "--backend", "claude", env={"PATH": str(only_git)})
    fails(2, "ANTHROPIC_API_KEY", "--backend", "anthropic", env={"ANTHROPIC_API_KEY": ""})
    fails(2, "no run `demo-20200101T000000Z-abcd`", "--resume", "demo-20200101T000000Z-abcd")


def test_outside_a_git_repository(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    shell = install_agent(tmp_path / "agent", {})
    (folder / "team.rally.yaml").write_text(spec_yaml(shell, TWO))
    code, out, err = rallyc("run", str(folder / "team.rally.yaml"))
    assert code == 2 and "is not in a git repository" in err


def test_an_empty_repository_has_no_base(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q")
    shell = install_agent(tmp_path / "agent", {})
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, TWO))
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"))
    assert code == 2 and "team.base `HEAD` does not resolve to a commit" in err
    assert sorted(os.listdir(repo)) == [".git", "team.rally.yaml"]


def test_merge_conflicts_are_reported_not_forced(tmp_path: Path) -> None:
    """Overlapping ownership is a lint error; with RY101 ignored, two teammates may write the same file."""
    team = """\
  - name: left
    role: implementation
    owns: [shared.txt, left/**]
    tasks:
      - {id: left-1, do: Write the shared file., estimate: 1s}
  - name: right
    role: implementation
    owns: [shared.txt, right/**]
    tasks:
      - {id: right-1, do: Write the shared file too., estimate: 1s}
      - {id: right-2, do: Build on the left side., estimate: 1s, after: [left-1]}
"""
    repo = make_repo(tmp_path / "repo")
    shell = install_agent(tmp_path / "agent", {"left-1": {"write": {"shared.txt": "left\n"}},
                                               "right-1": {"write": {"shared.txt": "right\n"}},
                                               "right-2": {"write": {"right/x.txt": "x\n"}}})  # fmt: skip
    extra = "lint: {ignore: [RY101, RY102, RY201, RY202]}\nmerge: {order: [left, right]}\n"
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, team, extra=extra))
    code, doc, out = run(repo, "--concurrency", "1")
    assert code == 1 and doc["status"] == "partial"
    assert task_of(doc, "right-2")["status"] == "failed"
    assert "merge conflict bringing in what it waits on: shared.txt" in task_of(doc, "right-2")["reason"]
    assert {(c["stage"], c["subject"], tuple(c["paths"])) for c in doc["merge_conflicts"]} == {
        ("task", "right-2", ("shared.txt",)), ("fan-in", "right", ("shared.txt",))}
    assert doc["merged"] == ["left"]
    assert git(repo, "show", f"{doc['integration_branch']}:shared.txt") == "left"
    assert "CONFLICT merging right" in out


def test_team_repo_below_the_top_of_the_work_tree(tmp_path: Path) -> None:
    """team.repo is a folder of a bigger repository: owns are relative to it, and a write above it is a violation."""
    repo = make_repo(tmp_path / "repo", {"service/README.md": "# service\n"})
    shell = install_agent(tmp_path / "agent", {"work": {"write": {"src/api/x.py": "1\n", "../top.txt": "no\n"}},
                                               **GOOD})  # fmt: skip
    (repo / "service" / "team.rally.yaml").write_text(spec_yaml(shell, TWO))
    main = git(repo, "rev-parse", "main")
    code, out, err = rallyc("run", str(repo / "service" / "team.rally.yaml"), "--no-journal")
    assert code == 1 and git(repo, "rev-parse", "main") == main
    doc = report(repo)
    [violation] = doc["violations"]
    assert violation["paths"] == ["top.txt"] and "outside team.repo" in violation["details"][0]
    assert task_of(doc, "pages")["files_changed"] == ["web/index.html"]  # relative to team.repo
    assert "service/web/index.html" in git(repo, "ls-tree", "-r", "--name-only", doc["integration_branch"])
