"""`rallyc compile`, `graph` and `explain` through click: files on disk, --check, --install, atomic output."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import rallyc as rallyc_package
from tests.conftest import EXAMPLES, SMALL_SPEC, rallyc

BROKEN = SMALL_SPEC.replace("owns: [web/**]", "owns: [src/api/**]")  # RY101: two owners


def snapshot_of(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "team.rally.yaml"
    path.write_text(SMALL_SPEC, encoding="utf-8")
    return path


def test_compile_writes_the_default_folder_under_the_repo(spec: Path) -> None:
    code, out, _ = rallyc("compile", str(spec))
    assert code == 0, out
    folder = spec.parent / ".rally" / "build" / "small"
    assert set(snapshot_of(folder)) == {
        "plan.json", "graph.mmd", "lead.md", "handoff.md", "teammates/api.md", "teammates/web.md",
        ".claude/agents/small-api.md", ".claude/agents/small-web.md", ".claude/rally/small.json",
        ".claude/settings.json", ".rallyc-build",
    }  # fmt: skip
    assert "wrote 10 files for claude-agent-teams" in out


def test_a_build_under_the_repository_stays_out_of_git_status(spec: Path, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    exclude = tmp_path / ".git" / "info" / "exclude"
    exclude.write_text("*.log")  # the user's own line, with no final newline
    assert rallyc("compile", str(spec), "-o", str(tmp_path / "out"))[0] == 0
    assert exclude.read_text() == "*.log"  # a folder the user chose is theirs to ignore or commit
    for _ in range(2):
        assert rallyc("compile", str(spec))[0] == 0
    assert exclude.read_text() == "*.log\n.rally/\n"  # as a run writes it
    status = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert ".rally/" not in status and "?? team.rally.yaml" in status and "?? out/plan.json" in status


@pytest.mark.parametrize("commits_output", ["tracked", "hook"])
def test_a_team_that_commits_its_build_sees_new_files(spec: Path, tmp_path: Path, commits_output: str) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    if commits_output == "hook":
        (tmp_path / ".pre-commit-config.yaml").write_text("repos: [{repo: x, rev: v1, hooks: [{id: rallyc-compile-check}]}]\n")
    else:
        (tmp_path / ".rally" / "build" / "other").mkdir(parents=True)  # another team's committed build
        (tmp_path / ".rally" / "build" / "other" / "plan.json").write_text("{}\n")
        subprocess.run(["git", "-C", str(tmp_path), "add", ".rally/build/other/plan.json"], check=True)
    assert rallyc("compile", str(spec))[0] == 0
    assert (tmp_path / ".git" / "info" / "exclude").read_text().splitlines()[-2:] == [".rally/runs/", ".rally/worktrees/"]
    status = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "?? .rally/build/small/plan.json" in status  # a new compiled file shows: the team commits them


def test_check_passes_then_catches_a_one_byte_change(spec: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert rallyc("compile", str(spec), "-o", str(out_dir))[0] == 0
    assert rallyc("compile", str(spec), "-o", str(out_dir), "--check")[0] == 0
    lead = out_dir / "lead.md"
    data = bytearray(lead.read_bytes())
    data[10] ^= 1
    lead.write_bytes(bytes(data))
    code, out, err = rallyc("compile", str(spec), "-o", str(out_dir), "--check")
    assert code == 1
    assert out == f"{lead}: differs\n"
    assert "1 file(s) out of date" in err
    assert lead.read_bytes() == bytes(data)  # --check writes nothing


def test_check_reports_missing_and_unexpected_files(spec: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    rallyc("compile", str(spec), "-o", str(out_dir))
    (out_dir / "graph.mmd").unlink()
    (out_dir / "notes.txt").write_text("mine")
    code, out, _ = rallyc("compile", str(spec), "-o", str(out_dir), "--check")
    assert code == 1
    assert out.splitlines() == [f"{out_dir / 'graph.mmd'}: missing", f"{out_dir / 'notes.txt'}: unexpected"]


def test_recompiling_gives_the_same_bytes(spec: Path, tmp_path: Path) -> None:
    rallyc("compile", str(spec), "-o", str(tmp_path / "a"))
    rallyc("compile", str(spec), "-o", str(tmp_path / "b"))
    assert snapshot_of(tmp_path / "a") == snapshot_of(tmp_path / "b")


def test_lint_errors_print_findings_and_leave_old_output(spec: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    rallyc("compile", str(spec), "-o", str(out_dir))
    before = snapshot_of(out_dir)
    spec.write_text(BROKEN, encoding="utf-8")
    code, _, err = rallyc("compile", str(spec), "-o", str(out_dir))
    assert code == 1
    assert "error RY101" in err and "nothing was compiled" in err
    assert snapshot_of(out_dir) == before


def file_size_limit(limit: int) -> Callable[[], None]:
    """A preexec_fn: files the child writes stop at `limit` bytes, and a write past it fails with EFBIG
    (SIGXFSZ ignored, so that the kernel does not kill the child instead)."""

    def apply() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE and SIGXFSZ are POSIX only")
def test_a_failure_while_writing_leaves_old_output_and_no_debris(spec: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert rallyc("compile", str(spec), "-o", str(out_dir))[0] == 0
    before = snapshot_of(out_dir)
    spec.write_text(SMALL_SPEC.replace("Add the routes.", "Add the new routes."), encoding="utf-8")
    sizes = sorted(len(data) for data in before.values())
    limit = sizes[-1] // 2  # the largest file cannot be written; the smallest ones can, so it fails half-way
    assert 0 < sizes[0] <= limit < sizes[-1]
    package_root = str(Path(rallyc_package.__file__).resolve().parents[1])  # the rallyc under test
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
           "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "rallyc", "compile", str(spec), "-o", str(out_dir)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=60,
                          preexec_fn=file_size_limit(limit))  # fmt: skip
    assert (done.returncode, done.stderr.splitlines()) == (2, [f"rallyc: could not write {out_dir}: {os.strerror(errno.EFBIG)}"])
    assert "Traceback" not in done.stdout + done.stderr
    assert snapshot_of(out_dir) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "team.rally.yaml"]


def test_refuses_to_replace_a_folder_it_did_not_write(spec: Path, tmp_path: Path) -> None:
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "main.py").write_text("print('hi')\n")
    code, _, err = rallyc("compile", str(spec), "-o", str(sources))
    assert code == 2 and "not a rallyc build folder" in err
    assert (sources / "main.py").read_text() == "print('hi')\n"


def test_unknown_target_is_a_usage_error(spec: Path) -> None:
    code, _, err = rallyc("compile", str(spec), "--target", "gemini")
    assert code == 2 and "unknown target 'gemini'" in err and "codex-subagents" in err


def test_install_writes_runtime_files_and_refuses_foreign_ones(spec: Path, tmp_path: Path) -> None:
    code, out, _ = rallyc("compile", str(spec), "--target", "codex-subagents", "--install")
    assert code == 0, out
    installed = tmp_path / ".codex" / "agents" / "small-api.toml"
    assert installed.read_text().startswith("# generated by rallyc from team.rally.yaml; do not edit\n")
    assert rallyc("compile", str(spec), "--target", "codex-subagents", "--install", "--check")[0] == 0
    installed.write_text('name = "mine"\n')
    code, out, err = rallyc("compile", str(spec), "--target", "codex-subagents", "--install", "--check")
    assert code == 1 and "small-api.toml: differs" in out and "run rallyc compile --install" in err
    build = tmp_path / ".rally" / "build" / "small"
    before = snapshot_of(build)
    spec.write_text(SMALL_SPEC.replace("Add the routes.", "Add the new routes."), encoding="utf-8")
    code, _, err = rallyc("compile", str(spec), "--target", "codex-subagents", "--install")
    assert code == 2 and "refusing to overwrite .codex/agents/small-api.toml" in err
    assert installed.read_text() == 'name = "mine"\n'
    assert snapshot_of(build) == before  # refused before anything was written


def test_install_overwrites_its_own_files_and_removes_stale_ones(spec: Path, tmp_path: Path) -> None:
    rallyc("compile", str(spec), "--install")
    agents = tmp_path / ".claude" / "agents"
    (agents / "small-api.md").write_text((agents / "small-api.md").read_text() + "edited\n")
    (agents / "small-gone.md").write_text((agents / "small-web.md").read_text())
    (agents / "other.md").write_text("---\nname: other\n---\n")
    code, out, _ = rallyc("compile", str(spec), "--install")
    assert code == 0
    assert "installed .claude/agents/small-api.md" in out.replace(str(tmp_path) + "/", "")
    assert not (agents / "small-gone.md").exists()
    assert sorted(path.name for path in agents.iterdir()) == ["other.md", "small-api.md", "small-web.md"]


def test_graph_prints_mermaid_and_dot(spec: Path) -> None:
    code, out, _ = rallyc("graph", str(spec))
    assert code == 0
    assert out.startswith("flowchart LR\n") and 'subgraph m0["api: implementation"]' in out
    code, out, _ = rallyc("graph", "--format", "dot", str(EXAMPLES[0]))
    assert code == 0 and out.startswith('digraph "email-verified-at" {') and '"orm-column" -> "repo-tests"' in out


def test_graph_of_a_broken_spec_prints_findings(tmp_path: Path) -> None:
    path = tmp_path / "bad.rally.yaml"
    path.write_text(SMALL_SPEC.replace("role: front end", "rol: front end"), encoding="utf-8")
    code, _, err = rallyc("graph", str(path))
    assert code == 1 and "RY002" in err


def test_explain_tells_schedule_cost_ownership_and_merge_order(spec: Path) -> None:
    code, out, _ = rallyc("explain", str(spec))
    assert code == 0
    assert "Schedule by estimate: makespan 20m for 40m of work, speedup 2.00x" in out
    assert "Cost estimate: $" in out and "overhead x3.5 included" in out
    assert "api  writes src/api/**" in out
    assert "Merge order at fan-in, one at a time (by each teammate's first task in dependency order): api > web" in out


def test_explain_refuses_a_cycle(tmp_path: Path) -> None:
    path = tmp_path / "cycle.rally.yaml"
    cyclic = SMALL_SPEC.replace("estimate: 20m, verify: [pytest -q]", "estimate: 20m, after: [pages]").replace(
        "estimate: 20m, verify: [npm test]", "estimate: 20m, after: [routes]")
    path.write_text(cyclic, encoding="utf-8")
    code, _, err = rallyc("explain", str(path))
    assert code == 2 and "cycle" in err
