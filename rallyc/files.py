"""Files: written so that a reader never sees half of one; walked without following links."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def write_atomic(path: str | Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    """The replaced file's mode, else what a plain `open` would give (mkstemp makes files 0600)."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask (reading it means setting it: put straight back)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def files_below(base: str, folder: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(`folder/...` relative path, entry) of every file, link and other non-folder below `base/folder`; links to
    folders are not followed (a link planted there is a file to whoever watches the folder). Unreadable folders
    are skipped."""
    folders = [folder]
    while folders:
        current = folders.pop()
        try:
            entries = list(os.scandir(os.path.join(base, current)))
        except OSError:
            continue
        for entry in entries:
            relative = f"{current}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                folders.append(relative)
            else:
                yield relative, entry
