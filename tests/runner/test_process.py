"""The process supervisor with real processes: nothing a command starts outlives it, whatever it does.

Each command writes the pids of what it leaves behind into a file; the test then checks those processes
are gone. The attacks are the ones agents really make: a server started in the background, `setsid`,
a double fork (daemonising), a child that holds the output pipe open, killing the supervisor itself.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from rallyc.runner.process import Finished, run, run_shell
from rallyc.runner.sandbox import Sandbox
from tests.runner.scripted import process_gone, require_sandbox, wait_for

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
SLEEPER = "sleep 300"
LINUX = sys.platform.startswith("linux")


def shell(command: str, folder: Path, timeout: float = 60.0, sandbox: Sandbox | None = None) -> Finished:
    return asyncio.run(run_shell(command, cwd=folder, env=ENV, timeout=timeout, sandbox=sandbox))


def pids(path: Path) -> list[int]:
    return [int(word) for word in path.read_text().split()]


def all_gone(path: Path) -> bool:
    return all(process_gone(pid) for pid in pids(path))


@pytest.mark.parametrize("escape", [
    f"{SLEEPER} & echo $! >> pids",  # a background job (a dev server left running)
    f"setsid {SLEEPER} & echo $! >> pids",  # its own session and process group
    f"sh -c '{SLEEPER} & echo $! >> pids' &",  # a double fork: the sleeper's parent exits, it is orphaned
    f"setsid sh -c 'setsid {SLEEPER} & echo $! >> pids; exit 0' &",  # double fork and setsid twice
])  # fmt: skip
def test_what_a_command_leaves_running_is_ended_when_it_exits(tmp_path: Path, escape: str) -> None:
    done = shell(f"{escape}\nsleep 0.2; echo finished", tmp_path)
    assert done.exit_code == 0 and "finished" in done.stdout
    assert pids(tmp_path / "pids") and wait_for(lambda: all_gone(tmp_path / "pids"), 10)
    assert done.leftovers >= 1


def test_a_child_holding_the_output_open_does_not_keep_the_command_running(tmp_path: Path) -> None:
    """The sleeper inherits stdout; the command is over when its own process exits, not when the pipe closes."""
    done = shell(f"setsid {SLEEPER} & echo $! > pids; echo started", tmp_path, timeout=200)
    assert done.exit_code == 0 and not done.timed_out and done.stdout == "started\n"
    assert wait_for(lambda: all_gone(tmp_path / "pids"), 10)


def test_at_the_deadline_the_whole_tree_is_ended_also_outside_its_group(tmp_path: Path) -> None:
    done = shell(f"setsid {SLEEPER} & echo $! > pids; {SLEEPER} & echo $! >> pids; wait", tmp_path, timeout=1)
    assert done.timed_out
    assert wait_for(lambda: all_gone(tmp_path / "pids"), 10)


def test_cancelling_the_command_ends_its_tree(tmp_path: Path) -> None:
    async def cancel_soon() -> None:
        job = asyncio.ensure_future(run_shell(f"setsid {SLEEPER} & echo $! > pids; wait", cwd=tmp_path, env=ENV,
                                              timeout=300))  # fmt: skip
        while not (tmp_path / "pids").exists() or not (tmp_path / "pids").read_text().strip():
            await asyncio.sleep(0.01)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job

    asyncio.run(cancel_soon())
    assert wait_for(lambda: all_gone(tmp_path / "pids"), 10)


@pytest.mark.skipif(not LINUX, reason="the spawner adopts orphans as a subreaper on Linux")
def test_a_command_that_kills_its_supervisor_still_loses_what_it_started(tmp_path: Path) -> None:
    """Outside a sandbox a command can kill its supervisor; the spawner ends the orphans it then adopts."""
    done = shell(f"setsid {SLEEPER} & echo $! > pids; sleep 0.1; kill -9 $PPID; sleep 1", tmp_path)
    assert done.exit_code < 0  # the supervisor died without a word: counted as killed
    assert wait_for(lambda: all_gone(tmp_path / "pids"), 10)


def test_a_missing_program_exits_127_with_a_message(tmp_path: Path) -> None:
    done = asyncio.run(run(["no-such-program-here"], cwd=tmp_path, env=ENV, timeout=30))
    assert done.exit_code == 127 and "cannot run no-such-program-here" in done.stderr


def test_stdin_and_separate_streams(tmp_path: Path) -> None:
    done = asyncio.run(run(["sh", "-c", "cat; echo oops >&2"], cwd=tmp_path, env=ENV, timeout=30, stdin=b"hello\n"))
    assert (done.exit_code, done.stdout, done.stderr) == (0, "hello\n", "oops\n")


def test_every_line_reaches_the_parser_even_past_the_cap(tmp_path: Path) -> None:
    seen: list[str] = []
    done = asyncio.run(run(["sh", "-c", "seq 1 50000"], cwd=tmp_path, env=ENV, timeout=30, cap=1024,
                           on_line=seen.append))  # fmt: skip
    assert len(seen) == 50000 and seen[-1] == "50000"
    assert "bytes left out" in done.stdout and len(done.stdout) < 1200


# ---- in a sandbox ---------------------------------------------------------------------------------------


def sandboxed(tmp_path: Path) -> Sandbox:
    found = require_sandbox()
    (tmp_path / "inside").mkdir()
    return Sandbox((str(tmp_path / "inside"), "/dev/null"), found.abi)


def test_a_sandboxed_command_writes_only_where_it_may(tmp_path: Path) -> None:
    sandbox = sandboxed(tmp_path)
    done = shell("echo in > inside/a; echo out > outside || echo refused; echo x > /dev/null && echo null-ok",
                 tmp_path, sandbox=sandbox)  # fmt: skip
    assert (tmp_path / "inside" / "a").read_text() == "in\n"
    assert not (tmp_path / "outside").exists()
    assert "refused" in done.stdout and "null-ok" in done.stdout


def test_a_sandboxed_command_cannot_link_a_file_from_outside_in(tmp_path: Path) -> None:
    """A hard link would let it write a file outside through a name inside."""
    sandbox = sandboxed(tmp_path)
    (tmp_path / "theirs.txt").write_text("theirs\n")
    done = shell("ln theirs.txt inside/mine.txt || echo refused", tmp_path, sandbox=sandbox)
    assert "refused" in done.stdout and not (tmp_path / "inside" / "mine.txt").exists()


def test_a_sandboxed_command_cannot_kill_its_supervisor(tmp_path: Path) -> None:
    sandbox = sandboxed(tmp_path)
    if sandbox.abi < 6:
        pytest.skip("signal scoping needs Landlock ABI 6")
    done = shell(f"setsid {SLEEPER} & echo $! > inside/pids; kill -9 $PPID || echo refused", tmp_path,
                 sandbox=sandbox)  # fmt: skip
    assert "refused" in done.stdout and done.exit_code == 0
    assert wait_for(lambda: all_gone(tmp_path / "inside" / "pids"), 10)
