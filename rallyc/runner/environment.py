"""The worktree's environment: checks must test the team's code, not the user's checkout.

A worktree holds the repository's tracked files and nothing else: no `.venv`, no `node_modules`. A
`verify` command run there with the user's environment tests the wrong code whenever that
environment points into the user's checkout: a Python environment with the project installed
editable from the checkout imports the checkout's modules, not the worktree's (a task can replace a
module with `raise RuntimeError` and its tests still pass); `node_modules` is simply missing.

So, before any agent starts:
- `wrong_code` finds those cases (editable installs through `.pth` files or `direct_url.json`, in the
  environments on PATH and in `VIRTUAL_ENV`; a `node_modules` the worktree will lack) and preflight
  refuses to start, with the `run.setup` line that gives each worktree its own environment
  (`setup_for` reads the toolchain from the lock files), unless `run.setup` is given;
- `missing_programs` looks each `verify` command's program up, so that a check that cannot run never
  costs an agent turn;
- `worktree_env` gives commands in a worktree the user's environment with every variable that points
  into the user's checkout (`VIRTUAL_ENV`, `PATH` entries, `PYTHONPATH`, ...) pointed at the same
  place in the worktree instead, and dropped where the worktree has nothing there;
  `with_worktree_tools` then puts the worktree's own `.venv/bin` and `node_modules/.bin` first on
  PATH, as an activated environment would.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlparse

SHELL_WORDS = frozenset({"cd", "test", "[", "true", "false", "echo", "printf", "exit", "export", ":", ".", "source",
                         "set", "unset", "eval", "exec", "if", "then", "for", "while", "case", "!", "{", "(", "env",
                         "command", "type", "read", "wait", "trap", "umask", "ulimit"})  # fmt: skip
"""Shell built-ins and keywords: nothing to look up."""
SETUPS = (
    ("uv.lock", "uv sync --locked"),
    ("poetry.lock", "poetry install --no-interaction"),
    ("pdm.lock", "pdm install --frozen-lockfile"),
    ("pnpm-lock.yaml", "pnpm install --frozen-lockfile"),
    ("yarn.lock", "yarn install --frozen-lockfile"),
    ("package-lock.json", "npm ci"),
    ("package.json", "npm install"),
    ("Cargo.toml", "cargo fetch"),
    ("go.mod", "go mod download"),
    ("pyproject.toml", "python3 -m venv .venv && .venv/bin/python -m pip install -e ."),
    ("setup.py", "python3 -m venv .venv && .venv/bin/python -m pip install -e ."),
)
"""Lock or project file -> the set-up that gives a worktree its own environment from it (first match per
ecosystem: a uv project is not also set up with pip)."""
ECOSYSTEM = {"uv.lock": "python", "poetry.lock": "python", "pdm.lock": "python", "pyproject.toml": "python",
             "setup.py": "python", "pnpm-lock.yaml": "node", "yarn.lock": "node", "package-lock.json": "node",
             "package.json": "node", "Cargo.toml": "rust", "go.mod": "go"}  # fmt: skip


def setup_for(folder: Path) -> list[str]:
    """The `run.setup` commands for the toolchains whose files `folder` holds, one per ecosystem."""
    found: dict[str, str] = {}
    for name, command in SETUPS:
        if (folder / name).is_file():
            found.setdefault(ECOSYSTEM[name], command)
    return list(found.values())


def program_of(command: str) -> str | None:
    """The program a shell command runs first (after `VAR=value` assignments); None for a shell word, or a
    command too shell-shaped to tell (quotes that do not close)."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return None
    for word in words:
        if "=" in word and word.split("=", 1)[0].isidentifier():
            continue
        return None if word in SHELL_WORDS else word
    return None


def missing_programs(commands: Iterable[str], env: Mapping[str, str], folder: Path | None) -> list[tuple[str, str]]:
    """(command, program) for each command whose program is not on the PATH of `env`; a program with a `/` is
    looked up relative to `folder` (when given: a worktree after its set-up)."""
    missing = []
    for command in dict.fromkeys(commands):
        program = program_of(command)
        if program is None:
            continue
        if "/" in program:
            if folder is not None and not os.access(folder / program, os.X_OK):
                missing.append((command, program))
        elif shutil.which(program, path=env.get("PATH", os.defpath)) is None:
            missing.append((command, program))
    return missing


def wrong_code(top: Path, workdir: Path, env: Mapping[str, str]) -> list[str]:
    """How a check run in a worktree would test the user's checkout instead, in words."""
    found = [f"{where} has {name} installed editable from {shown_path(target, top)} in your checkout"
             for where, name, target in _editable_installs(env) if _inside(target, top)]
    if (workdir / "node_modules").is_dir():
        found.append(f"{shown_path(workdir / 'node_modules', top)} is in your checkout, and a worktree has none")
    return found


