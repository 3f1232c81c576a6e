"""The guard server: one process per installed plan that answers PreToolUse calls without re-importing.

`ask` is the client side, run by every `rallyc guard pre-tool-use`: it sends
the call to the plan's server over a Unix socket and returns its answer, or
None when there is no server to ask (it then starts one in the background
and the caller decides in process). The server (`serve`) loads the plan
once, reloads it when the file changes, answers calls one at a time with the
same `decide` the in-process path uses, and exits after `IDLE_SECONDS`
without a call or when its plan is gone.

The socket lives in a folder only this user may enter (`$XDG_RUNTIME_DIR`,
else `$TMPDIR/rallyc-<uid>`, mode 0700, checked): no other user can answer
for the guard. `RALLYC_GUARD_SERVER=off` keeps every call in process;
systems without Unix sockets always decide in process.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys

from rallyc.guard.decision import REFUSE, decide

IDLE_SECONDS = 600.0
SERVER_OFF = "RALLYC_GUARD_SERVER"
_CONNECT_SECONDS, _ANSWER_SECONDS = 1.0, 10.0
_MAX_INPUT = 16 * 1024 * 1024


def socket_path(plan: str) -> str | None:
    """The plan's socket, in a private folder of this user's; None when there can be none."""
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "getuid"):
        return None
    base = os.environ.get("XDG_RUNTIME_DIR") or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"rallyc-{os.getuid()}")
    folder = os.path.join(base, "rallyc-guard") if os.environ.get("XDG_RUNTIME_DIR") else base
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    name = hashlib.sha256(os.path.realpath(plan).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    path = os.path.join(folder, f"{name}.sock")
    return path if len(path) < 100 else None  # sun_path holds about 104 bytes


def ask(plan: str, teammate: str | None, data: bytes) -> tuple[int, str] | None:
    """The server's (code, message) for a PreToolUse call; None when the caller must decide itself."""
    path = None if os.environ.get(SERVER_OFF, "").strip().lower() == "off" else socket_path(plan)
    if path is None:
        return None
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.settimeout(_CONNECT_SECONDS)
        try:
            client.connect(path)
        except (FileNotFoundError, ConnectionRefusedError):
            _start(plan)
            return None
        client.settimeout(_ANSWER_SECONDS)
        header = {"plan": os.path.realpath(plan), "teammate": teammate}
        client.sendall(json.dumps(header).encode() + b"\n" + data)
        client.shutdown(socket.SHUT_WR)
        answer = json.loads(_read_all(client))
        return int(answer["code"]), str(answer["message"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a server that answers wrong or not at all is bypassed, never trusted
    finally:
        client.close()


def _read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
        if sum(map(len, chunks)) > _MAX_INPUT:
            raise ValueError("too much data")
    return b"".join(chunks)


def _start(plan: str) -> None:
    """Start the plan's server, detached: no pipe of the hook's is held open, so the hook ends now."""
    import subprocess

    subprocess.Popen([sys.executable, "-m", "rallyc", "guard", "serve", "--plan", os.path.realpath(plan)],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True, close_fds=True)  # fmt: skip


def serve(_event: str, plan: str, _teammate: str | None) -> int:
    """Answer PreToolUse calls for `plan` until idle for `IDLE_SECONDS` (or `$RALLYC_GUARD_IDLE_SECONDS`,
    for tests and benchmarks) or until the plan is gone."""
    path = socket_path(plan)
    if path is None or _alive(path):
        return 0
    import signal
    import threading

    idle = float(os.environ.get("RALLYC_GUARD_IDLE_SECONDS") or IDLE_SECONDS)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # ended by kill: still remove the socket
    listener, bound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM), None
    try:
        if os.path.exists(path):
            os.unlink(path)  # a dead server's socket: nothing answers on it
        listener.bind(path)
        bound = os.stat(path).st_ino
        listener.listen(16)
        listener.settimeout(idle)
        _loop(listener, os.path.realpath(plan))
    finally:
        listener.close()
        if bound is not None:
            _remove(path, bound)
    return 0


def _alive(path: str) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(_CONNECT_SECONDS)
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def _loop(listener: socket.socket, plan: str) -> None:
    cache = _GuardCache(plan)
    while os.path.exists(plan):
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            return
        with connection:
            connection.settimeout(_ANSWER_SECONDS)
            try:
                connection.sendall(json.dumps(cache.answer(_read_all(connection))).encode())
            except (OSError, ValueError):
                continue  # the client gave up, or sent more than a call holds: it decides in process


class _GuardCache:
    """The plan's compiled guard, rebuilt when the file changes (a new --install)."""

    def __init__(self, plan: str) -> None:
        self.plan = plan
        self.signature: tuple[int, int, int] | None = None
        self.guard: object | None = None

    def answer(self, request: bytes) -> dict[str, object]:
        head, _, data = request.partition(b"\n")
        try:
            header = json.loads(head)
            if header["plan"] != self.plan:
                raise ValueError("a call for another plan")
            code, message = decide("pre-tool-use", self.plan, header["teammate"], data, self._guard())
        except Exception as error:
            code, message = REFUSE, f"internal error in the guard server ({type(error).__name__}: {error})"
        return {"code": code, "message": message}

    def _guard(self) -> object | None:
        from rallyc.guard.events import Guard
        from rallyc.guard.plan import GuardPlanError, load_guard_plan

        info = os.stat(self.plan)
        signature = (info.st_mtime_ns, info.st_size, info.st_ino)
        if signature != self.signature:
            try:
                self.guard = Guard(load_guard_plan(self.plan))
            except GuardPlanError:
                self.guard = None  # decide() loads it again and says what is wrong
            self.signature = signature
        return self.guard


def _remove(path: str, bound: int) -> None:
    """Remove the socket unless another server has taken its place since."""
    try:
        if os.stat(path).st_ino == bound:
            os.unlink(path)
    except OSError:
        pass
