"""`rallyc init` in real git repositories: the starter spec lints clean, whatever the folder layout."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from rallyc import init as starter
from rallyc.api import lint
from rallyc.config import Settings
from rallyc.errors import RallyError
from rallyc.layout import layout_of
from rallyc.load import load_text
from tests.conftest import ROOT, git_index
from tests.terminal import on_posix, rallyc_on_terminal

GOAL = "Add a --json flag to the CLI, with tests and docs."


def init(cwd: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """`rallyc init` in this process, where stdin is click's test stream: no terminal."""
    from rallyc.cli import cli

    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, ["init", *args], catch_exceptions=False)
    return result.exit_code, result.output


def init_on_terminal(cwd: Path, *args: str, answers: Sequence[tuple[str, str]] = ()) -> tuple[int, str]:
    return rallyc_on_terminal(cwd, "init", *args, answers=answers)


def lints_clean(spec: Path) -> None:
    """The real linter, git included (RY104), warnings failing too; info is advice and may stay."""
    report = lint([str(spec)], Settings(strict=True))
    assert report.failures == ()
    assert [f"{d.code} {d.message}" for d in report.diagnostics] == []
    # RY304 and RY309 ask for more tasks and more independent units: what only the user can add to a starter
    everything = lint([str(spec)], Settings(show_info=True, ignore=("RY304", "RY309")))
    assert [f"{d.code} {d.message}" for d in everything.diagnostics] == []


def spec_data(spec: Path) -> dict:  # type: ignore[type-arg]
    data = load_text(spec.read_text(encoding="utf-8"), str(spec)).data
    assert isinstance(data, dict)
    return data


LAYOUTS = {
    "src-tests-docs": ["src/app/main.py", "src/app/util.py", "tests/test_main.py", "docs/index.md",
                       ".github/workflows/ci.yml", "pyproject.toml", "README.md"],
    "one-folder": ["src/main.rs", "src/lib.rs", "Cargo.toml"],
    "only-tests": ["tests/test_a.py", "setup.py"],
    "only-docs": ["docs/index.md", "docs/guide/intro.md"],
    "no-folder": ["README.md", "main.go", "go.mod"],
    "empty": [],
    "monorepo-12-folders": [f"{name}/x.ts" for name in ("api", "web", "worker", "shared", "cli", "infra", "scripts",
                                                         "tools", "e2e", "test")] + ["docs/x.md", "site/x.md", "package.json"],
    "nine-code-folders": [f"pkg{n}/{m}.py" for n in range(9) for m in range(n + 1)],
    "odd-names": ["My Folder/a.txt", "2d/b.txt", "a,b/c.txt", "[x]/d.txt", "node_modules/m/i.js", "Makefile"],
}  # fmt: skip


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_the_starter_lints_clean(layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "repo", LAYOUTS[layout])
    code, output = init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    assert code == 0, output
    spec = repo / "team.rally.yaml"
    lints_clean(spec)
    data = spec_data(spec)
    teammates = data["teammates"]
    assert 3 <= len(teammates) <= 4  # two or three workers and the reviewer: no RY301 to justify
    *workers, review = teammates
    assert "mode" not in review and review["reads"] == ["**"] and "owns" not in review
    assert review["tasks"][0]["after"] == [f"{worker['name']}.*" for worker in workers]
    for task in (task for teammate in teammates for task in teammate["tasks"]):
        assert task["done_when"]


def test_the_starter_has_the_modeline_goal_defaults_and_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "shop", LAYOUTS["src-tests-docs"])
    code, output = init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    assert code == 0, output
    assert "wrote team.rally.yaml: 4 teammates (src, tests, docs and review)" in output
    assert "commit team.rally.yaml and, once runs write it, .agents/rally.md (the team's journal: keep it)" in output
    text = (repo / "team.rally.yaml").read_text(encoding="utf-8")
    assert text.startswith(starter.MODELINE + "\n")
    data = spec_data(repo / "team.rally.yaml")
    assert data["team"] == {"name": "shop", "goal": GOAL}
    assert data["defaults"] == {"model": "sonnet", "estimate": "20m"}
    assert [(t["name"], t["role"], t.get("owns")) for t in data["teammates"]] == [
        ("src", "implementation", ["src/**"]),
        ("tests", "tests", ["tests/**"]),
        ("docs", "documentation", ["docs/**"]),
        ("review", "quality review", None),
    ]
    # $14.70 estimated (3 sonnet tasks and 1 opus task of 150k tokens, x3.5): 1.5x is $22.05, rounded up to $25
    assert data["budget"] == {"max_usd": 25}
    assert data["verify"] == ["python -m pytest -q"]
    # one code folder: the repository's tests are its tests (the tests teammate runs them too); the suite runs at the end
    assert [t["tasks"][0].get("verify") for t in data["teammates"]] == [
        ["python -m pytest -q tests"], ["python -m pytest -q tests"], None, None]