def worktree_env(env: Mapping[str, str], top: Path, worktree: Path | None) -> dict[str, str]:
    """`env` with values that point into the user's checkout pointed at the same place in `worktree` (an entry of
    a list like PATH is dropped when the worktree has nothing there; a single path is kept, pointed there).
    Without a worktree (at preflight), the list entries into the checkout are dropped."""
    root = str(top)
    moved = {}
    for name, value in env.items():
        if root not in value or name in ("PWD", "OLDPWD"):
            moved[name] = value
            continue
        parts = value.split(os.pathsep)
        if len(parts) > 1 or name.endswith("PATH"):
            kept = [_moved(part, top, worktree) for part in parts]
            moved[name] = os.pathsep.join(part for part in kept if part is not None and (part == "" or
                                                                                     os.path.exists(part)))  # fmt: skip
        else:
            moved[name] = _moved(value, top, worktree) or value
    return moved


TOOL_FOLDERS = (".venv/bin", "node_modules/.bin")


def with_worktree_tools(env: Mapping[str, str], workdir: Path) -> dict[str, str]:
    """`env` with the worktree's own tools first on PATH, as an activated environment would have them: its
    `.venv/bin` (then also `VIRTUAL_ENV`) and `node_modules/.bin`, where a set-up made them."""
    found = [str(workdir / folder) for folder in TOOL_FOLDERS if (workdir / folder).is_dir()]
    if not found:
        return dict(env)
    tools = {"PATH": os.pathsep.join([*found, env.get("PATH", os.defpath)])}
    if (workdir / ".venv" / "bin").is_dir():
        tools["VIRTUAL_ENV"] = str(workdir / ".venv")
    return {**env, **tools}


def shown_path(path: Path | str, top: Path) -> str:
    try:
        return Path(path).relative_to(top).as_posix() or "."
    except ValueError:
        return str(path)


def _moved(value: str, top: Path, worktree: Path | None) -> str | None:
    """`value` when it is not inside `top`; the same place in `worktree` when it is; None for `top/.rally`, or
    without a worktree."""
    if not value or not os.path.isabs(value) or not _inside(value, top):
        return value
    relative = Path(value).relative_to(top)
    return None if relative.parts[:1] == (".rally",) or worktree is None else str(worktree / relative)


def _inside(path: str | Path, top: Path) -> bool:
    return Path(path) == top or top in Path(path).parents


def _editable_installs(env: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(environment, distribution or .pth file, the folder it points at) for the editable installs of the Python
    environments in `VIRTUAL_ENV` and on PATH."""
    found = []
    for prefix in _python_prefixes(env):
        for site in _site_packages(prefix):
            found += [(str(prefix), name, target) for name, target in _pth_targets(site)]
            found += [(str(prefix), name, target) for name, target in _direct_urls(site)]
    return found


def _python_prefixes(env: Mapping[str, str]) -> list[Path]:
    prefixes = [Path(env["VIRTUAL_ENV"])] if env.get("VIRTUAL_ENV") else []
    for program in ("python3", "python"):
        found = shutil.which(program, path=env.get("PATH", os.defpath))
        if found:
            prefixes.append(Path(found).parent.parent)
    return list(dict.fromkeys(prefixes))


def _site_packages(prefix: Path) -> list[Path]:
    return [path for pattern in ("lib/python3*/site-packages", "lib64/python3*/site-packages")
            for path in prefix.glob(pattern) if path.is_dir()]  # fmt: skip


def _pth_targets(site: Path) -> list[tuple[str, str]]:
    """The folders `.pth` files put on sys.path (lines that are paths; `import` lines are code, not paths)."""
    found = []
    for pth in site.glob("*.pth"):
        try:
            lines = pth.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        found += [(pth.name, os.path.normpath(site / line.strip())) for line in lines
                  if line.strip() and not line.startswith(("#", "import ", "import\t"))]  # fmt: skip
    return found


def _direct_urls(site: Path) -> list[tuple[str, str]]:
    """Editable installs recorded by PEP 610 (`direct_url.json` with `dir_info.editable`)."""
    found = []
    for record in site.glob("*.dist-info/direct_url.json"):
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("dir_info"), dict) and data["dir_info"].get("editable"):
            url = urlparse(str(data.get("url", "")))
            if url.scheme == "file":
                found.append((record.parent.name.split("-")[0], unquote(url.path)))
    return found
