"""The one process supervisor: every command of a task runs under a supervisor that ends all it started.

A task's command (its backend, a `verify` check, a command an agent's tool runs) may start anything:
a dev server left running, a `setsid` daemon, a process that forks and exits so its child is adopted
elsewhere. Each command therefore runs under a *supervisor* of its own, which on Linux is a child
subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`, https://man7.org/linux/man-pages/man2/prctl.2.html):
whatever its descendants do, orphans are re-parented to it, never past it. When the command's own
process exits, the supervisor kills every descendant still there and reports the exit code; told to
stop (the task's deadline, Ctrl-C), it ends the whole tree. A command in a sandbox is confined
(`landlock.confine`) between fork and exec, so nothing it starts can signal the supervisor.

Supervisors are forked by the *spawner*, a small Python process rallyc starts once per run
(`python -m rallyc.runner.spawner`) that does nothing but fork supervisors on request. Forking rallyc itself
would be unsafe (it runs git in threads, and a lock another thread holds stays held in the child) and
costly (a child of a large process pays for every page it touches); a fork of the spawner is small. A
request is the command (argv, folder, environment, sandbox) with four file descriptors passed over a
Unix socket: the command's stdin, stdout and stderr, and a status pipe on which its supervisor writes
`pid <n>` when it starts and `exit <code> <leftovers>` when the command and everything it started are
gone.

The spawner is a subreaper too: if a supervisor dies (a command outside a sandbox can kill it), its
orphans come to the spawner, which ends every child that is not a supervisor. When rallyc goes away
(its socket closes), the spawner stops the supervisors, which end their trees. Elsewhere than Linux
there is no subreaper: a command's process group is what is ended (a process that leaves its group
escapes; `docs/runner.md`, "Threat model").
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import subprocess

LINUX = sys.platform.startswith("linux") and os.path.isdir("/proc")
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36
HEADER = struct.Struct("!I")
STOPS = (signal.SIGTERM, signal.SIGINT)
"""What rallyc sends a supervisor: end the command's tree, with a grace period (SIGTERM) or at once."""
STOP_GRACE_SECONDS = 1.0
"""After SIGTERM to a command's tree, how long it has before SIGKILL."""
END_LIMIT_SECONDS = 5.0
"""How long a supervisor keeps killing a tree that keeps forking, or holds an unkillable process."""


@dataclass(frozen=True, slots=True)
class Launch:
    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str]
    writable: tuple[str, ...] | None = None
    """The sandbox: the only paths the command may write beneath; None when there is no sandbox."""
    abi: int = 0
    """The Landlock ABI the sandbox uses."""


class Spawner:
    """rallyc's end of the spawner: `launch` hands it a command and the command's file descriptors."""

    def __init__(self, sock: socket.socket, process: subprocess.Popen[bytes]) -> None:
        self.sock = sock
        self.process = process
        self.lock = threading.Lock()

    @classmethod
    def start(cls) -> Spawner:
        import subprocess

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with theirs:
            # no stream of rallyc's: nothing a supervisor or a command's process says before exec reaches the terminal
            process = subprocess.Popen([sys.executable, "-I", "-m", __name__, str(theirs.fileno())],
                                       pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)  # fmt: skip
        return cls(ours, process)

    def launch(self, launch: Launch, fds: Sequence[int]) -> None:
        """Start `launch` with `fds` (stdin, stdout, stderr, status); the caller closes its copies."""
        payload = pickle.dumps(launch)
        with self.lock:
            socket.send_fds(self.sock, [HEADER.pack(len(payload))], list(fds))
            self.sock.sendall(payload)

    def close(self, wait: float | None = None) -> None:
        """The spawner stops every supervisor at once (they end their trees) and exits; waits for that (at most
        `wait` seconds, when given)."""
        import subprocess

        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(wait)


_shared: Spawner | None = None
_shared_lock = threading.Lock()


def shutdown(wait: float) -> None:
    """Stop the shared spawner, if started, and every command it runs; the next `shared()` starts a new one."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close(wait)
            _shared = None


def shared() -> Spawner:
    """The process's spawner, started on first use (`rallyc run` starts it with the run)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Spawner.start()
            import atexit

            atexit.register(_shared.close)
        return _shared


