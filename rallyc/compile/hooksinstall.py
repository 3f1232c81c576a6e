"""`--install`, `--check` and `--uninstall` for the hooks files rallyc merges into (`rallyc.hookfile`).

The first install into a file records what the file was (`fingerprint`) in
`.rally/hooks-before.json`, local to this clone: it settles, on uninstall,
whether an empty `hooks` object was the user's or ours. Without the record (a
fresh clone of a repository whose settings already hold our hooks) the merge
itself decides, as `unmerged` explains. A hooks file that is not valid JSON
is never touched: the error names the file and the parser's position.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from rallyc.errors import RallyError
from rallyc.files import write_atomic
from rallyc.hookfile import Group, checked, fingerprint, is_marked, merged, unmerged, with_groups
from rallyc.paths import inside

BEFORE = ".rally/hooks-before.json"


def current(repo: Path, relative: str) -> str | None:
    """The file's text, None when there is none; RallyError when it cannot be merged into."""
    path = inside(repo, relative)
    if not path.exists():
        return None
    try:
        text = path.read_bytes().decode("utf-8")  # no newline translation: CRLF files keep every byte
    except UnicodeDecodeError as error:
        raise RallyError(f"{path}: not UTF-8 (byte {error.start}); rallyc leaves it as it is") from None
    checked(text, str(path))
    return text


def ensure_mergeable(repo: Path, merged_files: Mapping[str, Sequence[Group]]) -> None:
    """Fail before anything is written when a hooks file cannot be merged into."""
    for relative in merged_files:
        current(repo, relative)


def differences(repo: Path, merged_files: Mapping[str, Sequence[Group]], marker: str) -> list[tuple[str, str]]:
    """(path, `missing` | `differs`) for each hooks file whose rallyc hooks are not as compiled."""
    found = []
    for relative, groups in sorted(merged_files.items()):
        text = current(repo, relative)
        if text is None:
            found.append((relative, "missing"))
        elif merged(text, groups, is_marked(marker)) != text:
            found.append((relative, "differs"))
    return found


def install(repo: Path, merged_files: Mapping[str, Sequence[Group]], marker: str) -> list[str]:
    """Merge our groups into each hooks file; the files actually changed."""
    written = []
    for relative, groups in sorted(merged_files.items()):
        text = current(repo, relative)
        base = None if text is None else unmerged(text, is_marked(marker))  # `merged`, its unmerging kept
        new = with_groups(base, groups)
        if new != text:
            if base == text:  # nothing of ours in it yet: our first merge, not a re-install
                _remember(repo, relative, marker, text)
            write_atomic(_real(repo, relative), new)
            written.append(relative)
    return written


def uninstall(repo: Path, marker: str, hooks_files: Sequence[str]) -> list[str]:
    """Take this spec's groups out of each hooks file (every target's), restoring each as it was; the files
    changed or removed."""
    changed = []
    before = _records(repo)
    for relative in hooks_files:
        text = current(repo, relative)
        if text is None:
            continue
        original = unmerged(text, is_marked(marker), before.pop(_key(relative, marker), None))
        if original == text:
            continue
        if original is None:
            inside(repo, relative).unlink()
        else:
            write_atomic(_real(repo, relative), original)
        changed.append(relative)
    _save(repo, before)
    return changed


def _real(repo: Path, relative: str) -> Path:
    """The file to write for a hooks file: the one a symbolic link inside the repository leads to (the user's
    link stays a link), checked to stay inside it."""
    return inside(repo, relative).resolve()


def _key(relative: str, marker: str) -> str:
    return f"{relative} {marker}"


def _remember(repo: Path, relative: str, marker: str, text: str | None) -> None:
    """Record the file as it was before our first merge into it."""
    records = _records(repo)
    records.setdefault(_key(relative, marker), fingerprint(text))
    _save(repo, records)


def _records(repo: Path) -> dict[str, str]:
    try:
        loaded = json.loads(inside(repo, BEFORE).read_text(encoding="utf-8"))
        return {str(key): str(value) for key, value in loaded.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _save(repo: Path, records: dict[str, str]) -> None:
    path = inside(repo, BEFORE)
    if records:
        write_atomic(path, json.dumps(records, indent=2, sort_keys=True) + "\n")
    elif path.exists():
        path.unlink()
