"""An agent is untrusted code: each promise of `rallyc run`, attacked by an agent that tries to break it.

Each attack runs twice where it can: without a sandbox (`run.sandbox: off`), where the runner must detect,
undo or report it after the task; and in the sandbox (`auto`, Landlock on Linux), where the write itself
is refused. The agent is the scripted one of `scripted.py`; its `sh` action is the attack, a real shell
command in a real git repository.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from rallyc.runner.sandbox import mechanism
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
    require_sandbox,
    spec_yaml,
    task_of,
    trailer_counts,
    wait_for,
)

TEAM = API_AND_WEB.replace("Write the pages., estimate: 2s}", "Write the pages., estimate: 2s, after: [work]}")
GOOD = {"after-work": {"write": {"src/api/more.py": "2\n"}}, "pages": {"write": {"web/index.html": "ok\n"}}}
MODES = ["off", "auto"]


def project(tmp_path: Path, work: dict[str, Any], *, sandbox: str = "off", retries: int = 0,
            team: str = TEAM, extra: str = "", actions: dict[str, Any] | None = None) -> Path:  # fmt: skip
    if sandbox != "off":
        require_sandbox()
    repo = make_repo(tmp_path / "repo", {"src/api/base.py": "0\n"})
    shell = install_agent(tmp_path / "agent", {**GOOD, "work": work, **(actions or {})})
    (tmp_path / "out").mkdir()
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, team, retries=retries, sandbox=sandbox, extra=extra,
                                                    writable=[tmp_path / "out"]))  # fmt: skip
    git(repo, "add", "team.rally.yaml")
    git(repo, "commit", "-q", "-m", "the spec")
    return repo


def run(repo: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal", "--concurrency", "1", *args)
    assert "Traceback" not in out + err and "internal error" not in out + err, out + err
    doc = report(repo)
    jsonschema.validate(doc, REPORT_SCHEMA)
    return code, doc, out + err


def refs_of(repo: Path) -> str:
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/main", "refs/heads/feature",
               "refs/tags", "refs/stash")  # fmt: skip


def tree_of(repo: Path, ref: str) -> list[str]:
    return git(repo, "ls-tree", "-r", "--name-only", ref).split()


def forge(repo: Path, branch: str, task: str, make: Callable[[Path], object], *, record: bool = False) -> str:
    """A commit claiming `task` put on `branch` by hand, as an agent without a sandbox could; with `record`, also
    written into the run's state as the task's commit and the branch's head (the state file is writable too)."""
    scratch = repo.parent / "scratch"
    git(repo, "worktree", "add", "-q", "--detach", str(scratch), branch)
    make(scratch)
    git(scratch, "add", "-A")
    run_id = branch.split("/")[1]
    git(scratch, "commit", "-q", "-m", f"rally({task}): forged\n\nRally-Run: {run_id}\nRally-Task: {task}\n")
    commit = git(scratch, "rev-parse", "HEAD")
    git(repo, "worktree", "remove", "--force", str(scratch))
    git(repo, "update-ref", f"refs/heads/{branch}", commit)
    if record:
        state_file = run_folder(repo) / "state.json"
        state = json.loads(state_file.read_text())
        state["tasks"][task]["commit"] = commit
        state["heads"][branch.rsplit("/", 1)[1]] = commit
        state_file.write_text(json.dumps(state))
    return commit


def steal(top: Path) -> None:
    (top / "README.md").write_text("stolen\n")


# ---- 1. nothing unchecked lands -----------------------------------------------------------------------------

FORGE = ('echo stolen > README.md; git add README.md; c=$(printf "rally(pages): forged\\n\\nRally-Run: $RALLY_RUN_ID\\n'
         'Rally-Task: pages\\n" | git commit-tree $(git write-tree) -p HEAD); git reset -q --hard HEAD; '
         'git update-ref refs/heads/rally/$RALLY_RUN_ID/web $c')  # fmt: skip


