"""What the learner's sandbox may not do, enforced by the kernel where it can be (Linux Landlock).

Before the sandbox imports any learner code, it gives up for good the right to:
- write, create, rename or delete files anywhere but its own scratch folder (and /dev, for
  /dev/null): the kit, the grader's results cache and the test files are out of reach;
- send signals to processes outside the sandbox (Landlock ABI 6), so it can't stop the judge.

The judge and the grader also mark themselves not dumpable, so that a process of the same user
can't open their file descriptors through /proc (the report pipe among them).

Landlock needs Linux 5.13 or newer with Landlock enabled; elsewhere the sandbox runs without
these limits (`confine` returns False) and the grader says so. Under root (CI), the sandbox runs
as an unprivileged user besides, which the filesystem's own permissions confine (mnistkit.engine.reach).
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # The same on x86_64 and arm64.
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS, _PR_SET_DUMPABLE = 38, 4

_WRITE_FILE, _REMOVE_DIR, _REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
_MAKE_ALL = sum(1 << bit for bit in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
_REFER, _TRUNCATE = 1 << 13, 1 << 14  # ABI 2 and ABI 3
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers; 0 where there is none."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(_SYS_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def confine(writable: list[Path]) -> bool:
    """Allow writing only beneath `writable` (and /dev) from now on, in this process and its children."""
    abi = landlock_abi()
    if abi < 1:
        return False
    libc = _libc()
    handled = _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE_ALL
    if abi >= 2:
        handled |= _REFER
    if abi >= 3:
        handled |= _TRUNCATE
    attr = _RulesetAttr(handled, 0, (_SCOPE_SIGNAL | _SCOPE_ABSTRACT_UNIX_SOCKET) if abi >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else 8  # Older kernels know only the first field.
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return False
    try:
        for folder, allowed in [(p, handled) for p in writable] + [(Path("/dev"), handled & (_WRITE_FILE | _TRUNCATE))]:
            try:
                fd = os.open(folder, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rule = _PathBeneath(allowed, fd)
                if libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0) < 0:
                    return False
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0:
            return False
        return libc.syscall(_SYS_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)


def not_dumpable() -> None:
    """Keep processes of the same user out of this one's /proc entries (file descriptors, memory)."""
    if sys.platform.startswith("linux"):
        try:
            _libc().prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass
