"""A spec's `team.repo`: where it is, the files git tracks there (read once per lint), and the files rallyc
keeps there for the team (the journal and the learned values, which a team commits)."""

from __future__ import annotations

from pathlib import Path

from rallyc.errors import RallyError

JOURNAL = Path(".agents") / "rally.md"
"""One entry per run and per learned change: the one file of the user's tree a run writes."""
LEARNED_FILE = Path(".agents") / "rally-learned.json"
"""The learned estimates, beside the journal: committed, so CI lints with them."""


def repo_root(spec_path: Path, team_repo: str) -> Path:
    """`team.repo` resolved against the spec file's folder; RallyError when it cannot be a path (lint says why)."""
    try:
        return (spec_path.parent / team_repo).resolve()
    except (ValueError, OSError) as error:  # a NUL byte, a name too long: RY002 reports these at the value
        raise RallyError(f"team.repo cannot be a path ({error})", hint="rallyc lint shows where") from None


def tracked_files(root: Path) -> tuple[str, ...] | None:
    """Paths git tracks below `root`, relative to it; None when `root` is not in a git work tree."""
    try:
        if not root.is_dir():
            return None
    except OSError:  # a path the file system cannot look up (too long): no work tree there
        return None
    import subprocess  # only a lint that looks at the repository pays for it (--no-repo does not)

    try:
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--", "."],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):  # no git on this machine, or a hung file system
        return None
    if done.returncode != 0:
        return None
    return tuple(path for path in done.stdout.decode("utf-8", "surrogateescape").split("\0") if path)


def git_common_dir(folder: Path) -> Path | None:
    """The git folder `folder`'s work tree shares with its worktrees (`.git` of the main checkout); None when
    `folder` is not in a work tree."""
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--path-format=absolute", "--git-common-dir"],
                              capture_output=True, text=True, check=False, timeout=30)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def exclude_rally_folder(common: Path) -> None:
    """`.rally/` into info/exclude of the git folder `common`, once: builds, run folders and worktrees never show
    as untracked files (the exclude file is the clone's own, so nothing the team shares changes)."""
    from rallyc.files import write_atomic

    exclude = common / "info" / "exclude"
    text = exclude.read_text(encoding="utf-8") if exclude.is_file() else ""
    if ".rally/" not in text.splitlines():
        write_atomic(exclude, text + ("" if not text or text.endswith("\n") else "\n") + ".rally/\n")
