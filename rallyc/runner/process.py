"""Child processes the runner starts: in a session of their own, output capped, the whole group killed.

A backend's command, or a `verify` command, may start grandchildren, hang,
or print megabytes. So each runs as the leader of a new session (its own
process group); at the deadline, on cancellation (Ctrl-C) and after it exits
(grandchildren left behind) the whole group is killed. Only the last
`LOG_CAP` bytes of its output are kept: a command printing gigabytes costs
one mebibyte of memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOG_CAP = 1 << 20
"""Bytes of a command's output kept: the end, where the errors are."""
READ_CHUNK = 1 << 16
KILL_GRACE_SECONDS = 1.0
"""After SIGTERM at a deadline, how long the group has before SIGKILL."""


class Tail:
    """The last `cap` bytes of a stream, and how many were dropped before them."""

    __slots__ = ("cap", "data", "dropped")

    def __init__(self, cap: int = LOG_CAP) -> None:
        self.cap = cap
        self.data = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        over = len(self.data) - self.cap
        if over > 0:
            del self.data[:over]
            self.dropped += over

    def text(self) -> str:
        note = f"[rallyc: {self.dropped} earlier bytes of output dropped]\n" if self.dropped else ""
        return note + self.data.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Finished:
    exit_code: int
    """The command's exit code; negative (-signal) when it was killed."""
    output: str
    """The end of stdout and stderr, interleaved, at most LOG_CAP bytes."""
    timed_out: bool
    seconds: float


async def run_shell(command: str, *, cwd: Path, env: Mapping[str, str], timeout: float,
                    cap: int = LOG_CAP) -> Finished:  # fmt: skip
    """Run `command` with /bin/sh in `cwd`; past `timeout` seconds its whole process group is killed."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_shell(
        command, cwd=cwd, env=dict(env), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return await _supervise(process, timeout, cap, started)


async def run_exec(argv: list[str], *, cwd: Path, env: Mapping[str, str], timeout: float, stdin: bytes | None = None,
                   cap: int = LOG_CAP) -> Finished:  # fmt: skip
    """Like `run_shell` for an argument vector (no shell); `stdin` is written and closed."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=dict(env), stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    if stdin is not None and process.stdin is not None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            process.stdin.write(stdin)
            await process.stdin.drain()
        process.stdin.close()
    return await _supervise(process, timeout, cap, started)


async def _supervise(process: asyncio.subprocess.Process, timeout: float, cap: int, started: float) -> Finished:
    tail = Tail(cap)
    assert process.stdout is not None
    reader = asyncio.ensure_future(_drain(process.stdout, tail))
    timed_out = False
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        timed_out = True
        await _terminate(process)
    except BaseException:  # cancelled (Ctrl-C): nothing of the group may outlive the runner's interest
        kill_group(process.pid, signal.SIGKILL)
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(process.wait(), KILL_GRACE_SECONDS)
        reader.cancel()
        raise
    kill_group(process.pid, signal.SIGKILL)  # grandchildren that outlived the leader would hold the pipe open
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(reader, KILL_GRACE_SECONDS)
    reader.cancel()
    code = process.returncode if process.returncode is not None else -signal.SIGKILL
    return Finished(code, tail.text(), timed_out, time.monotonic() - started)


async def _drain(stream: asyncio.StreamReader, tail: Tail) -> None:
    while chunk := await stream.read(READ_CHUNK):
        tail.add(chunk)


async def _terminate(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to the group, then SIGKILL to whatever is left after a grace period."""
    kill_group(process.pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), KILL_GRACE_SECONDS)
    kill_group(process.pid, signal.SIGKILL)
    await process.wait()


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a process group, never our own; a group that is gone already is fine."""
    if pgid <= 1 or pgid == os.getpgrp():
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def processes_below(folder: Path) -> list[int]:
    """Ids of processes whose working folder is `folder` or below it (Linux /proc; empty elsewhere).

    After rallyc itself was killed, a backend it had started may still be
    running in a worktree; `--resume` stops such leftovers before it resets
    the worktree under them.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    root = str(folder.resolve())
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd == root or cwd.startswith(root + os.sep):
            found.append(int(entry.name))
    return found


def kill_processes_below(folder: Path, wait_seconds: float = 3.0) -> int:
    """SIGKILL every process group with a member working below `folder`; how many processes were found."""
    pids = processes_below(folder)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill_group(os.getpgid(pid))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + wait_seconds
    while pids and time.monotonic() < deadline and processes_below(folder):
        time.sleep(0.02)
    return len(pids)
