"""Commands a task runs (its backend, its checks, an agent's tool): started, timed, masked, captured, ended.

Every such command goes through `run`: it starts under a supervisor of its own (`spawner.py`), which
ends everything the command started when the command's own process exits, at the deadline or on
Ctrl-C, also processes that left its process group; inside the task's sandbox when there is one
(`sandbox.py`). Its output is masked as it is read (`secrets.StreamMask`: a secret cut between two
reads is still masked), then kept within a cap (the first and the last half of it: a command printing
gigabytes costs the runner one mebibyte), handed line by line to a parser that wants every line, and
streamed to a live log for `tail -f`.

`processes_below` and `kill_processes_below` find processes by their working folder: what a killed
rallyc left running in a run's worktrees, which `--resume` stops before it resets them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rallyc.runner.spawner import STOP_GRACE_SECONDS, Launch, shared

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rallyc.runner.sandbox import Sandbox
    from rallyc.runner.secrets import Redactor, StreamMask

LOG_CAP = 1 << 20
"""Bytes of a command's output kept (its first and last half): where it starts and where the errors are."""
READ_CHUNK = 1 << 16
LINE_CAP = 8 << 20
"""A longer line is not handed to `on_line` (no event a backend looks for is anywhere near this long)."""
STREAMS_GRACE_SECONDS = 1.0
"""After the command has ended, how long its output may take to close (a process the supervisor could
not kill may hold it open: the command is over all the same)."""


@dataclass(frozen=True, slots=True)
class Finished:
    exit_code: int
    """The command's exit code; negative (-signal) when it was killed, 127 when it could not be found."""
    stdout: str
    """With `merge_stderr`, stdout and stderr interleaved."""
    stderr: str
    timed_out: bool
    seconds: float
    leftovers: int = 0
    """Processes the command left running when it exited (or that were running at its deadline), ended."""


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


class LiveLog:
    """A command's output appended to a file as it arrives, for `tail -f` (already masked: `run` masks before
    anything sees the output): at most `cap` bytes as it comes; past that, when the command ends, its last
    `cap` bytes."""

    def __init__(self, path: Path, cap: int = LOG_CAP) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = open(path, "ab")  # noqa: SIM115 - closed by close()
        self.room = cap
        self.tail = Tail(cap)
        self.last = b""

    def add(self, chunk: bytes) -> None:
        if self.room <= 0:
            self.tail.add(chunk)
            return
        piece, rest = chunk[: self.room], chunk[self.room :]
        self.stream.write(piece)
        self.room -= len(piece)
        self.last = piece[-1:] or self.last
        if rest or self.room == 0:
            self.stream.write(b"\n[rallyc: more output; its last part follows when the command ends]\n")
            self.tail.add(rest)
        self.stream.flush()

    def close(self) -> None:
        if self.room <= 0:
            self.stream.write(f"[rallyc: the last {len(self.tail.data)} bytes of output]\n".encode() + self.tail.data)
            self.last = bytes(self.tail.data[-1:])
        if self.last not in (b"", b"\n"):
            self.stream.write(b"\n")
        self.stream.close()


