"""The engine's judges: how a forked child becomes a step's judge (`become_judge`), and the table
of the judges the engine runs (`Judges`): whom to tell of each one's end, and what each judge of a
grade that counts gives the engine to keep (mnistkit.memo.KEPT). mnistkit/engine/zygote.py forks them.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import struct
import sys
import time

from mnistkit.engine import forked

ROLES = ("stdin", "stdout", "stderr", "output", "report")


def become_judge(request: dict, fds: list[int], done: int | None = None, keeps: int | None = None) -> None:
    """In the forked child: set up as a cold judge process would be, run pytest, and exit.

    `request["fds"]` names the descriptors sent with it: "output" (stdout and stderr together,
    the grader's pipe), "report" (the report pipe), or the caller's own "stdin", "stdout" and
    "stderr" (a learner's `pytest exercises/stepN`, so that output and breakpoint() reach them).
    `done`: a pipe to the engine, which gets the exit code as soon as pytest returns; the exit of
    a process this size takes another 15-25 ms, which nobody need wait for.
    `keeps`: a pipe to the engine for what a judge of a grade that counts computed (mnistkit.memo.KEPT)."""
    os.setsid()
    if keeps is not None:
        from mnistkit import memo

        memo.ENGINE = keeps
    roles = dict(zip(request.get("fds", ["output", "report"]), fds))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(roles.get("stdin", devnull), 0)
    os.dup2(roles.get("stdout", roles.get("output", devnull)), 1)
    os.dup2(roles.get("stderr", roles.get("output", devnull)), 2)
    memory = request.get("memory")
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    argv = [part.replace("{report}", str(roles.get("report", -1))) for part in request["argv"]]
    forked.FORKABLE = True
    import pytest

    sys.stdin = os.fdopen(0, "r", encoding="utf-8", errors="replace", closefd=False)
    sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    try:
        # For the kit's developers: where a warm judge spends its time ("{pid}" in the path: one file per judge).
        if os.environ.get("MNISTKIT_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            code = int(profile.runcall(pytest.main, argv))
            profile.dump_stats(os.environ["MNISTKIT_PROFILE"].replace("{pid}", str(os.getpid())))
        else:
            code = int(pytest.main(argv))
    except BaseException:  # noqa: BLE001  (the caller reads the exit code; nothing may escape the child)
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    if done is not None:
        # Every copy of the caller's descriptors closed first: its readers see the end of the output now.
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass  # The report pipe, closed once the report was written.
        os.write(done, f"{code}\n".encode())
    os._exit(code)


class Connection:
    """One client of the engine: the grader's socket pair, or a caller that connected to the listener."""

    def __init__(self, sock: socket.socket, primary: bool) -> None:
        self.sock, self.primary, self.buffer, self.fds = sock, primary, b"", []

    def send(self, message: dict) -> None:
        try:
            self.sock.sendall((json.dumps(message) + "\n").encode())
        except OSError:
            pass  # The caller is gone; its judge still ends and is cleaned up.


def same_user(sock: socket.socket) -> bool:
    """Only processes of this engine's own user may use it (abstract sockets have no file permissions)."""
    credentials = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", credentials)
    return uid == os.getuid()


class Judges:
    """The judges the engine has forked and not yet reaped, and whom to tell of each one's end."""

    def __init__(self) -> None:
        self.waiting: dict[int, tuple[Connection, object]] = {}
        self.ends: dict[int, int] = {}  # A pidfd per running judge: readable the moment it exits.
        self.codes: dict[int, int] = {}  # A pipe per running judge, on which it says its exit code as pytest returns.
        self.told: set[int] = set()  # Judges whose exit code their caller has been sent.
        self.keeps: dict[int, bytearray] = {}  # A pipe per judge of a grade that counts: what it computed, to keep.
        self.last = time.monotonic()  # When the engine last had work.

    def descriptors(self) -> list[int]:
        return list(self.ends) + list(self.codes) + list(self.keeps)

    def kept(self, fd: int) -> None:
        """Read what a judge gives the engine to keep (mnistkit.memo.KEPT): entries, each a JSON
        header line (kind, digest, size) and that many bytes; the end of the pipe when it exits."""
        from mnistkit import memo

        data = os.read(fd, 1 << 20)
        buffer = self.keeps[fd]
        buffer += data
        while True:
            end = buffer.find(b"\n", 0, 512)
            if end < 0:
                break
            try:
                header = json.loads(bytes(buffer[:end]))
                kind, digest, size = header["kind"], header["digest"], header["size"]
                well_formed = (isinstance(kind, str) and isinstance(digest, str) and type(size) is int
                               and 0 < size <= memo.KEPT_LIMIT and len(kind) < 64 and len(digest) < 128)
            except (ValueError, KeyError, TypeError):
                well_formed = False
            if not well_formed:  # Not what a judge says: nothing more of it is kept.
                data = b""
                break
            if len(buffer) < end + 1 + size:
                break
            memo.keep(kind, digest, bytes(buffer[end + 1:end + 1 + size]))
            del buffer[:end + 1 + size]
        if not data:
            del self.keeps[fd]
            os.close(fd)

    def exit_said(self, fd: int) -> None:
        """A judge said its exit code as pytest returned: tell its caller now, not at its exit."""
        pid = self.codes.pop(fd)
        said = os.read(fd, 64)
        os.close(fd)
        if said.endswith(b"\n") and said[:-1].lstrip(b"-").isdigit() and pid in self.waiting:
            connection, number = self.waiting[pid]
            connection.send({"id": number, "exit": int(said)})
            self.told.add(pid)
        # Nothing said (the judge died first): its exit status is sent when it is reaped.

    def start(self, connection: Connection, request: dict, taken: list[int], sockets: list) -> None:
        """Fork the judge `request` asks for, with the descriptors sent with it."""
        self.last = time.monotonic()
        said, say = os.pipe()
        keeps, give = os.pipe() if counts(request) else (None, None)
        pid = os.fork()
        if pid == 0:
            for other in sockets:
                other.close()
            for fd in [*self.ends, *self.codes, *self.keeps, said, *([keeps] if keeps is not None else [])]:
                os.close(fd)
            become_judge(request, taken, say, give)
        os.close(say)
        if keeps is not None:
            os.close(give)
            self.keeps[keeps] = bytearray()
        self.codes[said] = pid
        for fd in taken:
            os.close(fd)
        try:
            self.ends[os.pidfd_open(pid)] = pid
        except (AttributeError, OSError):
            pass  # Without pidfds (Linux before 5.3) its end is seen within the select's timeout.
        self.waiting[pid] = (connection, request["id"])
        connection.send({"id": request["id"], "pid": pid})

    def reap(self) -> None:
        """Collect every judge that ended, and tell its caller its exit code if it has not said it."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for table in (self.ends, self.codes):
                for fd in [fd for fd, judge in table.items() if judge == pid]:
                    del table[fd]
                    os.close(fd)
            if pid in self.waiting:
                connection, number = self.waiting.pop(pid)
                if pid not in self.told:
                    connection.send({"id": number, "exit": os.waitstatus_to_exitcode(status)})
                self.told.discard(pid)
                self.last = time.monotonic()


def counts(request: dict) -> bool:
    """Whether `request` is for a judge of a grade that counts, which gives the engine what it computes
    (mnistkit.memo.KEPT): it runs the learner's code only in its sandbox and reads no result from a file."""
    argv, env = request.get("argv"), request.get("env")
    return (isinstance(argv, list) and all(flag in argv for flag in ("--mnistkit-judge", "--mnistkit-fresh", "--noconftest"))
            and isinstance(env, dict) and "MNISTKIT_WARM_JUDGE" not in env  # Not a learner's own pytest.
            and env.get("MNISTKIT_KEEP") != "0")  # For the kit's benchmarks: a grade as if it were the engine's first.
