"""`rallyc owners`: CODEOWNERS-style look-ups against a spec, in a real git repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rallyc.cli import cli
from rallyc.errors import RallyError
from rallyc.owners import BrokenSpec, owners, unowned
from tests.conftest import git_index

SPEC = """\
rally: 1
team: {name: t, goal: Ship it.}
teammates:
  - name: web
    role: front end
    owns: [src/**, web/**]
    tasks:
      - {id: pages, do: Add the pages.}
  - name: api
    role: implementation
    owns: ["src/api/*.py", "docs/{api,errors}.md"]
    tasks:
      - {id: routes, do: Add the routes.}
  - name: review
    role: quality review
    reads: [src/**]
    tasks:
      - {id: review, do: Review it., after: [pages, routes]}
"""

TRACKED = ["src/api/a.py", "src/b.py", "web/x.ts", "docs/api.md", "docs/guide.md", "README.md"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the spec at its root; returns the spec's path."""
    git_index(tmp_path, TRACKED, untracked=("notes.txt",))
    spec = tmp_path / "team.rally.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    return spec


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["owners", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_each_path_gets_its_owners_in_spec_order(repo: Path) -> None:
    found = owners(repo, ["web/x.ts", "src/api/a.py", "docs/errors.md", "docs/guide.md"])
    assert found == {"web/x.ts": ["web"], "src/api/a.py": ["web", "api"], "docs/errors.md": ["api"],
                     "docs/guide.md": []}  # fmt: skip


def test_ownership_is_decided_on_the_globs_not_on_existing_files(repo: Path) -> None:
    found = owners(repo, ["src/new/deep/module.py", "src/api/sub/b.py", "src", "./web//y.ts"])
    assert found == {"src/new/deep/module.py": ["web"], "src/api/sub/b.py": ["web"], "src": [], "./web//y.ts": ["web"]}


def test_unowned_lists_tracked_files_nobody_owns(repo: Path) -> None:
    assert unowned(repo) == ["README.md", "docs/guide.md"]  # notes.txt is not tracked


def test_unowned_needs_a_git_work_tree(tmp_path: Path) -> None:
    spec = tmp_path / "team.rally.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    with pytest.raises(RallyError, match="not in a git work tree"):
        unowned(spec)


def test_a_spec_with_structure_errors_is_refused(repo: Path) -> None:
    repo.write_text(SPEC.replace("owns: [src/**, web/**]", "owns: [src/**.py, web/**]"), encoding="utf-8")
    with pytest.raises(BrokenSpec) as raised:
        owners(repo, ["src/a.py"])
    assert [d.code for d in raised.value.report.diagnostics] == ["RY004"]


def test_cli_prints_path_tab_owners(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    code, out, _ = invoke("src/api/a.py", "./web/x.ts", "docs/guide.md")
    assert code == 0
    assert out == "src/api/a.py\tweb,api\nweb/x.ts\tweb\ndocs/guide.md\tunowned\n"


def test_cli_answers_a_folder_for_the_files_below_it(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    (repo.parent / "empty").mkdir()
    code, out, _ = invoke("src", "docs/", "empty", "web/x.ts")
    assert code == 0
    assert out == ("src/\tweb,api\ta folder: 2 files; web owns 2, api owns 1\n"
                   "docs/\tapi,unowned\ta folder: 2 files; api owns 1, unowned 1\n"
                   "empty/\tunowned\ta folder with no files\n"
                   "web/x.ts\tweb\n")  # fmt: skip


def test_cli_answers_the_good_paths_when_one_is_bad(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    code, out, err = invoke("web/x.ts", "../elsewhere.py", "docs/guide.md")
    assert (code, out) == (1, "web/x.ts\tweb\ndocs/guide.md\tunowned\n")
    assert "../elsewhere.py is not a path below team.repo" in err


def test_cli_unowned(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    assert invoke("--unowned") == (0, "README.md\ndocs/guide.md\n", "")


def test_cli_paths_are_relative_to_the_current_folder_and_shown_relative_to_the_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_index(tmp_path, TRACKED)
    spec = tmp_path / "plans" / "team.rally.yaml"
    spec.parent.mkdir()
    spec.write_text(SPEC.replace("goal: Ship it.}", "goal: Ship it., repo: ..}"), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "src")
    code, out, _ = invoke("--spec", str(spec), "api/a.py", str(tmp_path / "docs" / "api.md"))
    assert (code, out) == (0, "src/api/a.py\tweb,api\ndocs/api.md\tapi\n")
    code, _, err = invoke("--spec", str(spec), "../../elsewhere.py")
    assert code == 1 and "is not a path below team.repo" in err


def test_cli_refuses_a_broken_spec_with_its_findings(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write_text(SPEC.replace("after: [pages, routes]", "after: [pages, route]"), encoding="utf-8")
    monkeypatch.chdir(repo.parent)
    code, out, err = invoke("src/a.py")
    assert code == 1 and out == ""
    assert "team.rally.yaml:18:" in err and "RY006[unknown-reference]" in err


def test_cli_needs_exactly_one_spec_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("src/a.py")
    assert code == 2 and "no *.rally.yaml" in err
    (tmp_path / "a.rally.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "b.rally.yml").write_text(SPEC, encoding="utf-8")
    code, _, err = invoke("src/a.py")
    assert code == 2 and "several specs" in err and "a.rally.yaml, b.rally.yml" in err


@pytest.mark.parametrize("args", [(), ("--unowned", "src/a.py")])
def test_cli_wants_paths_or_unowned(args: tuple[str, ...], repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    assert invoke(*args)[0] == 2


def test_exclusions_hand_paths_to_their_other_owner(repo: Path) -> None:
    repo.write_text(SPEC.replace("owns: [src/**, web/**]", 'owns: [src/**, web/**, "!src/api/*.py"]'), encoding="utf-8")
    found = owners(repo, ["src/api/a.py", "src/api/sub/b.py", "src/b.py"])
    assert found == {"src/api/a.py": ["api"], "src/api/sub/b.py": ["web"], "src/b.py": ["web"]}
    repo.write_text(SPEC.replace("owns: [src/**, web/**]", 'owns: [src/**, web/**, "!src/b.py"]'), encoding="utf-8")
    assert unowned(repo) == ["README.md", "docs/guide.md", "src/b.py"]
