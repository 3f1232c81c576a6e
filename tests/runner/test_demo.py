"""The README's demo: a real run of a scripted team in a throwaway repository, a violation caught."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_demo_runs_end_to_end() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "specs" / "demo" / "run_demo.py")], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "write-usage: ownership violation: README.md" in out
    assert "passed: 4 of 4 tasks done" in out and "# Rally run `textkit-slugs-" in out
    assert "+See docs/usage.md." in out  # the refused change, kept as a patch
    assert "your branch main is where it was: 'textkit: start'" in out
