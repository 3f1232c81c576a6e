"""Commands run in a real pseudo-terminal, for what rallyc does only there (ask before writing)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

import rallyc

on_posix = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX only")
TERMINAL_DEADLINE = 20.0


def rallyc_on_terminal(cwd: Path, *args: str, answers: Sequence[tuple[str, str]] = ()) -> tuple[int, str]:
    """`python -m rallyc ARGS` in a child whose stdin, stdout and stderr are a real pseudo-terminal.

    `answers` are (prompt, reply) pairs: wait until the prompt shows, then type the reply. Returns the
    exit code and everything the terminal showed (echoed replies included, CR LF turned into LF).
    Everything is bounded by one deadline, so a question nobody answers fails the test instead of hanging it.
    """
    import pty

    package_root = str(Path(rallyc.__file__).resolve().parents[1])  # the rallyc under test, even in a copy
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
           "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200"}  # fmt: skip
    master, slave = pty.openpty()
    try:
        child = subprocess.Popen([sys.executable, "-m", "rallyc", *args], cwd=cwd, env=env,
                                 stdin=slave, stdout=slave, stderr=slave, start_new_session=True)  # fmt: skip
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)  # the child holds it now: reading the master gets EOF (EIO) once the child is gone
    deadline = time.monotonic() + TERMINAL_DEADLINE
    shown = bytearray()
    pending = list(answers)

    def read_some() -> bool:
        """Read what the terminal shows within the deadline; False at the end of output."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"rallyc still running after {TERMINAL_DEADLINE}s; it showed:\n{text()}")
        ready, _, _ = select.select([master], [], [], left)
        if not ready:
            return True  # the loop checks the deadline again
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: every slave fd is closed, the child is done
            return False
        shown.extend(chunk)
        return bool(chunk)

    def text() -> str:
        return shown.decode("utf-8", errors="replace").replace("\r\n", "\n")

    try:
        after = 0  # each prompt is looked for in what the terminal showed since the previous reply
        while pending:
            prompt, reply = pending[0]
            if prompt.encode("utf-8") in shown[after:]:
                after = len(shown)
                os.write(master, reply.encode("utf-8"))
                pending.pop(0)
            elif not read_some():
                raise AssertionError(f"rallyc ended without asking {prompt!r}; it showed:\n{text()}")
        while read_some():
            pass
        return child.wait(timeout=max(deadline - time.monotonic(), 1)), text()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
