"""Near misses against the repository: a path one edit away from a tracked file, and a glob one `**` short.

Only the repository checks ask these questions (RY104 for `reads`, RY105 for `owns`), and only of the
globs that match no tracked file or that stop at a folder with subfolders, so a lint that finds none pays
a few look-ups in the sorted file list and no more (docs/globs.md, "Near misses").

*One edit* is one path segment changed, the others as written: a character inserted, deleted,
replaced or two neighbours swapped (`api-spec.md` for `api_spec.md`, `doc/` for `docs/`), the same
name in other letter case, or, for the file name, the same name with another extension (`api.rst` for
`api.md`). A digit replaced, added or removed is not an edit here: `m002.py` beside `m001.py`, or
`api2.md` beside `api.md`, is the next file of a series, not a typo.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from rallyc.diagnostics import closest
from rallyc.globparse import escape_glob
from rallyc.globset import TrackedFiles, plain_path
from rallyc.syntax import AnyDirs, AnyPath, AnyRun, Choice, Glob, GlobNode, Literal

_SUGGEST_AMONG = 5_000
"""Most tracked files to search for a close name with difflib: it is slow, and a hint is not worth seconds."""


def one_edit_away(path: str, tracked: TrackedFiles) -> str | None:
    """A tracked file one edit away from `path` (module docstring), the file name's edits first; else None."""
    segments = path.split("/")
    for position in reversed(range(len(segments))):
        folder = "".join(segment + "/" for segment in segments[:position])
        files, folders = tracked.entries(folder)
        last = position == len(segments) - 1
        rest = "".join("/" + segment for segment in segments[position + 1 :])
        for name in sorted(files if last else folders):
            if _one_edit(segments[position], name, last) and folder + name + rest in tracked.present:
                return folder + name + rest
    return None


def closest_file(glob: Glob, tracked: TrackedFiles) -> str | None:
    """For a plain path, the tracked file one edit away, else the one with the closest name: in its folder
    first, anywhere when the repository is small. None for a glob with wildcards, or nothing close."""
    path = plain_path(glob)
    if path is None:
        return None
    near = one_edit_away(path, tracked)
    if near is not None:
        return near
    folder = posixpath.dirname(path) + "/" if "/" in path else ""
    siblings = tracked.below(folder, _SUGGEST_AMONG)
    for candidates in (siblings, tracked.files if len(tracked.files) <= _SUGGEST_AMONG else ()):
        close = closest(path, candidates, cutoff=0.85)
        if close:
            return close
    return None


def _one_edit(written: str, name: str, file_name: bool) -> bool:
    if written == name:
        return False
    if written.lower() == name.lower():
        return True
    if file_name and _stem(written) is not None and _stem(written) == _stem(name):
        return True
    return _one_character(written, name)


def _stem(name: str) -> str | None:
    stem, dot, extension = name.rpartition(".")
    return stem if dot and stem and extension else None


def _one_character(one: str, other: str) -> bool:
    """Damerau-Levenshtein distance 1, except a digit replaced, added or removed."""
    if len(one) > len(other):
        one, other = other, one
    if len(other) - len(one) > 1:
        return False
    start = 0
    while start < len(one) and one[start] == other[start]:
        start += 1
    if len(one) < len(other):
        return one[start:] == other[start + 1 :] and not other[start].isdigit()
    if one[start + 1 :] == other[start + 1 :]:
        return not (one[start].isdigit() and other[start].isdigit())
    swapped = start + 1 < len(one) and one[start] == other[start + 1] and one[start + 1] == other[start]
    return swapped and one[start + 2 :] == other[start + 2 :]


# ---- a glob one `**` short ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deeper:
    """A glob whose wildcards are all in its last segment, below a folder (`tests/*.py`), and the glob that
    also reaches into the folder's subfolders (`tests/**/*.py`, with the same exclusions)."""

    source: Glob

    @property
    def folder(self) -> str:
        """The folder as a path (`tests/`)."""
        first = self.source.nodes[0]
        assert isinstance(first, Literal)
        return first.text[: first.text.rindex("/") + 1]

    @property
    def glob(self) -> Glob:
        """The glob into the subfolders too. Its tree is built, not parsed: parsing costs a grammar run."""
        folder = self.folder
        start = self.source.nodes[0]
        assert isinstance(start, Literal)
        name = ((Literal(start.text[len(folder) :]),) if len(start.text) > len(folder) else ()) + self.source.nodes[1:]
        wide = (AnyPath(),) if name == (AnyRun(),) else (AnyDirs(), *name)
        return Glob(_wider(*self._written()), (Literal(folder), *wide), self.source.excluded)

    def below(self, subfolder: str) -> str:
        """The same glob one subfolder down and into its subfolders (`tests/typing/**/*.py`)."""
        folder, name = self._written()
        return _wider(f"{folder}{escape_glob(subfolder)}/", name)

    def _written(self) -> tuple[str, str]:
        """The folder and the last segment as the glob writes them (escapes kept)."""
        cut = self.source.text.rindex("/") + 1
        return self.source.text[:cut], self.source.text[cut:]


def deeper(glob: Glob) -> Deeper | None:
    """The `Deeper` form of `glob`, or None when it has wildcards outside its last segment or none at all."""
    nodes = glob.nodes
    if len(nodes) < 2 or not isinstance(nodes[0], Literal) or "/" not in nodes[0].text:
        return None
    if any(_crosses_folders(node) for node in nodes[1:]):
        return None
    return Deeper(glob)


def _wider(folder: str, name: str) -> str:
    return folder + ("**" if name == "*" else "**/" + name)


def _crosses_folders(node: GlobNode) -> bool:
    if isinstance(node, Literal):
        return "/" in node.text
    if isinstance(node, Choice):
        return any(_crosses_folders(inner) for alternative in node.alternatives for inner in alternative)
    return isinstance(node, (AnyDirs, AnyPath))