def test_folders_are_grouped_into_three_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "mono", LAYOUTS["monorepo-12-folders"])
    init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    teammates = spec_data(repo / "team.rally.yaml")["teammates"]
    owns = {t["name"]: t.get("owns") for t in teammates}
    assert owns.pop("tests-docs") == ["e2e/**", "test/**", "docs/**", "site/**"]  # tests and docs share: code gets two
    assert owns.pop("review") is None
    # the scripts and tools folders are no teammate's own: they go with the code
    assert owns == {"api-infra-web": ["api/**", "infra/**", "web/**", "scripts/**", "tools/**"],
                    "cli-shared-worker": ["cli/**", "shared/**", "worker/**"]}


def areas_for(folders: dict[str, int]) -> list[starter.Area]:
    """The areas of a repository whose top-level folders hold that many files each (Python, Markdown in docs/)."""
    return starter.areas_for(layout_of(f"{folder}/f{n}.{'md' if folder == 'docs' else 'py'}"
                                       for folder, files in folders.items() for n in range(files)).units)  # fmt: skip


def test_one_code_folder_keeps_tests_and_docs_apart() -> None:
    areas = areas_for({"src": 5, "tests": 3, "docs": 2})
    assert [(a.name, a.role, a.folders) for a in areas] == [
        ("src", "implementation", ("src",)), ("tests", "tests", ("tests",)), ("docs", "documentation", ("docs",))]  # fmt: skip


def test_code_folders_are_balanced_by_size() -> None:
    folders = {f"pkg{n}": n + 1 for n in range(9)}
    areas = areas_for(folders)
    assert len(areas) == 3
    sizes = [area.files for area in areas]
    assert sum(sizes) == 45 and max(sizes) - min(sizes) <= 2  # largest first into the lightest group
    assert sorted(f for area in areas for f in area.folders) == sorted(folders)  # every folder, once


def test_one_folder_gets_a_complement_so_two_can_work_at_once() -> None:
    assert [(a.name, a.role, a.owns) for a in areas_for({"src": 3})] == [
        ("src", "implementation", ("src/**",)), ("tests", "tests", ("tests/**",))]  # fmt: skip
    assert [(a.name, a.role) for a in areas_for({"docs": 3})] == [("docs", "documentation"), ("src", "implementation")]
    assert [(a.name, a.role) for a in areas_for({})] == [("src", "implementation"), ("tests", "tests")]


def test_odd_folder_names_become_names_and_escaped_globs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "odd", LAYOUTS["odd-names"])
    init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    data = spec_data(repo / "team.rally.yaml")
    owns = sorted(glob for t in data["teammates"] for glob in t.get("owns", []))
    assert owns == ["2d/**", "My Folder/**", "\\[x\\]/**", "a\\,b/**"]
    assert "node_modules" in (repo / "team.rally.yaml").read_text(encoding="utf-8")  # named as left out
    assert "verify" not in data  # a Makefile without a `test:` target suggests no command


def test_a_spec_in_a_subfolder_points_team_repo_at_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "repo", LAYOUTS["src-tests-docs"])
    (repo / "team").mkdir()
    code, output = init(repo / "team", "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    assert code == 0, output
    assert spec_data(repo / "team" / "team.rally.yaml")["team"]["repo"] == ".."
    lints_clean(repo / "team" / "team.rally.yaml")


@pytest.mark.parametrize("goal", ["Fix: the #1 bug", "Say \"hi\" and 'bye'", "Deux lignes\net un accent: é",
                                  "yes", "2026-01-01", "- a list?", "*star", "tab\there", "back\\slash",
                                  "line\u2028separator", "nel\x85char"])  # fmt: skip
def test_any_goal_reads_back_as_written(goal: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "repo", ["src/a.py"])
    code, output = init(repo, "--yes", "--goal", goal, monkeypatch=monkeypatch)
    assert code == 0, output
    assert spec_data(repo / "team.rally.yaml")["team"]["goal"] == goal
    lints_clean(repo / "team.rally.yaml")


def test_it_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "repo", ["src/a.py"])
    (repo / "team.rally.yaml").write_text("mine\n", encoding="utf-8")
    code, output = init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    assert code == 2
    assert "team.rally.yaml: already exists; rallyc init never overwrites a spec" in output
    assert (repo / "team.rally.yaml").read_text(encoding="utf-8") == "mine\n"


