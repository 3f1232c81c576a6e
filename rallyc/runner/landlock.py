"""Landlock, the Linux security module an unprivileged process uses to confine itself (Linux 5.13+).

A small ctypes binding of the three system calls, for what the sandbox needs: writes allowed only
beneath some folders (and to a few files such as /dev/null), reads left alone, and, from ABI 6 on,
no signals to processes outside the sandbox (rallyc, the task's supervisor, the user's programs)
and no connection to abstract Unix sockets outside it. No dependency: the kernel interface is
three calls and two structures, stable by design (ABI versions only add rights).

Kernel documentation: https://docs.kernel.org/userspace-api/landlock.html (the structures, the
rights each ABI adds, and the best-effort pattern followed here: handle only the rights the running
kernel knows).
"""

from __future__ import annotations

import ctypes
import os
import stat
from collections.abc import Iterable

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
"""System call numbers: the same on every architecture rallyc runs on (the generic table)."""
CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

WRITE_FILE, REMOVE_DIR, REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = (1 << bit for bit in range(6, 13))
REFER, TRUNCATE = 1 << 13, 1 << 14
"""REFER (ABI 2): renames and links across folders; without it they are always refused. TRUNCATE: ABI 3."""
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
"""ABI 6."""

WRITES = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG | MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK \
    | MAKE_SYM  # fmt: skip
FILE_RIGHTS = WRITE_FILE | TRUNCATE
"""The rights a rule on a single file (not a folder) may grant."""


class LandlockError(OSError):
    """The kernel refused a step; confinement did not happen."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]  # fmt: skip


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _call(number: int, *args: object) -> int:
    result = int(_libc.syscall(ctypes.c_long(number), *args))
    if result < 0:
        error = ctypes.get_errno()
        raise LandlockError(error, os.strerror(error))
    return result


def prctl(option: int, value: int) -> None:
    """prctl(2), which the os module does not offer (the spawner's subreaper and death signal use it too)."""
    _libc.prctl(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def abi_version() -> int:
    """The Landlock ABI this kernel offers; 0 when it has none (too old, not built in, or turned off)."""
    try:
        return _call(CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except (LandlockError, AttributeError):
        return 0


def handled_writes(abi: int) -> int:
    """Every write right the ABI knows: what the ruleset takes charge of (reads stay free)."""
    return WRITES | (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0)


def confine(abi: int, writable: Iterable[str]) -> None:
    """Confine the calling process and everything it starts: writes only beneath the `writable` folders
    and to the `writable` files (paths that do not exist are left out), no signal or abstract socket out
    of the sandbox (ABI 6+). Irreversible; called in a child between fork and exec."""
    handled = handled_writes(abi)
    attr = _RulesetAttr(handled, 0, SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET if abi >= 6 else 0)
    ruleset = _call(CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    try:
        for path in writable:
            _allow(ruleset, path, handled)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        _call(RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= FILE_RIGHTS
        rule = _PathBeneathAttr(rights, fd)
        _call(ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0))
    finally:
        os.close(fd)