# ---- the spawner process --------------------------------------------------------------------------


def _spawner_main(sock: socket.socket) -> NoReturn:  # pragma: no cover - runs in the spawner process
    try:
        if LINUX:
            import rallyc.runner.landlock  # noqa: F401 - once here, not in every command's process
        _subreaper()
        _only_fds(sock.fileno())
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        _default_signals()
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        _serve(sock, wake_read)
    finally:
        os._exit(0)


def _serve(sock: socket.socket, wake: int) -> None:  # pragma: no cover - runs in the spawner process
    supervisors: set[int] = set()
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    selector.register(wake, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj == wake:
                os.read(wake, 512)
                _reap(supervisors)
                continue
            request = _receive(sock)
            if request is None:  # rallyc is gone: stop the supervisors, which end their trees
                _shutdown(supervisors)
                return
            launch, fds = request
            pid = os.fork()
            if pid == 0:
                sock.close()
                _supervise(launch, fds)
            supervisors.add(pid)
            for fd in fds:
                os.close(fd)


def _receive(sock: socket.socket) -> tuple[Launch, list[int]] | None:  # pragma: no cover - in the spawner process
    try:
        head, fds, _, _ = socket.recv_fds(sock, HEADER.size, 4)
        head += _exactly(sock, HEADER.size - len(head))
        launch = pickle.loads(_exactly(sock, HEADER.unpack(head)[0]))
    except (OSError, EOFError, struct.error, pickle.UnpicklingError):
        return None
    return launch, fds


def _exactly(sock: socket.socket, size: int) -> bytes:  # pragma: no cover - in the spawner process
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _reap(supervisors: set[int]) -> None:  # pragma: no cover - in the spawner process
    """Reap what exited; a supervisor that died without ending its tree leaves orphans here: end them."""
    orphans = False
    while (reaped := _wait_any()) is not None:
        pid, status = reaped
        if pid in supervisors:
            supervisors.discard(pid)
            orphans |= status != 0  # a supervisor exits 0 only once its tree is gone
        else:
            orphans = True
    if orphans:
        for pid in _descendants(os.getpid(), stop_at=supervisors):
            _kill(pid, signal.SIGKILL)


def _shutdown(supervisors: set[int]) -> None:  # pragma: no cover - in the spawner process
    """rallyc is gone (it exited, was killed, or quit at a second Ctrl-C): every tree ends now."""
    for pid in supervisors:
        _kill(pid, signal.SIGINT)
    _end_tree(os.getpid(), grace=STOP_GRACE_SECONDS)


# ---- a supervisor ----------------------------------------------------------------------------------


class _Stop(Exception):
    def __init__(self, grace: float) -> None:
        self.grace = grace


def _supervise(launch: Launch, fds: list[int]) -> NoReturn:  # pragma: no cover - runs in a forked supervisor
    status = fds[3]
    try:
        parent = os.getppid()
        os.setsid()
        _only_fds(*fds)
        _default_signals()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _subreaper(death_signal=signal.SIGTERM)
        if os.getppid() != parent:  # the spawner died before the death signal was set
            os._exit(1)
        for sig in STOPS:
            signal.signal(sig, _raise_stop)
        _say(status, f"pid {os.getpid()}")
        code, left = _run_command(launch, fds)
        _say(status, f"exit {code} {left}")
    except BaseException:
        os._exit(1)
    os._exit(0)


def _run_command(launch: Launch, fds: list[int]) -> tuple[int, int]:  # pragma: no cover - in a supervisor
    """Fork and exec the command, wait for it, end what it left; (exit code or -signal, processes ended)."""
    # blocked across the fork: the command's process must not run the supervisor's handlers before exec (it
    # restores the defaults, then unblocks); a stop that comes meanwhile waits here until the `try`
    signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    child = os.fork()
    if child == 0:
        _exec(launch, fds)
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
        for fd in fds[:3]:  # from now on only the command and its children hold the streams
            os.close(fd)
        code = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
        return code, _end_tree(os.getpid(), grace=0.0, group=child)
    except _Stop as stop:
        left = _end_tree(os.getpid(), grace=stop.grace, group=child)
        return -signal.SIGTERM if stop.grace else -signal.SIGKILL, left


_stopping = False


def _raise_stop(signum: int, frame: object) -> None:  # pragma: no cover - in a supervisor
    """The first stop interrupts the wait for the command; later ones find the tree being ended already. (The
    handler stays installed: switching to SIG_IGN while another is pending makes CPython raise an OSError.)"""
    global _stopping
    if not _stopping:
        _stopping = True
        raise _Stop(STOP_GRACE_SECONDS if signum == signal.SIGTERM else 0.0)


def _exec(launch: Launch, fds: list[int]) -> NoReturn:  # pragma: no cover - in the command's process
    try:
        os.close(fds[3])
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        _only_fds()
        _default_signals()
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # Python ignores it; programs expect the default
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        if not LINUX:
            os.setpgid(0, 0)  # its own group: what is ended where there is no subreaper
        os.chdir(launch.cwd)
        if launch.writable is not None:
            from rallyc.runner.landlock import confine  # imported by the spawner already: no cost here

            confine(launch.abi, launch.writable)
        os.execvpe(launch.argv[0], list(launch.argv), launch.env)
    except OSError as error:
        os.write(2, f"rallyc: cannot run {launch.argv[0]}: {error.strerror or error}\n".encode())
        os._exit(127 if isinstance(error, FileNotFoundError) else 126)
    except BaseException:
        os._exit(126)


# ---- ending a tree -------------------------------------------------------------------------------------


def _end_tree(root: int, *, grace: float, group: int | None = None) -> int:  # pragma: no cover - forked
    """End every descendant of `root` (a subreaper): SIGTERM and `grace` seconds first when `grace`, then
    SIGKILL until none is left. Elsewhere than Linux, the process group `group` instead. How many there were."""
    if not LINUX:
        return _end_group(group, grace)
    seen: set[int] = set()
    if grace:
        found = _descendants(root)
        seen |= found
        for pid in found:
            _kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _has_children() and time.monotonic() < deadline:
            time.sleep(0.01)
    deadline = time.monotonic() + END_LIMIT_SECONDS
    while _has_children() and time.monotonic() < deadline:
        found = _descendants(root)
        seen |= found
        for pid in found:
            _kill(pid, signal.SIGKILL)
        time.sleep(0.002)
    return len(seen)


def _end_group(group: int | None, grace: float) -> int:  # pragma: no cover - not Linux
    if group is None:
        return 0
    if grace:
        _kill(-group, signal.SIGTERM)
        time.sleep(grace)
    _kill(-group, signal.SIGKILL)
    while _has_children():
        time.sleep(0.01)
    return 0


def _has_children() -> bool:
    """Reap what has exited; whether any child is left (for a subreaper: whether any descendant is)."""
    while _wait_any() is not None:
        pass
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def _wait_any() -> tuple[int, int] | None:
    try:
        pid, status = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return None
    return (pid, status) if pid else None


def _descendants(root: int, stop_at: set[int] | None = None) -> set[int]:
    """Every process below `root` (from /proc), not counting `stop_at` and what is below them."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(name))
    found: set[int] = set()
    stack = [pid for pid in children.get(root, []) if pid not in (stop_at or ())]
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, []))
    return found


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


# ---- process set-up -----------------------------------------------------------------------------------


def _subreaper(death_signal: int = 0) -> None:  # pragma: no cover - forked
    if not LINUX:
        return
    from rallyc.runner.landlock import prctl

    prctl(PR_SET_CHILD_SUBREAPER, 1)
    if death_signal:
        prctl(PR_SET_PDEATHSIG, death_signal)


def _only_fds(*keep: int) -> None:  # pragma: no cover - forked
    """Close every inherited descriptor above 2 but `keep` (rallyc's lock and logs must not live on here)."""
    start = 3
    for fd in sorted(keep):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, os.sysconf("SC_OPEN_MAX"))


def _default_signals() -> None:  # pragma: no cover - forked
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_DFL)


def _say(fd: int, line: str) -> None:  # pragma: no cover - in a supervisor
    with contextlib.suppress(OSError):  # rallyc may be gone: the tree is ended all the same
        os.write(fd, (line + "\n").encode())


if __name__ == "__main__":  # pragma: no cover - the spawner process, started by Spawner.start
    _spawner_main(socket.socket(fileno=int(sys.argv[1])))