def test_a_commit_forged_onto_another_teammates_branch_is_put_back_and_never_lands(tmp_path: Path) -> None:
    first_attempt_only = f'if [ "$RALLY_ATTEMPT" = 1 ]; then {FORGE}; fi'
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}, "sh": first_attempt_only}, retries=1)
    code, doc, out = run(repo, "--apply")
    [violation] = doc["violations"]
    assert violation["task"] == "work" and violation["paths"] == [f"refs/heads/rally/{doc['run_id']}/web"]
    assert "the run's refs are the runner's to move" in violation["details"][0]
    assert task_of(doc, "pages")["status"] == "done"  # its own commit, made on the branch put back
    assert "README.md" not in {path for task in doc["tasks"] for path in task["files_changed"]}
    assert git(repo, "show", f"{doc['integration_branch']}:README.md") == "# project"
    assert code == 0 and git(repo, "show", "main:README.md") == "# project"  # the retry's work landed, not the forgery


def test_a_commit_claiming_a_task_is_not_counted_on_resume_and_never_reaches_your_branch(tmp_path: Path) -> None:
    """The forged commit sits on the teammate's branch when the run is resumed (as if rallyc had died before
    it could check): `--resume --apply` must redo the task, never fast-forward main onto the forgery."""
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}, "fail_attempts": [1]})
    code, doc, _ = run(repo)
    assert code == 1 and task_of(doc, "after-work")["status"] == "skipped"
    forged = forge(repo, f"rally/{doc['run_id']}/api", "work", steal)
    code, doc, out = run(repo, "--resume", doc["run_id"], "--apply")
    assert f"commit {forged[:12]} claims task work but the runner did not record it; left out" in out
    assert code == 0 and doc["status"] == "passed" and task_of(doc, "work")["commit"] != forged
    assert git(repo, "show", "main:README.md") == "# project" and "src/api/ok.py" in tree_of(repo, "main")


def test_a_forged_commit_recorded_in_the_state_fails_the_check_on_resume(tmp_path: Path) -> None:
    """Without a sandbox an agent can write the run's state too: a commit recorded there is checked again."""
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}})
    code, doc, _ = run(repo)
    forged = forge(repo, f"rally/{doc['run_id']}/api", "after-work", steal, record=True)
    code, doc, out = run(repo, "--resume", doc["run_id"])
    assert f"after-work: its recorded commit {forged[:12]} changes what api does not own" in out
    assert code == 0 and task_of(doc, "after-work")["commit"] != forged
    assert "README.md" not in git(repo, "diff", "--name-only", "main", doc["integration_branch"]).split()


def test_at_fan_in_a_path_outside_owns_is_left_out_whatever_the_commits_say(tmp_path: Path) -> None:
    """The last wall: a recorded commit whose names are all owned but which holds a symlink out of the
    repository (the resume check reads names only) reaches fan-in, which checks the whole diff again."""
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}})
    code, doc, _ = run(repo)
    forge(repo, f"rally/{doc['run_id']}/api", "after-work", lambda top: (top / "src/api/passwd").symlink_to("/etc/passwd"),
          record=True)  # fmt: skip
    code, doc, out = run(repo, "--resume", doc["run_id"])
    assert code == 1 and any("found at fan-in" in detail for v in doc["violations"] for detail in v["details"])
    assert "src/api/passwd" not in tree_of(repo, doc["integration_branch"])
    assert "src/api/passwd" in (run_folder(repo) / "violations" / "fan-in.api.patch").read_text()


# ---- 2. refs move only by the runner's hand --------------------------------------------------------------------

ATTACKS_ON_YOUR_REFS = {
    "move main": 'git -C "$TOP" update-ref refs/heads/main $(git -C "$TOP" rev-parse HEAD~1)',
    "delete a branch": 'git -C "$TOP" branch -D feature',
    "drop your stash": 'git -C "$TOP" stash drop -q',
    "a new tag": 'git -C "$TOP" tag planted',
    "check out main and commit": "git checkout -q --ignore-other-worktrees main && git commit -q --allow-empty -m x",
}


