"""`rallyc run` end to end with the shell backend: worktrees, handoffs, commits, fan-in, report, journal, apply."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT
from tests.runner.scripted import (
    git,
    install_agent,
    make_repo,
    rallyc,
    report,
    run_folder,
    spec_yaml,
    task_of,
    trailer_counts,
)

TEAM = """\
  - name: api
    role: implementation
    owns: [src/api/**]
    tasks:
      - {id: models, do: Write the models., estimate: 2s, verify: ["test -f src/api/models.py"]}
      - {id: routes, do: Write the routes., estimate: 2s}
  - name: web
    role: front end
    owns: [web/**]
    tasks:
      - {id: pages, do: Write the pages from the models., estimate: 2s, after: [models]}
  - name: docs
    role: documentation
    owns: [docs/**]
    tasks:
      - {id: guide, do: Write the guide., estimate: 2s, after: [routes, pages]}
"""

ACTIONS = {
    "models": {"write": {"src/api/models.py": "MODELS = 1\n"}},
    "routes": {"write": {"src/api/routes.py": "ROUTES = 1\n"}, "require": ["src/api/models.py"]},
    "pages": {"write": {"web/index.html": "<p>pages</p>\n"}, "require": ["src/api/models.py"]},
    "guide": {"write": {"docs/guide.md": "# guide\n"}, "require": ["src/api/routes.py", "web/index.html"]},
}


def schema() -> dict[str, object]:
    loaded: dict[str, object] = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    return loaded


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    shell = install_agent(tmp_path / "agent", ACTIONS)
    extra = 'verify: ["test -f docs/guide.md", "test -f web/index.html"]\nmerge: {order: [web, api, docs]}\n'
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, TEAM, extra=extra))
    return repo


def test_a_clean_run_commits_every_task_and_integrates_in_merge_order(project: Path) -> None:
    main_before = git(project, "rev-parse", "main")
    code, out, err = rallyc("run", str(project / "team.rally.yaml"))
    assert code == 0, out + err
    doc = report(project)
    jsonschema.validate(doc, schema())
    run_id = doc["run_id"]
    assert doc["status"] == "passed" and doc["counts"] == {"total": 4, "done": 4, "failed": 0, "skipped": 0}
    assert trailer_counts(project, run_id) == {"models": 1, "routes": 1, "pages": 1, "guide": 1}
    integration = doc["integration_branch"]
    assert integration == f"rally/{run_id}/integration"
    files = git(project, "ls-tree", "-r", "--name-only", integration).split()
    assert {"src/api/models.py", "src/api/routes.py", "web/index.html", "docs/guide.md"} <= set(files)
    merges = git(project, "log", "--merges", "--first-parent", "--format=%s", integration).splitlines()
    assert merges == ["rally: merge docs (1 task)", "rally: merge api (2 tasks)", "rally: merge web (1 task)"]
    # every task commit exactly once on the integration branch, subject and trailers as docs/runner.md says
    subjects = git(project, "log", "--no-merges", "--format=%s%n%(trailers:key=Rally-Run,valueonly)", integration,
                   "--not", "main")  # fmt: skip
    assert subjects.count(f"{run_id}") == 4 and "rally(models): did models" in subjects
    assert git(project, "rev-parse", "main") == main_before  # the user's branch is untouched
    assert [c["scope"] for c in doc["checks"]] == ["models", "team", "team"]
    assert task_of(doc, "pages")["files_changed"] == ["web/index.html"]
    assert doc["tes"]["parts"]["conflict_prevention"] == 1 and doc["tes"]["grade"] in "ABCDF"
    assert not (project / ".rally" / "worktrees" / run_id).exists()  # removed without --keep-worktrees
    assert ".rally/" in (project / ".git" / "info" / "exclude").read_text().splitlines()
    assert git(project, "status", "--porcelain").splitlines() == ["?? .agents/", "?? team.rally.yaml"]
    journal = (project / ".agents" / "rally.md").read_text()
    assert run_id in journal and "Outcome: passed" in journal and "TES" in journal
    folder = run_folder(project)
    for name in ("plan.json", "state.json", "events.jsonl", "report.md", "handoff.md", "logs/models.log",
                 "prompts/models.md", "prompts/teammates/api.md"):
        assert (folder / name).is_file(), name
    markdown = (folder / "report.md").read_text()
    assert "```mermaid" in markdown and "class t_models,t_routes,t_pages,t_guide done" in markdown
    assert "_STEP_COMPLETE:" in (folder / "handoff.md").read_text()
    prompt = (folder / "prompts" / "pages.md").read_text()
    assert "## Your task now: pages" in prompt and "You are **web**" in prompt
    assert "apply: git merge --ff-only" in out


def test_apply_fast_forwards_the_current_branch(project: Path) -> None:
    code, out, err = rallyc("run", str(project / "team.rally.yaml"), "--apply", "--no-journal", "--keep-worktrees")
    assert code == 0, out + err
    doc = report(project)
    assert doc["applied"]["branch"] == "main"
    assert git(project, "rev-parse", "main") == git(project, "rev-parse", doc["integration_branch"])
    assert (project / "docs" / "guide.md").read_text() == "# guide\n"
    assert not (project / ".agents").exists()
    assert (project / ".rally" / "worktrees" / doc["run_id"] / "api").is_dir()


def test_dirty_tracked_files_warn_and_refuse_apply(project: Path) -> None:
    (project / "README.md").write_text("changed\n")
    code, out, err = rallyc("run", str(project / "team.rally.yaml"), "--apply")
    assert code == 2 and "--apply refused" in err and "README.md" in err
    assert not (project / ".rally").exists()
    code, out, err = rallyc("run", str(project / "team.rally.yaml"), "--no-journal")
    assert code == 0 and "uncommitted changes" in out
    assert (project / "README.md").read_text() == "changed\n"


def test_dry_run_prints_the_plan_and_creates_nothing(project: Path) -> None:
    code, out, err = rallyc("run", str(project / "team.rally.yaml"), "--dry-run", "--concurrency", "1")
    assert code == 0, err
    assert "at most 1 teammate(s) at once" in out and "Cost estimate: $" in out
    assert "Merge order at fan-in, one teammate at a time: web > api > docs" in out
    lines = [line.split() for line in out.splitlines() if line.strip().endswith(("models", "routes", "pages", "guide"))]
    assert [line[-1] for line in lines] == ["models", "routes", "pages", "guide"]  # one at a time, ties in spec order
    assert not (project / ".rally").exists()
    assert git(project, "branch", "--list", "rally/*") == ""


def test_status_and_clean(project: Path) -> None:
    code, out, err = rallyc("run", str(project / "team.rally.yaml"), "--keep-worktrees", "--no-journal")
    assert code == 0, out + err
    run_id = report(project)["run_id"]
    code, out, err = rallyc("status", "-C", str(project))
    assert code == 0, err
    assert f"run {run_id}: finished" in out and "4 done of 4" in out and "cost so far $0.00" in out
    assert "models" in out and "pages" in out
    code, out, err = rallyc("clean", "-C", str(project), run_id)
    assert code == 0, err
    assert f"deleted branch rally/{run_id}/integration" in out
    assert git(project, "branch", "--list", "rally/*") == ""
    assert not (project / ".rally" / "worktrees" / run_id).exists()
    assert (run_folder(project) / "report.json").is_file()  # the reports stay
    assert git(project, "worktree", "list").count("\n") == 0
    assert "cleaned 1 run(s);" in out
    code, out, err = rallyc("clean", "-C", str(project), "--all")
    assert code == 0 and "cleaned 0 run(s) (1 had nothing left to remove)" in out, out + err
    assert rallyc("clean", "-C", str(project))[0] == 2  # neither RUN_ID nor --all
    assert rallyc("status", "-C", str(project), "nope")[0] == 2


def test_a_dry_run_needs_no_backend_program(project: Path, tmp_path: Path) -> None:
    programs = tmp_path / "bin"  # git and the checks' programs, no `claude`
    programs.mkdir()
    for name in ("git", "sh", "test"):
        (programs / name).symlink_to(shutil.which(name) or name)
    spec, env = str(project / "team.rally.yaml"), {"PATH": str(programs)}
    code, out, err = rallyc("run", spec, "--dry-run", "--backend", "claude", env=env)
    assert code == 0, err
    assert "warning: a real run would stop here: the claude backend needs `claude` on PATH" in out
    assert "Dry run of team demo" in out and not (project / ".rally").exists()
    code, out, err = rallyc("run", spec, "--backend", "claude", env=env)
    assert code == 2 and "the claude backend needs `claude` on PATH" in err and not (project / ".rally").exists()


def test_the_shell_option_runs_a_spec_unedited_and_a_resume_keeps_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    shell = install_agent(tmp_path / "agent", {**ACTIONS, "guide": {**ACTIONS["guide"], "fail_attempts": [1]}})
    text = spec_yaml("unused", TEAM).replace("backend: shell", "backend: claude")
    (repo / "team.rally.yaml").write_text("".join(line for line in text.splitlines(True) if "shell:" not in line))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "spec")
    spec = str(repo / "team.rally.yaml")
    assert rallyc("run", spec, "--backend", "codex", "--shell", shell)[0] == 2  # a shell command for codex: refused
    code, out, err = rallyc("run", spec, "--shell", shell, "--no-journal")
    assert code == 1, out + err  # guide fails its first attempt
    doc = report(repo)
    assert doc["backend"] == "shell" and task_of(doc, "guide")["status"] == "failed"
    assert any(line.startswith("--shell ") and "(run.shell: none)" in line for line in doc["overrides"])
    code, out, err = rallyc("run", spec, "--resume", doc["run_id"], "--no-journal")
    assert code == 0, out + err
    assert report(repo)["status"] == "passed"
