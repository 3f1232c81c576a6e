"""rallyc's glob matching against git's own (`git ls-files ':(glob)GLOB'`), in a real repository.

The repository tracks dot files, dot folders, unicode names and names full of glob syntax; every
glob, hand-written or generated, is asked of both. They must agree on every tracked path except
where rallyc differs on purpose (docs/globs.md, "Where rallyc differs from git"), each difference
named in `INTENDED` and recognised by `intended`. A glob rallyc rejects (RY004) is not compared.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from rallyc.globparse import parse_glob
from rallyc.globs import match
from rallyc.syntax import PatternError
from tests.conftest import git_index

FILES = [
    "README.md", "Makefile", ".gitignore", ".env", "a", "ab", "b.c", "x.md", "-dash", "_under", "1.txt",
    "docs/a.md", "docs/guide/setup.md", "docs/guide/.draft.md", "docs/api/v1/x.md", "docs/api/v2/y.md",
    ".github/workflows/ci.yml", ".hidden/deep/.file", ".hidden/x",
    "src/a.py", "src/ab.py", "src/_private.py", "src/public.py", "src/.env", "src/-x.py", "src/^x.py",
    "src/!x.py", "src/]x.py", "src/[x].py", "src/{a,b}.py", "src/a,b.py", "src/*.py", "src/?.py",
    "src/x y.py", "src/#x.py", "src/A.py", "src/Z9.py", "src/9.py", "src/é.py", "src/ü/ß.py",
    "src/日本/語.txt", "src/emoji-😀.md", "src/api/a.py", "src/api/v1/deep/z.py", "src/api/.cache/c",
    "src/a.b.c", "src/...", "src/..x", "src/.x.", "tests/test_a.py", "tests/unit/test_b.py",
    "logs/app-202401010000.log", "logs/app_202401010000.log", "static/js/main.0123456789abcdef0123.chunk.js",
]  # fmt: skip

HAND_WRITTEN = [
    "*", "**", "*/*", "**/*", "*.md", "**/*.md", "docs/**", "docs/**/*.md", "docs/*/*.md", "docs/", "src/*.py",
    "src/**", "src/**/*.py", "src/?.py", "src/??.py", "src/[a-c]*", "src/[!a-c]*", "src/[^_]*.py",
    "src/[!_]*.py", "src/[]x]*", "src/[!]x]*", "src/[-x]*", "src/[x-]*", "src/[\\]]*", "src/[\\!]*",
    "src/[[:alpha:]]*", "src/[[:digit:]]*", "src/[[:alnum:]]*", "src/[[:upper:]]*", "src/[[:lower:]]*",
    "src/[[:punct:]]*", "src/[[:space:]]*", "src/[[:xdigit:]]*", "src/[[:blank:]]*", "src/[[:print:]]*",
    "src/[[:graph:]]*", "src/[[:cntrl:]]*", "src/[[:alpha:]_]*", "src/\\*.py", "src/\\?.py", "src/\\[x].py",
    "src/[[]x].py", "src/\\{a,b}.py", "src/a,b.py", ".*", "**/.*", ".hidden/**", "**/.env", "*/.*",
    "src/.*", "src/..?", "src/.?*", "**/deep/**", "**/v1/**", "src/**/z.py", "logs/*-????????????.log",
    "logs/*_????????????.log", "static/js/*.????????????????????.chunk.js", "**/test_*.py", "tests/**/test_?.py",
    "src/x y.py", "src/#x.py", "src/*/*.py", "src/*/*/*/*", "a", "ab", "a*", "?", "??", "*.*", "[a-z]",
    "src/ü/*", "src/日本/*", "src/*.txt", "src/**/*.txt", "src/emoji-*.md", "**/*😀*",
]  # fmt: skip

INTENDED = {
    "braces": "`{a,b}` are alternatives in rallyc; git has no braces and matches `{`, `,` and `}` literally",
    "folder": "a glob without wildcards that names a folder matches everything below it in git; in rallyc "
    "it names a file (write `docs/` or `docs/**` for the folder)",
    "bytes": "`?` and classes take one character in rallyc; git compares bytes, so on a non-ASCII name "
    "`?` takes one byte of a character and a class compares one byte",
}


def generated(count: int) -> list[str]:
    """Globs made from tracked paths: characters turned into wildcards, classes and escapes, segments
    into `*` or `**`, now and then a character changed, so that most match something and some only
    nearly."""
    rng = random.Random(15)
    return [
        "/".join(_segment(rng, segment) for segment in rng.choice(FILES).split("/")) for _ in range(count)
    ]


def _segment(rng: random.Random, segment: str) -> str:
    roll = rng.random()
    if roll < 0.1:
        return "**"
    if roll < 0.2:
        return "*"
    return "".join(_char(rng, char) for char in segment)


def _char(rng: random.Random, char: str) -> str:
    other = chr(ord(char) + 1) if char != "." else "-"  # never "/": a class holding it is rejected
    return rng.choice(
        [
            *[char if char not in "*?[]{}\\!^" else "\\" + char] * 6,
            "?", "*", f"[{char}{other}]", f"[!{other}]", f"[^{char}]", "[[:alpha:]]", "[[:punct:]]", "[]a-z]", other,
        ]
    )  # fmt: skip


def intended(glob: str, path: str, ours: bool, theirs: bool) -> str | None:
    """The reason a disagreement is on purpose, or None."""
    if "{" in glob.replace("\\{", ""):
        return "braces"
    if theirs and not ours and path.startswith(glob.rstrip("/") + "/") and not set("*?[\\") & set(glob):
        return "folder"
    if not path.isascii() and set("?[") & set(glob):
        return "bytes"
    return None


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return git_index(tmp_path_factory.mktemp("globs-git"), FILES)


def git_matches(repository: Path, glob: str) -> set[str]:
    done = subprocess.run(
        ["git", "-c", "core.quotepath=off", "ls-files", "-z", "--", f":(glob){glob}"],
        cwd=repository, capture_output=True, check=True,
    )  # fmt: skip
    return {name for name in done.stdout.decode("utf-8").split("\0") if name}


def test_the_repository_tracks_every_file(repository: Path) -> None:
    assert git_matches(repository, "**") == set(FILES)


@pytest.mark.parametrize("glob", HAND_WRITTEN + generated(250))
def test_rallyc_matches_what_git_matches(repository: Path, glob: str) -> None:
    try:
        parsed = parse_glob(glob)
    except PatternError:
        return  # rejected with RY004: nothing to compare (git would match nothing or read it differently)
    theirs = git_matches(repository, glob)
    unexplained = [
        (path, "rallyc" if path not in theirs else "git")
        for path in FILES
        if match(parsed, path) != (path in theirs) and intended(glob, path, match(parsed, path), path in theirs) is None
    ]
    assert not unexplained, f"{glob}: only one side matches {unexplained}"


def test_each_intended_difference_shows(repository: Path) -> None:
    """The differences listed are real (and the test above would see them without `intended`)."""
    shown = {
        "braces": ("src/{a,b}.py", "src/{a,b}.py"),
        "folder": ("docs", "docs/a.md"),
        "bytes": ("src/?.py", "src/é.py"),
    }
    for reason, (glob, path) in shown.items():
        ours, theirs = match(parse_glob(glob), path), path in git_matches(repository, glob)
        assert ours != theirs, reason
        assert intended(glob, path, ours, theirs) == reason
    assert set(shown) == set(INTENDED)


def test_what_rallyc_rejects_git_never_matches(repository: Path) -> None:
    for glob in ("src/[!]", "src/[^]", "src/[]", "src/[[:alfa:]]*", "src/[z-a]*"):
        with pytest.raises(PatternError):
            parse_glob(glob)
        assert git_matches(repository, glob) == set(), glob