@pytest.mark.parametrize("attack", ATTACKS_ON_YOUR_REFS.values(), ids=ATTACKS_ON_YOUR_REFS.keys())
@pytest.mark.parametrize("sandbox", MODES)
def test_your_refs_changed_by_an_agent_are_reported_and_block_apply(tmp_path: Path, attack: str, sandbox: str) -> None:
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}, "sh": attack}, sandbox=sandbox)
    git(repo, "branch", "feature")
    (repo / "README.md").write_text("my work in progress\n")
    git(repo, "stash", "-q")
    git(repo, "commit", "-q", "--allow-empty", "-m", "so main has a parent to move to")
    before = refs_of(repo)
    code, doc, out = run(repo, "--apply")
    if sandbox == "off":
        assert code == 1 and doc["status"] != "passed" and doc["applied"] is None
        [change] = [item for item in doc["outside_changes"] if item["kind"] == "refs"]
        assert change["during"] == ["work"] and change["what"]
        assert "POSSIBLE VIOLATION" in out and "not applied" not in out  # not passed: --apply never tried
    else:  # the sandbox refused the writes: nothing of yours moved, and the work landed
        assert refs_of(repo).replace(git(repo, "rev-parse", "main"), "") == before.replace(
            before.split()[1 + before.split().index("refs/heads/main")], "")  # fmt: skip
        assert code == 0 and doc["outside_changes"] == [] and doc["applied"]["branch"] == "main"


# ---- 4/5. writes outside the worktree ---------------------------------------------------------------------------


@pytest.mark.parametrize("sandbox", MODES)
def test_a_write_into_your_checkout_is_reported_not_reverted(tmp_path: Path, sandbox: str) -> None:
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}, "sh": 'echo planted >> "$TOP/README.md"'},
                   sandbox=sandbox)  # fmt: skip
    code, doc, out = run(repo)
    if sandbox == "off":
        assert code == 1 and doc["status"] == "partial"
        assert doc["outside_changes"] == [{"kind": "checkout", "during": ["work"], "what": ["README.md"]}]
        assert (repo / "README.md").read_text().endswith("planted\n")  # reported, not reverted: you may be working
        assert "next: your refs or checkout changed while tasks ran without a sandbox" in out
        assert "--resume" not in doc["next_step"]  # resuming would change nothing: a person must look
        risk = "possible violation while work ran: files of your checkout changed (not reverted): README.md"
        assert risk in doc["risks"] and risk in (run_folder(repo) / "handoff.md").read_text()  # its receiver is told
    else:
        assert code == 0 and doc["outside_changes"] == [] and (repo / "README.md").read_text() == "# project\n"


@pytest.mark.parametrize("sandbox", MODES)
def test_a_write_into_another_teammates_worktree_is_set_aside_never_committed(tmp_path: Path, sandbox: str) -> None:
    attack = 'd="$(dirname "$RALLY_WORKTREE")/web/web"; mkdir -p "$d"; echo planted > "$d/planted.html"'
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}, "sh": attack}, sandbox=sandbox)
    code, doc, out = run(repo)
    assert code == 0  # nothing of the attack landed: each task did its own work
    assert "web/planted.html" not in tree_of(repo, doc["integration_branch"])
    if sandbox == "off":
        [stray] = doc["strays"]
        assert stray == {**stray, "teammate": "web", "task": "pages", "paths": ["web/planted.html"]}
        assert "planted" in (run_folder(repo) / stray["patch"]).read_text()
    else:
        assert doc["strays"] == []