def test_write_new_refuses_a_file_that_appeared_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "team.rally.yaml"
    starter.write_new(target, "first\n")
    with pytest.raises(RallyError, match="already exists"):
        starter.write_new(target, "second\n")
    assert target.read_text(encoding="utf-8") == "first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["team.rally.yaml"]  # no temporary file left behind
    assert target.stat().st_mode & 0o644 == 0o644  # readable like any file the user creates, not 0600


def test_outside_git_it_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    code, output = init(tmp_path, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    assert code == 2
    assert "not inside a git work tree" in output and "git init" in output
    assert not (tmp_path / "team.rally.yaml").exists()


def test_without_a_terminal_the_goal_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "repo", ["src/a.py"])
    code, output = init(repo, monkeypatch=monkeypatch)
    assert code == 2 and "--goal" in output
    code, output = init(repo, "--yes", "--goal", "  ", monkeypatch=monkeypatch)
    assert code == 2 and "cannot be empty" in output
    assert not (repo / "team.rally.yaml").exists()


ASK_GOAL, ASK_WRITE = "The team's goal, one paragraph: ", "Write team.rally.yaml? [Y/n]: "


@on_posix
def test_on_a_terminal_it_asks_for_the_goal_shows_the_spec_and_confirms(tmp_path: Path) -> None:
    repo = git_index(tmp_path / "repo", ["src/a.py", "docs/a.md"])
    code, output = init_on_terminal(repo, answers=[(ASK_GOAL, "Ship the thing\r"), (ASK_WRITE, "n\r")])
    assert code == 1, output
    assert "Write team.rally.yaml? [Y/n]" in output and "nothing written" in output
    assert "goal: Ship the thing" in output  # the spec was shown before the question
    assert output.index(ASK_GOAL) < output.index("goal: Ship the thing") < output.index(ASK_WRITE)
    assert output.index(ASK_WRITE) < output.index("rallyc: nothing written")
    assert not (repo / "team.rally.yaml").exists()
    code, output = init_on_terminal(repo, answers=[(ASK_GOAL, "Ship the thing\r"), (ASK_WRITE, "\r")])
    assert code == 0, output
    assert "wrote team.rally.yaml: " in output
    assert spec_data(repo / "team.rally.yaml")["team"]["goal"] == "Ship the thing"


@on_posix
def test_yes_asks_nothing_even_on_a_terminal(tmp_path: Path) -> None:
    repo = git_index(tmp_path / "repo", ["src/a.py"])
    code, output = init_on_terminal(repo, "--yes", "--goal", GOAL, "--name", "My Team!")
    assert code == 0 and "?" not in output, output
    assert "wrote team.rally.yaml: " in output  # the terminal showed what it did, and asked nothing
    assert spec_data(repo / "team.rally.yaml")["team"]["name"] == "my-team"