class Capture:
    """One stream kept within `cap` (its first half, then its last half, and how much was left out between);
    every complete line handed to `on_line` first (so a stream parser sees all of a long stream, not only
    what is kept), and everything to `live` as it comes."""

    def __init__(self, cap: int, on_line: Callable[[str], None] | None = None, live: LiveLog | None = None) -> None:
        self.head = bytearray()
        self.tail = Tail(cap - cap // 2)
        self.half = cap // 2
        self.on_line = on_line
        self.live = live
        self.pending = bytearray()
        self.overlong = False

    def add(self, chunk: bytes) -> None:
        if self.live is not None:
            self.live.add(chunk)
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
        if chunk[room:] if room > 0 else chunk:
            self.tail.add(chunk[max(room, 0) :])
        if self.on_line is not None:
            self._lines(chunk)

    def end(self) -> None:
        if self.on_line is not None and (self.pending or self.overlong):
            self._emit(b"")
        if self.live is not None:
            self.live.close()
            self.live = None

    def text(self) -> str:
        head = self.head.decode("utf-8", "replace")
        gap = f"\n[... {self.tail.dropped} bytes left out ...]\n" if self.tail.dropped else ""
        return head + gap + self.tail.data.decode("utf-8", "replace")

    def _lines(self, chunk: bytes) -> None:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            self._emit(chunk[start:end])
            start = end + 1
        if not self.overlong:
            self.pending += chunk[start:]
            if len(self.pending) > LINE_CAP:
                self.pending.clear()
                self.overlong = True

    def _emit(self, piece: bytes) -> None:
        assert self.on_line is not None
        if self.overlong:  # the end of a line whose start was already dropped
            self.overlong = False
            return
        line = bytes(self.pending) + piece
        self.pending.clear()
        self.on_line(line.decode("utf-8", "replace"))


async def run(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    stdin: bytes | None = None,
    merge_stderr: bool = False,
    cap: int = LOG_CAP,
    on_line: Callable[[str], None] | None = None,
    live: LiveLog | None = None,
    redactor: Redactor | None = None,
    sandbox: Sandbox | None = None,
) -> Finished:
    """Run `argv` under a supervisor (in `sandbox` when given); past `timeout` seconds, on cancellation and
    when its own process exits, everything it started is ended. Output is masked with `redactor`."""
    started = time.monotonic()
    out = Capture(cap, on_line, live)
    err = out if merge_stderr else Capture(cap)
    launch = Launch(tuple(argv), str(cwd), dict(env), sandbox.writable if sandbox else None, sandbox.abi if sandbox else 0)
    with _Pipes(stdin, merge_stderr) as pipes:
        shared().launch(launch, pipes.for_child())
        pipes.close_child_ends()
        readers = [asyncio.ensure_future(_drain(fd, sink, redactor.stream() if redactor else None))
                   for fd, sink in pipes.readers(out, err)]  # fmt: skip
        status = _Status(pipes.take_status())
        try:
            code, left, timed_out = await _supervised(status, timeout)
        finally:
            status.close()
            await _settle(readers)
    out.end()
    if err is not out:
        err.end()
    return Finished(code, out.text(), "" if err is out else err.text(), timed_out, time.monotonic() - started, left)


async def run_shell(command: str, *, cwd: Path, env: Mapping[str, str], timeout: float, live: LiveLog | None = None,
                    redactor: Redactor | None = None, sandbox: Sandbox | None = None) -> Finished:  # fmt: skip
    """`command` with /bin/sh, stdout and stderr interleaved (a check's output, a shell backend's log)."""
    return await run(["/bin/sh", "-c", command], cwd=cwd, env=env, timeout=timeout, merge_stderr=True, live=live,
                     redactor=redactor, sandbox=sandbox)  # fmt: skip


async def _supervised(status: _Status, timeout: float) -> tuple[int, int, bool]:
    """(exit code, leftovers, timed out) of the supervised command: its deadline kept, Ctrl-C passed on."""
    pid = await status.started()
    try:
        code, left = await asyncio.wait_for(status.ended(), timeout)
        return code, left, False
    except TimeoutError:
        code, left = await _stop(status, pid, signal.SIGTERM)
        return code, left, True
    except asyncio.CancelledError:
        await _stop(status, pid, signal.SIGINT)
        raise


async def _stop(status: _Status, pid: int, sig: int) -> tuple[int, int]:
    """Tell the supervisor to end the command's tree (SIGTERM: with a grace period; SIGINT: at once); if it
    does not say it has within a while, kill the supervisor (the spawner then ends its orphans)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)
    try:
        return await asyncio.wait_for(status.ended(), STOP_GRACE_SECONDS + 2.0)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        return -signal.SIGKILL, 0


async def _settle(readers: Sequence[asyncio.Future[None]]) -> None:
    """The output's end: at once when the tree is gone; a stream something unkillable holds is let go."""
    done, late = await asyncio.wait(readers, timeout=STREAMS_GRACE_SECONDS)
    for job in late:
        job.cancel()
    for job in done:
        job.exception()  # retrieved, so asyncio does not warn


async def _drain(fd: int, sink: Capture, mask: StreamMask | None) -> None:
    try:
        while chunk := await _read(fd):
            sink.add(mask.feed(chunk) if mask else chunk)
        if mask:
            sink.add(mask.close())
    finally:
        os.close(fd)


async def _read(fd: int) -> bytes:
    """The next read from a non-blocking pipe; b"" at its end."""
    while True:
        try:
            return os.read(fd, READ_CHUNK)
        except BlockingIOError:
            loop = asyncio.get_running_loop()
            ready = loop.create_future()
            loop.add_reader(fd, _settle_once, ready)
            try:
                await ready
            finally:
                loop.remove_reader(fd)


def _settle_once(ready: asyncio.Future[None]) -> None:
    """The reader's callback: the read that waits may have been cancelled in the same turn of the loop."""
    if not ready.done():
        ready.set_result(None)


class _Pipes:
    """The command's stdin (a temporary file holding `stdin`, or /dev/null), its stdout and stderr pipes
    (one pipe when merged) and the supervisor's status pipe."""

    def __init__(self, stdin: bytes | None, merge_stderr: bool) -> None:
        self.stdin = _stdin_file(stdin)
        self.out = os.pipe()
        self.err = self.out if merge_stderr else os.pipe()
        self.status: tuple[int, int] | None = os.pipe()
        self.open = {self.stdin, *self.out, *self.err, *self.status}

    def __enter__(self) -> _Pipes:
        return self

    def __exit__(self, *exc: object) -> None:
        for fd in self.open:
            with contextlib.suppress(OSError):
                os.close(fd)

    def for_child(self) -> list[int]:
        assert self.status is not None
        return [self.stdin, self.out[1], self.err[1], self.status[1]]

    def close_child_ends(self) -> None:
        assert self.status is not None
        for fd in {self.stdin, self.out[1], self.err[1], self.status[1]}:
            os.close(fd)
            self.open.discard(fd)
        for fd in {self.out[0], self.err[0], self.status[0]}:
            os.set_blocking(fd, False)

    def readers(self, out: Capture, err: Capture) -> list[tuple[int, Capture]]:
        """The read ends, each handed to its reader (which closes it)."""
        found = [(self.out[0], out)] if self.err is self.out else [(self.out[0], out), (self.err[0], err)]
        for fd, _ in found:
            self.open.discard(fd)
        return found

    def take_status(self) -> int:
        assert self.status is not None
        self.open.discard(self.status[0])
        return self.status[0]


def _stdin_file(data: bytes | None) -> int:
    if data is None:
        return os.open(os.devnull, os.O_RDONLY)
    handle = tempfile.TemporaryFile()
    handle.write(data)
    handle.flush()
    fd = os.dup(handle.fileno())
    handle.close()
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class _Status:
    """The supervisor's status pipe: `pid <n>` when it starts, `exit <code> <leftovers>` when all is over."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.closed = False

    async def _line(self) -> list[str] | None:
        while b"\n" not in self.buffer:
            chunk = await _read(self.fd) if not self.closed else b""
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode().split()

    async def started(self) -> int:
        words = await self._line()
        if not words or words[0] != "pid":
            raise OSError("the command's supervisor did not start")
        return int(words[1])

    async def ended(self) -> tuple[int, int]:
        """(exit code, leftovers); a supervisor that died without saying counts as killed."""
        words = await self._line()
        if not words or words[0] != "exit":
            return -signal.SIGKILL, 0
        return int(words[1]), int(words[2])

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)


# ---- what a killed rallyc left behind ------------------------------------------------------------------


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
            group = os.getpgid(pid)
            if group > 1 and group != os.getpgrp():
                os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + wait_seconds
    while pids and time.monotonic() < deadline and processes_below(folder):
        time.sleep(0.02)
    return len(pids)