@pytest.mark.parametrize("sandbox", MODES)
def test_a_hard_link_to_a_file_outside_the_worktree_is_a_violation(tmp_path: Path, sandbox: str) -> None:
    repo = project(tmp_path, {"sh": 'ln "$TOP/README.md" src/api/readme.md'}, sandbox=sandbox)
    code, doc, out = run(repo)
    if sandbox == "off":
        [violation] = doc["violations"]
        assert violation["paths"] == ["src/api/readme.md"] and "hard link" in violation["details"][0]
    else:
        assert doc["violations"] == [] and "src/api/readme.md" not in task_of(doc, "work")["files_changed"]
    assert (repo / "README.md").read_text() == "# project\n"


# ---- 3. no process outlives its task ---------------------------------------------------------------------------


@pytest.mark.parametrize("sandbox", MODES)
def test_a_setsid_writer_dies_with_its_task_and_writes_nothing_later(tmp_path: Path, sandbox: str) -> None:
    pids = tmp_path / "out" / "pids"
    writer = f"setsid sh -c 'while true; do echo x >> src/api/bg.txt; sleep 0.02; done' & echo $! > {pids}; sleep 0.2"
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}, "sh": writer}, sandbox=sandbox,
                   actions={"after-work": {"sleep": 0.5, "write": {"src/api/more.py": "2\n"}}})  # fmt: skip
    code, doc, out = run(repo)
    assert code == 0
    assert wait_for(lambda: process_gone(int(pids.read_text())), 5)
    assert "src/api/bg.txt" in task_of(doc, "work")["files_changed"]
    assert task_of(doc, "after-work")["files_changed"] == ["src/api/more.py"]  # nothing written after its task
    assert doc["strays"] == []


# ---- 6. no work is lost ----------------------------------------------------------------------------------------


def test_a_failed_check_keeps_the_attempts_changes_as_a_patch(tmp_path: Path) -> None:
    team = TEAM.replace("{id: work, do: Do the work., estimate: 5s}",
                        '{id: work, do: Do the work., estimate: 5s, verify: ["false"]}')  # fmt: skip
    repo = project(tmp_path, {"write": {"src/api/ok.py": "paid for\n", "src/api/blob.bin": "\0\1\2"}}, team=team,
                   sandbox="auto" if mechanism().abi else "off")  # fmt: skip
    code, doc, out = run(repo)
    work = task_of(doc, "work")
    assert work["status"] == "failed" and work["patches"] == ["patches/work.1.patch"]
    patch = (run_folder(repo) / "patches" / "work.1.patch").read_text()
    assert "+paid for" in patch and "src/api/blob.bin" in patch and "GIT binary patch" in patch
    assert "patches/work.1.patch" in (run_folder(repo) / "report.md").read_text()
    worktree = repo / ".rally" / "worktrees" / doc["run_id"] / "api"
    applied = subprocess.run(["git", "apply", str(run_folder(repo) / "patches" / "work.1.patch")], cwd=repo,
                             capture_output=True)  # fmt: skip
    assert applied.returncode == 0 and (repo / "src/api/ok.py").read_text() == "paid for\n"
    assert not worktree.exists() or git(worktree, "status", "--porcelain") == ""


def test_a_file_over_max_file_mib_is_a_violation_kept_by_name_and_size(tmp_path: Path) -> None:
    big = "head -c 2000000 /dev/zero > src/api/big.bin"
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}, "sh": big}, extra="")
    spec = repo / "team.rally.yaml"
    spec.write_text(spec.read_text().replace("  sandbox: off\n", "  sandbox: off\n  max_file_mib: 1\n"))
    code, doc, out = run(repo)
    [violation] = doc["violations"]
    assert violation["paths"] == ["src/api/big.bin"] and "over run.max_file_mib (1)" in violation["details"][0]
    patch = (run_folder(repo) / violation["patch"]).read_bytes()
    assert patch.startswith(b"# rallyc: left out of this patch: src/api/big.bin (1.9 MiB") and len(patch) < 4096
    assert b"src/api/ok.py" in patch