def test_the_starter_passes_check_jsonschema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "repo", LAYOUTS["src-tests-docs"])
    init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    check = Path(sys.executable).parent / "check-jsonschema"
    schema = ROOT / "schemas" / "team.rally.schema.json"
    done = subprocess.run([str(check), "--schemafile", str(schema), str(repo / "team.rally.yaml")],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_folder_named_like_the_reviewer_gets_its_own_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_index(tmp_path / "repo", ["review/a.py", "review_tool/b.py", "review-tool/c.py"])
    code, output = init(repo, "--yes", "--goal", GOAL, "-o", "teams/new/team.rally.yaml", monkeypatch=monkeypatch)
    assert code == 0, output
    spec = repo / "teams" / "new" / "team.rally.yaml"
    data = spec_data(spec)
    assert [t["name"] for t in data["teammates"]] == ["review-2", "review-tool", "review-tool-2", "review"]
    assert data["team"]["repo"] == "../.."
    lints_clean(spec)


def test_getting_started_init_lint_fix_explain_compile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The steps of docs/getting-started.md, in a fresh repository."""
    from rallyc.cli import cli

    repo = git_index(tmp_path / "my-project", LAYOUTS["src-tests-docs"])
    assert init(repo, "--goal", GOAL, monkeypatch=monkeypatch)[0] == 0
    runner = CliRunner()
    clean = runner.invoke(cli, ["lint"]).output
    assert clean.startswith("0 errors, 0 warnings, ") and clean.endswith(" in 1 file\n") and "\n" not in clean[:-1]
    spec = repo / "team.rally.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("owns: [src/**]", "owns: [src/**.py]"), encoding="utf-8")
    broken = runner.invoke(cli, ["lint"])
    assert broken.exit_code == 1 and "did you mean `src/**/*.py`?" in broken.output
    diff = runner.invoke(cli, ["lint", "--diff"])
    assert diff.exit_code == 1 and "-    owns: [src/**.py]" in diff.stdout and "+    owns: [src/**/*.py]" in diff.stdout
    assert runner.invoke(cli, ["lint", "--fix"]).exit_code == 0
    explained = runner.invoke(cli, ["explain", "team.rally.yaml"])
    assert explained.exit_code == 0 and "speedup 2.33x" in explained.output and "$14.70 of a $25.00" in explained.output
    compiled = runner.invoke(cli, ["compile", "team.rally.yaml"])
    assert compiled.exit_code == 0, compiled.output
    assert "wrote 14 files for claude-agent-teams to .rally/build/my-project" in compiled.output


def test_the_starters_cap_holds_the_estimate_the_team_learned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs showed tasks use 3x their tokens: the starter's cap is made from that estimate, so it lints clean."""
    repo = git_index(tmp_path / "shop", LAYOUTS["src-tests-docs"])
    (repo / ".agents").mkdir()
    values = [{"parameter": "tokens", "model": model, "runtime": "claude-agent-teams", "value": 3, "data_points": []}
              for model in ("sonnet", "opus")]  # fmt: skip
    (repo / ".agents" / "rally-learned.json").write_text(json.dumps({"generator": "rallyc", "version": 1,
                                                                     "values": values}))  # fmt: skip
    code, output = init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    assert code == 0, output
    assert "cost estimate $44.10" in output  # $14.70 x 3
    assert spec_data(repo / "team.rally.yaml")["budget"] == {"max_usd": 70}
    lints_clean(repo / "team.rally.yaml")


@pytest.mark.parametrize(("files", "setup"), [
    (["uv.lock", "pyproject.toml", "src/app/a.py", "tests/test_a.py"], ["uv sync --locked"]),
    (["pyproject.toml", "src/app/a.py"], ["python3 -m venv .venv && .venv/bin/python -m pip install -e ."]),
    (["package-lock.json", "package.json", "src/a.js"], ["npm ci"]),
    (["Cargo.toml", "Cargo.lock", "src/lib.rs"], ["cargo fetch"]),
    (["go.mod", "go.sum", "cmd/main.go"], ["go mod download"]),
    (["docs/index.md"], None),  # no toolchain, no checks: nothing to set up
])  # fmt: skip
def test_the_starter_proposes_a_setup_for_the_toolchain_it_recognises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     files: list[str], setup: list[str] | None) -> None:  # fmt: skip
    repo = git_index(tmp_path / "repo", files)
    code, output = init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    assert code == 0, output
    lints_clean(repo / "team.rally.yaml")
    assert spec_data(repo / "team.rally.yaml").get("run", {}).get("setup") == setup


# ---- real repositories: the layouts of four public projects, rebuilt with empty files ------------------------

