"""Near misses against the tracked files: one edit away, and the `**` form of a glob that stops at a folder."""

from __future__ import annotations

import pytest

from rallyc.globparse import parse_glob, parse_glob_list
from rallyc.globs import TrackedFiles, match
from rallyc.nearmiss import closest_file, deeper, one_edit_away

TRACKED = TrackedFiles([
    "docs/api.md", "docs/api_spec.md", "docs/guide/intro.md", "docs/m001.md", "docs/index.md",
    "src/click/core.py", "src/click/types.py", "tests/test_basic.py", "tests/typing/typing_edit.py",
    "tests/typing.py", "tests/typing-x/a.py", "tests/typing_y/b.py", "README.md",
])  # fmt: skip


@pytest.mark.parametrize(("path", "near"), [
    ("docs/api.rst", "docs/api.md"),  # another extension
    ("docs/api-spec.md", "docs/api_spec.md"),  # a character replaced
    ("docs/ap.md", "docs/api.md"),  # inserted
    ("docs/apii.md", "docs/api.md"),  # deleted
    ("docs/aip.md", "docs/api.md"),  # two neighbours swapped
    ("docs/API.md", "docs/api.md"),  # letter case
    ("doc/guide/intro.md", "docs/guide/intro.md"),  # in a folder's name
    ("docs/guides/intro.md", "docs/guide/intro.md"),
    ("src/Click/core.py", "src/click/core.py"),
    ("readme.md", "README.md"),  # at the top
    ("docs/m002.md", None),  # a digit changed: the next file of a series
    ("docs/api2.md", None),  # a digit added
    ("docs/changelog.md", None),
    ("doc/guide/intro.rst", None),  # two edits
    ("docs/api.md", None),  # tracked: no near miss
    ("nowhere/at/all.md", None),
])  # fmt: skip
def test_one_edit_away(path: str, near: str | None) -> None:
    assert one_edit_away(path, TRACKED) == near


def test_entries_list_a_folders_files_and_subfolders_whatever_sorts_between() -> None:
    files, folders = TRACKED.entries("tests/")
    assert files == ("test_basic.py", "typing.py")
    assert sorted(folders) == ["typing", "typing-x", "typing_y"]  # each once, though `typing.py` sorts between
    assert TRACKED.entries("") == (("README.md",), ("docs", "src", "tests"))
    assert TRACKED.entries("nothing/") == ((), ())
    assert TRACKED.has_subfolders("tests/") and TRACKED.has_subfolders("docs/")
    assert not TRACKED.has_subfolders("src/click/") and not TRACKED.has_subfolders("tests/typing/")
    assert not TRACKED.has_subfolders("nothing/")


def test_closest_file_tries_one_edit_then_a_close_name() -> None:
    assert closest_file(parse_glob("docs/api.rst"), TRACKED) == "docs/api.md"  # difflib alone would miss it
    assert closest_file(parse_glob("docs/guide/intro-.md"), TRACKED) == "docs/guide/intro.md"
    assert closest_file(parse_glob("docs/*.rst"), TRACKED) is None  # only plain paths have a closest file


@pytest.mark.parametrize(("text", "folder", "wider", "below"), [
    ("tests/*.py", "tests/", "tests/**/*.py", "tests/typing/deep/x.py"),
    ("src/*", "src/", "src/**", "src/sub/x"),
    ("tests/test_*.py", "tests/", "tests/**/test_*.py", "tests/unit/test_x.py"),
    ("a/b/{x,y}.py", "a/b/", "a/b/**/{x,y}.py", "a/b/c/y.py"),
    ("\\[x\\]/*.md", "[x]/", "\\[x\\]/**/*.md", "[x]/sub/a.md"),
    ("./docs/*.md", "docs/", "./docs/**/*.md", "docs/guide/a.md"),
])  # fmt: skip
def test_deeper_reaches_into_the_subfolders(text: str, folder: str, wider: str, below: str) -> None:
    found = deeper(parse_glob(text))
    assert found is not None and (found.folder, found.glob.text) == (folder, wider)
    assert match(found.glob, below) and not match(parse_glob(text), below)


@pytest.mark.parametrize("text", ["*.py", "docs/api.md", "src/**", "src/*/x.py", "src/{a,b/c}/*.py", "**/*.md"])
def test_deeper_is_only_for_a_glob_whose_wildcards_stay_in_its_last_segment(text: str) -> None:
    assert deeper(parse_glob(text)) is None


def test_deeper_keeps_the_lists_exclusions_and_names_a_subfolders_form() -> None:
    glob = parse_glob_list(["tests/*.py", "!tests/conftest.py"])[0]
    found = deeper(glob)
    assert found is not None
    assert [excluded.text for excluded in found.glob.excluded] == ["tests/conftest.py"]
    assert not match(found.glob, "tests/conftest.py")
    assert found.below("typing") == "tests/typing/**/*.py"
    assert found.below("a,b") == "tests/a\\,b/**/*.py"


@pytest.mark.parametrize("text", ["tests/*.py", "src/*", "tests/test_*.py", "a/b/{x,y}.py", "\\[x\\]/*.md", "d/[!a]?"])
def test_the_deeper_tree_is_the_one_the_parser_makes(text: str) -> None:
    found = deeper(parse_glob(text))
    assert found is not None and found.glob == parse_glob(found.glob.text)
