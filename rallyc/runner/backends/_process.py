"""What the agent backends share: a child process in its own process group, killed as a group at
its deadline, its output drained with a cap; the executable looked up on the request's PATH; and
secrets scrubbed from everything a backend returns (`rallyc.runner.secrets` says what a secret is).

`rallyc.runner.process.run_shell` runs a command the same way but merges stderr into stdout and
keeps only the tail. The agents need more: claude's result object is parsed from stdout alone, and
codex's event stream is parsed line by line as it arrives, so a `turn.failed` in the middle of
megabytes of output still counts. `run_cli` is the part the CLI backends (claude, codex) share; each
keeps only its argv and how it reads the output. Private to the backends (the underscore keeps it
out of `BACKENDS`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rallyc.errors import RallyError
from rallyc.runner.backends import TaskRequest, TaskResult
from rallyc.runner.process import KILL_GRACE_SECONDS, kill_group
from rallyc.runner.secrets import SECRET_NAME, Redactor

OUTPUT_CAP = 1 << 20
"""Bytes of each stream kept for the log (half from the start, half from the end): an agent that
prints megabytes must not take the runner's memory with it."""

_READ_SIZE = 1 << 16
_LINE_CAP = 8 << 20
"""A longer stdout line is dropped whole: no event a backend looks for is anywhere near this long."""


def without_secrets(env: Mapping[str, str]) -> dict[str, str]:
    """The environment minus secret-looking variables: for commands a model chooses, which have no
    business with the backend's own key (and could print it into the transcript)."""
    return {name: value for name, value in env.items() if not SECRET_NAME.search(name)}


def find_executable(name: str, env: Mapping[str, str]) -> str | None:
    """`name` on the PATH the child will get, not rallyc's own (the request's env is what counts)."""
    return shutil.which(name, path=env.get("PATH", os.defpath))


def require_executable(name: str, env: Mapping[str, str], install: str) -> None:
    """Preflight of a CLI backend: its executable must be on the PATH the child will get."""
    if find_executable(name, env) is None:
        raise RallyError(
            f"the {name} backend needs `{name}` on PATH, and it is not there",
            hint=f"install it ({install}) or pick another --backend",
        )


def clip(text: str, limit: int = 300) -> str:
    """One line for a summary: whitespace collapsed, cut at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def count(value: object) -> int:
    """A token count from a CLI's JSON: a positive int, else 0 (a bool is not a count)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


@dataclass(frozen=True, slots=True)
class Finished:
    returncode: int | None
    """None when the process was killed at its deadline."""
    stdout: str
    stderr: str
    timed_out: bool
    elapsed: float