# ---- 7. file names are bytes -----------------------------------------------------------------------------------

ODD = {"latin-1": b"caf\xe9.py", "newline": b"two\nlines.py", "dash": b"-rf.py", "control": b"bell\x07.py"}


def octal(name: bytes) -> str:
    """`name` as a printf format: every byte that is not a plain letter as an octal escape."""
    return "".join(chr(byte) if (byte < 128 and chr(byte).isalnum()) or chr(byte) in "._" else f"\\{byte:03o}" for byte in name)


@pytest.mark.parametrize("sandbox", MODES)
def test_names_that_are_not_utf8_go_through_checks_reports_and_resume(tmp_path: Path, sandbox: str) -> None:
    makes = "; ".join(f"printf x > \"src/api/$(printf '{octal(name)}')\"" for name in ODD.values())
    stray = "mkdir -p web; printf y > \"$(printf 'web/\\377.html')\""
    repo = project(tmp_path, {"sh": f"{makes}; {stray}", "fail_attempts": [2]}, sandbox=sandbox, retries=0)
    code, doc, out = run(repo)
    work = task_of(doc, "work")
    [violation] = doc["violations"]
    assert violation["paths"] == ['"web/\\377.html"'] and work["status"] == "failed"
    assert '"web/\\377.html"' in (run_folder(repo) / "report.md").read_text()
    spec = repo / "team.rally.yaml"
    (tmp_path / "agent" / "actions.json").write_text(json.dumps({**GOOD, "work": {"sh": makes}}))
    code, doc, out = run(repo, "--resume", doc["run_id"])
    assert code == 0, out
    shown = set(task_of(doc, "work")["files_changed"])
    assert shown == {'"src/api/caf\\351.py"', '"src/api/two\\nlines.py"', "src/api/-rf.py", '"src/api/bell\\a.py"'}
    names = subprocess.run(["git", "ls-tree", "-r", "-z", "--name-only", doc["integration_branch"]], cwd=repo,
                           capture_output=True, check=True).stdout.split(b"\0")  # fmt: skip
    assert {b"src/api/" + name for name in ODD.values()} <= set(names)
    assert spec.is_file() and trailer_counts(repo, doc["run_id"])["work"] == 1


# ---- bad input ----------------------------------------------------------------------------------------------------


def test_a_worktree_removed_during_a_task_is_reported_as_such(tmp_path: Path) -> None:
    gone = '[ "$RALLY_ATTEMPT" = 1 ] && cd / && rm -rf "$RALLY_WORKTREE"; true'
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}, "sh": gone}, retries=1)
    code, doc, out = run(repo)
    assert code == 0 and doc["violations"] == [] and task_of(doc, "work")["attempts"] == 2
    assert "was removed while the task ran" in out


def test_a_repository_git_cannot_check_out_is_a_preflight_error_naming_the_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {".gitattributes": "*.txt working-tree-encoding=ISO-8859-1\n"})
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo, input="\u4e2d\n".encode(),
                          capture_output=True, check=True).stdout.decode().strip()  # fmt: skip
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},wide.txt")
    git(repo, "commit", "-q", "-m", "a file latin-1 cannot hold")
    shell = install_agent(tmp_path / "agent", {})
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, TEAM))
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal")
    assert code == 2 and "wide.txt" in err and "Traceback" not in err
    assert not (repo / ".rally" / "runs").exists() or not list((repo / ".rally" / "runs").iterdir())
    assert git(repo, "branch", "--list", "rally/*") == ""


def test_apply_on_a_detached_head_is_refused_before_anything_starts(tmp_path: Path) -> None:
    repo = project(tmp_path, {"write": {"src/api/ok.py": "1\n"}})
    git(repo, "checkout", "-q", "--detach")
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal", "--apply")
    assert code == 2 and "detached HEAD" in err and not (repo / ".rally" / "runs").exists()
