"""Witnesses in messages: a tracked file is named as one, and a path the glob algebra made up is not.

When the linter sees the repository, the glob questions answer with a tracked file whenever one
shows the problem (`rallyc.globs.overlap`, `inside`), so a witness that is not tracked means that no
tracked file shows it yet: the message says so instead of letting a made-up path pass for a file.
Without the repository (`--no-repo`) nothing is known about files, and the path is shown as it is.
"""

from __future__ import annotations

from rallyc.globset import TrackedFiles


def shown(witness: str, tracked: TrackedFiles | None) -> str:
    """`the tracked file src/a.py` when the repository tracks the witness, else the path alone."""
    return f"the tracked file {witness}" if tracked is not None and witness in tracked.present else witness


def untracked(witness: str, tracked: TrackedFiles | None, note: str) -> str:
    """` (note)` when the linter sees the repository and the witness is not a tracked file, else nothing."""
    return f" ({note})" if tracked is not None and witness not in tracked.present else ""
