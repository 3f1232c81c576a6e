"""The task sandbox (`run.sandbox`): what a task's processes may write, and which mechanism confines them.

With a sandbox, every process of a task (its backend, its checks, what an agent's tool runs) may write
only beneath:

- the teammate's worktree;
- a private temporary folder for the attempt (TMPDIR, TMP and TEMP point there);
- the backend's own state (`Backend.state_paths`: Claude Code's config folder, `~/.codex/`);
- the usual tool caches (`TOOL_CACHES`, those that exist);
- the folders listed in `run.sandbox_writable`;
- a few device files (`/dev/null`, a terminal) and `/dev/shm`.

Everything else stays readable: the repository's history (not its refs or objects: a sandboxed agent
cannot commit, stash or move a branch), the user's checkout, the home folder. The mechanism is Linux's
Landlock (no system package, no privileges: `landlock.py`); where there is none, `auto` runs without a
sandbox and says so at preflight, `required` refuses to run. `docs/runner.md` ("Threat model") says what
this prevents and what stays open.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rallyc.errors import RallyError
from rallyc.runner.spawner import LINUX

MODES = ("auto", "required", "off")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx",
           "/dev/pts", "/dev/shm")  # fmt: skip
TOOL_CACHES = ("~/.npm", "~/.cargo/registry", "~/.cargo/git", "~/go/pkg/mod", "~/.m2/repository", "~/.gradle/caches",
               "~/.gradle/wrapper", "~/.bun/install/cache", "~/.yarn/berry/cache", "~/.local/share/pnpm/store")  # fmt: skip
"""Besides `$XDG_CACHE_HOME` (else `~/.cache`: pip, uv, pre-commit, go-build, node-gyp, deno, yarn 1) and
`$GOMODCACHE`: where package managers keep what they download. Only what exists is opened."""
TEMP_VARIABLES = ("TMPDIR", "TMP", "TEMP")


@dataclass(frozen=True, slots=True)
class Sandbox:
    """What one attempt's processes may write (the worktree and temporary folder included)."""

    writable: tuple[str, ...]
    abi: int


@dataclass(frozen=True, slots=True)
class Mechanism:
    name: str
    """`landlock` or `none`."""
    abi: int
    why_none: str = ""

    def __str__(self) -> str:
        return f"Landlock (ABI {self.abi})" if self.abi else f"none ({self.why_none})"


def mechanism() -> Mechanism:
    """The best sandbox this machine offers."""
    if not LINUX:
        return Mechanism("none", 0, "rallyc's sandbox needs Linux with Landlock")
    from rallyc.runner.landlock import abi_version

    abi = abi_version()
    if abi == 0:
        return Mechanism("none", 0, "this kernel has no Landlock, or it is turned off (Linux 5.13+ with lsm=landlock)")
    return Mechanism("landlock", abi)


def choose(mode: str, found: Mechanism) -> Mechanism:
    """The mechanism `run.sandbox` asks for, given the one the machine has; RallyError when `required` cannot be met."""
    if mode == "off":
        return Mechanism("none", 0, "run.sandbox is off")
    if mode == "required" and not found.abi:
        raise RallyError(f"run.sandbox is `required` and this machine has no sandbox: {found.why_none}",
                         hint="run on Linux 5.13+ with Landlock enabled, or set run.sandbox to auto")  # fmt: skip
    return found


@dataclass(frozen=True, slots=True)
class Policy:
    """The run's sandbox: the mechanism, and what every task may write besides its worktree and temp folder."""

    mechanism: Mechanism
    shared: tuple[str, ...]
    missing: tuple[str, ...] = ()
    """`run.sandbox_writable` entries that do not exist (left out, said at preflight)."""
    state: tuple[str, ...] = ()
    """Folders `prepare` makes when the run starts, if missing: the backend's state, and the two cache folders
    package managers make on first use (`~/.cache`, `~/.npm`), which nothing could make inside the sandbox."""

    @property
    def active(self) -> bool:
        return self.mechanism.abi > 0

    def for_task(self, worktree: Path, temp: Path) -> Sandbox | None:
        if not self.active:
            return None
        return Sandbox((str(worktree), str(temp), *self.shared), self.mechanism.abi)

    def prepare(self) -> None:
        for folder in self.state:
            os.makedirs(folder, exist_ok=True)

    def describe(self) -> str:
        """The preflight line."""
        if not self.active:
            return f"sandbox: {self.mechanism}; tasks can write anywhere you can (what they change is still checked)"
        left_out = f"; left out (missing): {', '.join(self.missing)}" if self.missing else ""
        return (f"sandbox: {self.mechanism}: tasks write only their worktree, a private temporary folder, "
                f"the backend's state and tool caches{left_out}")  # fmt: skip


def policy(mode: str, state_paths: Iterable[Path], extra: Sequence[str], repo: Path,
           env: Mapping[str, str]) -> Policy:  # fmt: skip
    """The run's sandbox policy: `state_paths` from the backend, `extra` from `run.sandbox_writable`."""
    found = choose(mode, mechanism())
    if not found.abi:
        return Policy(found, ())
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    state = (*map(str, state_paths), env.get("XDG_CACHE_HOME") or str(home / ".cache"), str(home / ".npm"))
    given = [_expand(path, home, repo) for path in extra]
    missing = tuple(path for path in given if not os.path.lexists(path))
    shared = [*state, *(path for path in [*_caches(home, env), *DEVICES, *given] if os.path.lexists(path))]
    return Policy(found, tuple(dict.fromkeys(shared)), missing, state)


def _caches(home: Path, env: Mapping[str, str]) -> list[str]:
    found = [env.get("XDG_CACHE_HOME") or str(home / ".cache"), *(env[name] for name in ("GOMODCACHE",) if env.get(name))]
    return found + [str(home / path.removeprefix("~/")) for path in TOOL_CACHES]


def _expand(path: str, home: Path, repo: Path) -> str:
    if path == "~" or path.startswith("~/"):
        return str(home / path[2:])
    return str(repo / path) if not os.path.isabs(path) else path


def temp_folder(run_id: str, task: str) -> Path:
    """A private temporary folder for one attempt (removed by `remove_temp` when the attempt ends)."""
    return Path(tempfile.mkdtemp(prefix=f"rallyc-{run_id}-{task}-"))


def with_temp(env: Mapping[str, str], temp: Path) -> dict[str, str]:
    return {**env, **{name: str(temp) for name in TEMP_VARIABLES}}


def remove_temp(temp: Path) -> None:
    shutil.rmtree(temp, ignore_errors=True)
