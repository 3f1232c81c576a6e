"""What compile, --install and run write stays inside the folder it belongs to, whatever the spec says.

Each test keeps a record of every file under a folder that holds the whole
scene (the spec, the repository, a `victim` folder beside them) and checks that
nothing outside the folder the command was asked to write changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rallyc.api import context_for
from rallyc.compile import compile_context
from rallyc.compile.output import BUILD_MARKER
from rallyc.errors import RallyError
from tests.conftest import SMALL_SPEC, rallyc
from tests.runner.scripted import make_repo

SUPPRESSED = SMALL_SPEC.replace("rally: 1\n", "rally: 1\nlint: {ignore: [RY002]}\n")


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file and link below `folder` (links by their target), so a change anywhere shows."""
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[path.relative_to(folder).as_posix()] = str(path.readlink()).encode()
        elif path.is_file():
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


@pytest.fixture
def scene(tmp_path: Path) -> Path:
    """`victim/keep.txt` three levels above the spec's folder, as in the issue."""
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "keep.txt").write_text("precious\n")
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    return tmp_path


def spec_in(scene: Path, text: str) -> Path:
    path = scene / "a" / "b" / "c" / "team.rally.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ---- names from the spec --------------------------------------------------------------------------


def test_a_team_name_that_climbs_out_replaces_nothing(scene: Path) -> None:
    """The issue: `name: ../../../victim` with RY002 suppressed replaced `victim` and wrote beside it."""
    spec = spec_in(scene, SUPPRESSED.replace("name: small", 'name: "../../../victim"'))
    before = files_under(scene)
    code, _, err = rallyc("compile", str(spec))
    assert code == 1 and "RY002 suppressed at" in err and "internal error" not in err
    assert files_under(scene) == before


def test_a_teammate_name_that_climbs_out_of_the_output_folder_writes_nothing(scene: Path) -> None:
    spec = spec_in(scene, SUPPRESSED.replace("name: web", 'name: "../../../x"'))
    before = files_under(scene)
    code, _, _ = rallyc("compile", str(spec), "-o", str(scene / "a" / "out"))
    assert code == 1
    assert files_under(scene) == before


@pytest.mark.parametrize(("old", "new", "what"), [
    ("name: small", 'name: "../../../victim"', "team.name"),
    ("name: web", 'name: "../x"', "the teammate name"),
    ("id: pages", 'id: "a/../../b"', "the task id"),
])  # fmt: skip
def test_compile_checks_names_even_when_lint_is_not_asked(old: str, new: str, what: str, scene: Path) -> None:
    """The library path without lint still refuses: a path is never made of a name that is not a slug."""
    spec = spec_in(scene, SMALL_SPEC.replace(old, new))
    with pytest.raises(RallyError, match=f"{what} .* cannot name a file"):
        compile_context(context_for(spec, str(spec)))


# ---- symbolic links on the way --------------------------------------------------------------------


def test_a_rally_folder_linked_out_of_the_repository_is_refused(scene: Path) -> None:
    spec = spec_in(scene, SMALL_SPEC)
    (spec.parent / ".rally").symlink_to(scene / "victim")
    before = files_under(scene)
    code, _, err = rallyc("compile", str(spec))
    assert code == 2 and "outside" in err and "internal error" not in err
    assert files_under(scene) == before


def test_install_through_a_link_out_of_the_repository_writes_nothing(scene: Path) -> None:
    spec = spec_in(scene, SMALL_SPEC)
    (spec.parent / ".claude").symlink_to(scene / "victim")
    before = files_under(scene)
    code, _, err = rallyc("compile", str(spec), "-o", str(scene / "a" / "out"), "--install")
    assert code == 2 and "outside" in err
    assert files_under(scene) == before  # neither the agents nor OUT


def test_run_refuses_a_rally_folder_linked_out_of_the_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    spec = repo / "team.rally.yaml"
    spec.write_text(SMALL_SPEC + "run: {backend: shell, shell: 'true'}\n", encoding="utf-8")
    (tmp_path / "victim").mkdir()
    (repo / ".rally").symlink_to(tmp_path / "victim")
    before = files_under(tmp_path)
    code, _, err = rallyc("run", str(spec))
    assert code == 2 and "outside" in err and "internal error" not in err
    assert files_under(tmp_path) == before


# ---- replacing OUT: only a folder compile made -------------------------------------------------


def test_only_a_folder_with_the_marker_is_replaced(scene: Path) -> None:
    spec = spec_in(scene, SMALL_SPEC)
    out = scene / "out"
    assert rallyc("compile", str(spec), "-o", str(out))[0] == 0
    assert (out / BUILD_MARKER).is_file()
    (out / "stale.md").write_text("from an older compile\n")
    assert rallyc("compile", str(spec), "-o", str(out))[0] == 0
    assert not (out / "stale.md").exists()
    assert rallyc("compile", str(spec), "-o", str(out), "--check")[0] == 0


def test_a_run_folder_with_a_plan_from_rallyc_is_not_a_build_folder(scene: Path) -> None:
    """A run folder holds a plan.json rallyc wrote; only the marker makes a folder compile's to replace."""
    spec = spec_in(scene, SMALL_SPEC)
    assert rallyc("compile", str(spec), "-o", str(scene / "out"))[0] == 0
    run = scene / "victim"
    (run / "plan.json").write_bytes((scene / "out" / "plan.json").read_bytes())
    before = files_under(scene)
    code, _, err = rallyc("compile", str(spec), "-o", str(run))
    assert code == 2 and "not a rallyc build folder" in err
    assert files_under(scene) == before


def test_a_linked_marker_does_not_count(scene: Path) -> None:
    spec = spec_in(scene, SMALL_SPEC)
    assert rallyc("compile", str(spec), "-o", str(scene / "out"))[0] == 0
    (scene / "victim" / BUILD_MARKER).symlink_to(scene / "out" / BUILD_MARKER)
    code, _, _ = rallyc("compile", str(spec), "-o", str(scene / "victim"))
    assert code == 2 and (scene / "victim" / "keep.txt").is_file()
