"""The light install (issue 16): how much a fresh venv grows with `pip install rallyc`, with each extra, and
with what the package used to pull in (anthropic and pygit2 as dependencies).

Builds rallyc's wheel once, then for each case makes a fresh venv, records its size, installs, and records
the size again (every file under the venv, `du`-style in bytes, without pip's own cache, which lives
outside the venv). Needs the network (PyPI). The goal: the light install grows a venv by at most 50 MB.

    python bench/install_size.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "pip install rallyc (light)": "",
    "pip install 'rallyc[fast-git]'": "[fast-git]",
    "pip install 'rallyc[anthropic]'": "[anthropic]",
    "pip install 'rallyc[all]' (before: every install)": "[all]",
}


def size(folder: Path) -> int:
    """Bytes of every file below `folder` (links not followed)."""
    total = 0
    for base, _, files in os.walk(folder):
        for name in files:
            path = Path(base, name)
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        wheels = Path(scratch, "wheels")
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
                       check=True)  # fmt: skip
        (wheel,) = wheels.glob("rallyc-*.whl")
        print(f"{'install':52} {'venv growth':>12} {'packages':>9}")
        for label, extra in CASES.items():
            venv = Path(scratch, "venv")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            before = size(venv)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--no-cache-dir"]
            subprocess.run([*pip, "install", "--quiet", f"rallyc{extra} @ {wheel.as_uri()}"], check=True)
            grown = (size(venv) - before) / 1_000_000
            listed = subprocess.run([*pip, "list", "--format", "freeze"], capture_output=True, text=True, check=True)
            count = len([line for line in listed.stdout.splitlines() if not line.startswith("pip==")])
            print(f"{label:52} {grown:>9.1f} MB {count:>9}")
            subprocess.run(["rm", "-rf", str(venv)], check=True)


if __name__ == "__main__":
    main()
