"""A spec's `team.repo`: where it is, the files git tracks there (read once per lint), and the files rallyc
keeps there for the team (the journal and the learned values, which a team commits)."""

from __future__ import annotations

from pathlib import Path

from rallyc.errors import RallyError

JOURNAL = Path(".agents") / "rally.md"
"""One entry per run and per learned change: the one file of the user's tree a run writes."""
LEARNED_FILE = Path(".agents") / "rally-learned.json"
"""The learned estimates, beside the journal: committed, so CI lints with them."""
RALLY_FOLDER = ".rally"
"""rallyc's own folder in a repository: `build/` (compiled output), `runs/` and `worktrees/`."""


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


def git_folders(folder: Path) -> tuple[Path, Path] | None:
    """(the top of `folder`'s work tree, the git folder it shares with its worktrees); None outside a work tree."""
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--path-format=absolute", "--show-toplevel",
                               "--git-common-dir"], capture_output=True, text=True, check=False, timeout=30)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.splitlines()
    return (Path(lines[0]), Path(lines[1])) if done.returncode == 0 and len(lines) == 2 else None


def exclude_locally(common: Path, *folders: str) -> None:
    """Each of `folders` (like `.rally/runs/`) into info/exclude of the git folder `common`, once, so it never
    shows as untracked (the exclude file is the clone's own: nothing the team shares changes)."""
    from rallyc.files import write_atomic

    exclude = common / "info" / "exclude"
    text = exclude.read_text(encoding="utf-8") if exclude.is_file() else ""
    missing = [folder for folder in folders if folder not in text.splitlines()]
    if missing:
        write_atomic(exclude, text + ("" if not text or text.endswith("\n") else "\n") + "".join(f"{m}\n" for m in missing))


def rally_excludes(repo: Path, top: Path) -> tuple[str, ...]:
    """What info/exclude gets for rallyc's folder in `repo` (work tree top `top`): `.rally/`, everything in it being
    this clone's own; only its `runs/` and `worktrees/` when the team commits compiled output under `.rally/build/`
    (a file there is tracked, or the pre-commit config runs `rallyc-compile-check`): a new compiled file must then
    show in `git status`."""
    hooks = top / ".pre-commit-config.yaml"
    checked = hooks.is_file() and "rallyc-compile-check" in hooks.read_text(encoding="utf-8", errors="replace")
    if checked or tracked_files(repo / RALLY_FOLDER / "build"):
        return f"{RALLY_FOLDER}/runs/", f"{RALLY_FOLDER}/worktrees/"
    return (f"{RALLY_FOLDER}/",)