class _Drain:
    """Reads one stream to its end, keeping its head and tail up to a cap, and handing every
    complete line to `on_line` first (so a stream parser sees all of a long stream, not only
    what the log keeps)."""

    def __init__(self, cap: int, on_line: Callable[[str], None] | None) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0
        self.half = cap // 2
        self.on_line = on_line
        self.pending = bytearray()
        self.overlong = False

    def feed(self, chunk: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            excess = len(self.tail) - self.half
            if excess > 0:
                del self.tail[:excess]
                self.dropped += excess

    def lines(self, chunk: bytes, final: bool) -> None:
        if self.on_line is None:
            return
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            self._emit(chunk[start:end])
            start = end + 1
        if not self.overlong:
            self.pending += chunk[start:]
            if len(self.pending) > _LINE_CAP:
                self.pending.clear()
                self.overlong = True
        if final and (self.pending or self.overlong):
            self._emit(b"")

    def _emit(self, piece: bytes) -> None:
        assert self.on_line is not None
        if self.overlong:  # the end of a line whose start was already dropped
            self.overlong = False
            return
        line = bytes(self.pending) + piece
        self.pending.clear()
        self.on_line(line.decode("utf-8", "replace"))

    async def run(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(_READ_SIZE):
            self.feed(chunk)
            self.lines(chunk, final=False)
        self.lines(b"", final=True)

    def text(self) -> str:
        head = self.head.decode("utf-8", "replace")
        tail = self.tail.decode("utf-8", "replace")
        gap = f"\n[... {self.dropped} bytes left out ...]\n" if self.dropped else ""
        return head + gap + tail


async def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    stdin_text: str | None = None,
    cap: int = OUTPUT_CAP,
    on_line: Callable[[str], None] | None = None,
) -> Finished:
    """Run `argv` in its own session (so its process group is its own), and kill the group at
    `timeout`, when the caller is cancelled, and after it exits (stragglers it left behind hold
    the output pipes open and would otherwise outlive the task)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.PIPE if stdin_text is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stderr is not None
    out, err = _Drain(cap, on_line), _Drain(cap, None)
    readers = [asyncio.ensure_future(out.run(process.stdout)), asyncio.ensure_future(err.run(process.stderr))]
    writer = asyncio.ensure_future(_feed(process.stdin, stdin_text))
    timed_out = False
    try:
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            timed_out = True
            # The runner's way (rallyc.runner.process): SIGTERM lets the agent save its session,
            # SIGKILL a moment later takes whatever of the group is left.
            kill_group(process.pid, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(process.wait()), KILL_GRACE_SECONDS)
    finally:
        kill_group(process.pid, signal.SIGKILL)
        # After the kill every writer of the pipes is gone, so the readers reach EOF at once (and a
        # stuck stdin write fails); a process that left the group (setsid) may still hold them:
        # give up on it after a moment.
        done, late = await asyncio.wait([writer, *readers], timeout=KILL_GRACE_SECONDS)
        for task in late:
            task.cancel()
        for task in done:
            if not task.cancelled():
                task.exception()  # retrieved, so asyncio does not warn about it
        await process.wait()
    return Finished(
        None if timed_out else process.returncode,
        out.text(),
        err.text(),
        timed_out,
        loop.time() - started,
    )


async def _feed(stdin: asyncio.StreamWriter | None, text: str | None) -> None:
    if stdin is None:
        return
    # A child that exits without reading its input is its own business, not an error here.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        if text:
            stdin.write(text.encode("utf-8"))
            await stdin.drain()
        stdin.close()
        await stdin.wait_closed()


def transcript(argv: Sequence[str], stdin: str, finished: Finished) -> str:
    """A CLI run's log: the command (`stdin` says what went in on stdin), how it ended, its output."""
    return (
        f"$ {' '.join(argv)} < {stdin}\n"
        f"[exit {finished.returncode if not finished.timed_out else 'killed at timeout'}, {finished.elapsed:.1f}s]\n"
        f"--- stdout ---\n{finished.stdout}\n--- stderr ---\n{finished.stderr}\n"
    )


@dataclass(frozen=True, slots=True)
class Ran:
    """A CLI that started and finished (or was killed at its deadline), for its backend to read."""

    argv: list[str]
    finished: Finished
    redactor: Redactor

    def result(self, outcome: TaskResult, stdin: str, shown: Sequence[str] | None = None) -> TaskResult:
        """`outcome` with the transcript as its log (`shown` in place of argv, if given), secrets
        scrubbed from its summary and log."""
        log = transcript(self.argv if shown is None else shown, stdin, self.finished)
        redact = self.redactor.text
        return TaskResult(outcome.ok, redact(outcome.summary), outcome.usage, outcome.timed_out, redact(log))


async def run_cli(
    name: str,
    request: TaskRequest,
    command: Callable[[str, TaskRequest], list[str]],
    *,
    stdin_text: str,
    cap: int = OUTPUT_CAP,
    on_line: Callable[[str], None] | None = None,
) -> Ran | TaskResult:
    """Run the `name` CLI (argv from `command(executable, request)`) in the request's worktree, env and
    timeout; a failed TaskResult when it is not on PATH or could not start."""
    redactor = Redactor(request.env)
    executable = find_executable(name, request.env)
    if executable is None:
        return TaskResult(False, f"`{name}` is not on PATH")
    argv = command(executable, request)
    try:
        finished = await run_process(
            argv,
            cwd=request.worktree,
            env=request.env,
            timeout=request.timeout_seconds,
            stdin_text=stdin_text,
            cap=cap,
            on_line=on_line,
        )
    except OSError as error:  # not executable, vanished since preflight, a bad worktree
        return TaskResult(False, redactor.text(f"{name} could not start: {error}"))
    return Ran(argv, finished, redactor)
