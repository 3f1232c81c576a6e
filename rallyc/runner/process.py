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
from collections.abc import Callable, Mapping
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


class LiveLog:
    """A command's output appended to a file as it arrives, for `tail -f`: secrets masked line by line, at
    most `cap` bytes as it comes; past that, when the command ends, its last `cap` bytes (the `Tail`)."""

    PARTIAL_LINE = 1 << 16
    """A line longer than this is written in pieces (a secret split across two pieces would escape the mask:
    secrets are short, lines that long are not text)."""

    def __init__(self, path: Path, mask: Callable[[str], str], cap: int = LOG_CAP) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = open(path, "ab")  # noqa: SIM115 - closed by close()
        self.mask = mask
        self.cap = cap
        self.written = 0
        self.pending = bytearray()
        self.full = False
        self.last = b""
        self.tail: Tail | None = None
        """The command's Tail, set by `run_shell`: what `close` appends when the output outgrew `cap`."""

    def add(self, chunk: bytes) -> None:
        if self.full:
            return
        self.pending += chunk
        cut = self.pending.rfind(b"\n") + 1
        if not cut and len(self.pending) >= self.PARTIAL_LINE:
            cut = len(self.pending)
        if cut:
            self._write(bytes(self.pending[:cut]))
            del self.pending[:cut]

    def _write(self, piece: bytes) -> None:
        data = self.mask(piece.decode("utf-8", "replace")).encode("utf-8")
        room = self.cap - self.written
        if len(data) > room:
            data, self.full = data[:room], True
        self.stream.write(data)
        self.written += len(data)
        self.last = data[-1:] or self.last
        if self.full:
            self.stream.write(b"\n[rallyc: more output; its last part follows when the command ends]\n")
        self.stream.flush()

    def close(self, tail: Tail) -> None:
        if not self.full and self.pending:
            self._write(bytes(self.pending))
        if self.full:
            end = self.mask(tail.data.decode("utf-8", "replace"))
            self.stream.write(f"[rallyc: the last {len(tail.data)} bytes of output]\n{end}".encode())
            self.last = end[-1:].encode()
        if self.last not in (b"", b"\n"):
            self.stream.write(b"\n")
        self.stream.close()


@dataclass(frozen=True, slots=True)
class Finished:
    exit_code: int
    """The command's exit code; negative (-signal) when it was killed."""
    output: str
    """The end of stdout and stderr, interleaved, at most LOG_CAP bytes."""
    timed_out: bool
    seconds: float


async def run_shell(command: str, *, cwd: Path, env: Mapping[str, str], timeout: float, cap: int = LOG_CAP,
                    live: LiveLog | None = None) -> Finished:  # fmt: skip
    """Run `command` with /bin/sh in `cwd`; past `timeout` seconds its whole process group is killed.

    With `live`, the output also goes to that log as it arrives (closed here, whatever happens)."""
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_shell(
            command, cwd=cwd, env=dict(env), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        return await _supervise(process, timeout, cap, started, live)
    finally:
        if live is not None:
            live.close(live.tail if live.tail is not None else Tail(0))


async def _supervise(process: asyncio.subprocess.Process, timeout: float, cap: int, started: float,
                     live: LiveLog | None = None) -> Finished:  # fmt: skip
    tail = Tail(cap)
    if live is not None:
        live.tail = tail
    assert process.stdout is not None
    reader = asyncio.ensure_future(_drain(process.stdout, tail, live))
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


async def _drain(stream: asyncio.StreamReader, tail: Tail, live: LiveLog | None = None) -> None:
    while chunk := await stream.read(READ_CHUNK):
        tail.add(chunk)
        if live is not None:
            live.add(chunk)


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