LAYOUT_FILES = ROOT / "tests" / "fixtures" / "layouts"
CLICK = {
    "src": (["src/**"], ["python -m pytest -q tests"]),  # the one code folder: the repository's tests are its own
    "tests": (["tests/**"], ["python -m pytest -q tests"]),
    "docs": (["docs/**", "examples/**"], None),  # examples are no teammate of their own
}
PRETTIER = {
    # small code folders go with src: packages/* are three plugins of four files, all this teammate's
    "src": (["src/**", "benchmarks/**", "bin/**", "packages/**", "scripts/**", "types/**", "vendors/**"], ["npm test"]),
    "tests": (["tests/**"], ["npm test"]),
    "docs": (["changelog_unreleased/**", "docs/**", "website/**"], None),
}  # fmt: skip
RIPGREP = {  # the workspace's crates, each tested through its own manifest; crates/core is the root package's
    "core-and-4-more": (["crates/cli/**", "crates/core/**", "crates/index/**", "crates/matcher/**",
                         "crates/searcher/**", "benchsuite/**", "ci/**", "fuzz/**", "pkg/**", "scripts/**"],
                        ["cargo test --manifest-path crates/cli/Cargo.toml", "cargo test",
                         "cargo test --manifest-path crates/index/Cargo.toml",
                         "cargo test --manifest-path crates/matcher/Cargo.toml",
                         "cargo test --manifest-path crates/searcher/Cargo.toml"]),
    "ignore-and-5-more": ([f"crates/{name}/**" for name in ("globset", "grep", "ignore", "pcre2", "printer", "regex")],
                          [f"cargo test --manifest-path crates/{name}/Cargo.toml"
                           for name in ("globset", "grep", "ignore", "pcre2", "printer", "regex")]),
    "tests": (["tests/**"], ["cargo test"]),
}  # fmt: skip
COBRA = {
    "root": (["*.go"], ["go test ."]),  # the package at the top of the repository
    "doc": (["doc/**"], ["go test ./doc/..."]),  # named like documentation, a Go package by its files
    "site": (["site/**", "assets/**"], None),
}
REAL = {"click": (CLICK, "python -m pytest -q"), "prettier": (PRETTIER, "npm test"),
        "ripgrep": (RIPGREP, "cargo test --workspace"), "cobra": (COBRA, "go test ./...")}  # fmt: skip


def rebuilt(root: Path, layout: str) -> Path:
    """A git repository at `root` that tracks the files of `layout`, all empty."""
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for path in (LAYOUT_FILES / f"{layout}.txt").read_text(encoding="utf-8").splitlines():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).touch()
    subprocess.run(["git", "-C", str(root), "add", "-A", "."], check=True)
    return root


@pytest.mark.parametrize("layout", REAL)
def test_real_repositories_get_teammates_for_their_work(layout: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    repo = rebuilt(tmp_path / layout, layout)
    code, output = init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    assert code == 0, output
    lints_clean(repo / "team.rally.yaml")
    data = spec_data(repo / "team.rally.yaml")
    *workers, review = data["teammates"]
    expected, suite = REAL[layout]
    assert {w["name"]: (w["owns"], w["tasks"][0].get("verify")) for w in workers} == expected
    assert review["name"] == "review" and "owns" not in review and "mode" not in review
    assert data["verify"] == [suite]  # the whole suite, once, on the merged result


def test_a_workspace_member_runs_its_own_npm_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = ["package.json", "packages/app/package.json", "packages/app/index.js", "packages/lib/package.json",
             "packages/lib/index.js", "packages/ui/package.json", "packages/ui/index.js", "docs/index.md"]
    repo = git_index(tmp_path / "mono", files)
    for name, script in (("app", "vitest run"), ("lib", 'echo "Error: no test specified" && exit 1')):
        (repo / "packages" / name / "package.json").write_text(json.dumps({"scripts": {"test": script}}))
    init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    data = spec_data(repo / "team.rally.yaml")
    verify = {t["name"]: t["tasks"][0].get("verify") for t in data["teammates"]}
    # npm's placeholder script and a package.json without one run nothing; the whole suite runs at the end
    assert verify == {"app-ui": ["npm --prefix packages/app test"], "lib": None, "docs": None, "review": None}
    lints_clean(repo / "team.rally.yaml")


def test_a_python_folder_runs_the_tests_inside_it_or_under_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = ["pyproject.toml", "alpha/a.py", "alpha/b.py", "beta/b.py", "beta/test_b.py", "gamma/c.py", "gamma/d.py",
             "tests/alpha/test_a.py", "tests/test_misc.py"]  # fmt: skip
    repo = git_index(tmp_path / "py", files)
    init(repo, "--yes", "--goal", GOAL, monkeypatch=monkeypatch)
    data = spec_data(repo / "team.rally.yaml")
    verify = {t["name"]: t["tasks"][0].get("verify") for t in data["teammates"]}
    assert verify == {"alpha-gamma": ["python -m pytest -q tests/alpha", "python -m compileall -q gamma"],
                      "beta": ["python -m pytest -q beta"], "tests": ["python -m pytest -q tests"],
                      "review": None}  # fmt: skip
    lints_clean(repo / "team.rally.yaml")
