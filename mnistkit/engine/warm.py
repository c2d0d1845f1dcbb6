"""The grader's side of the warm engine (`mnistkit.engine.zygote`): start it, run steps on it.

`Engine()` starts the engine in the background; `engine.run(...)` runs one step's judge forked
from it and returns the same `Run` a cold process gives (`grading.run_isolated`), held the same
way: the grader's `Hold` kills the judge's whole tree at the end, and anything that escaped it.

Where fork can't be used safely (not Linux), or the engine fails to start or dies, `usable()` is
False and the grader runs every step cold, with the same verdicts.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

STARTUP_SECONDS = 120  # How long the engine may take to import everything (about 5 s here).


def fork_is_safe() -> bool:
    """Only Linux forks a process that has imported TensorFlow safely (macOS's frameworks don't)."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


class Engine:
    """A warm engine to run checks on: the grader's own (`name=None`, ends with it) or the shared one
    for this user and kit (`name`), joined if it runs, else started in the background. `spawn`:
    False to only join; or a function that starts the process (`Hold.spawn_own`, so that the
    grader's hold knows it as its own). `preload`: the kit's modules every judge imports, imported
    once by the engine (see zygote.preload)."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str | None = None, spawn=True,
                 preload: tuple[str, ...] = ()) -> None:
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.dead = False
        self.count = 0
        self.started: dict[int, threading.Event] = {}
        self.answers: dict[int, dict] = {}
        self.ended: dict[int, threading.Event] = {}
        self.process = None
        self.channel = None
        self.name = name
        start = spawn if callable(spawn) else (lambda begin: begin())
        modules = [argument for module in preload for argument in ("--preload", module)]
        if name is None:
            ours, theirs = socket.socketpair()
            self.channel = ours
            self.process = start(lambda: subprocess.Popen(
                [sys.executable, "-m", "mnistkit.engine.zygote", "--channel", str(theirs.fileno()), *modules],
                pass_fds=(theirs.fileno(),), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            theirs.close()
            self._start_listening()
            return
        if self._connect():
            self.ready.set()
            return
        if not spawn:
            self.dead = True
            self.ready.set()
            return
        # A shared engine outlives this process (its own session), until it has been idle a while.
        started = start(lambda: subprocess.Popen(
            [sys.executable, "-m", "mnistkit.engine.zygote", "--listen", name.lstrip("\0"), *modules],
            cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True))
        threading.Thread(target=self._await_shared, args=(started,), daemon=True, name="mnistkit-engine-start").start()

    def _connect(self) -> bool:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.name)
        except OSError:
            sock.close()
            return False
        self.channel = sock
        self._start_listening()
        return True

    def _await_shared(self, started) -> None:
        """Wait for the engine we started to listen. If it ends first, it either could not start (an
        exit code other than 0: the steps go cold at once, not after STARTUP_SECONDS) or found the
        name taken by another grader's engine, which listens already: one more try joins that one."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._connect():
                self.ready.set()
                return
            ended = getattr(started, "poll", lambda: None)()
            if ended is not None:
                if ended == 0 and self._connect():
                    self.ready.set()
                    return
                break
            time.sleep(0.1)
        self.dead = True
        self.ready.set()

    def _start_listening(self) -> None:
        threading.Thread(target=self._listen, daemon=True, name="mnistkit-engine").start()

    @property
    def pid(self) -> int | None:
        """The engine's process id: our child's, or the shared engine's (from the socket's peer)."""
        if self.process is not None:
            return self.process.pid
        if self.channel is None:
            return None
        import struct

        credentials = self.channel.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return struct.unpack("3i", credentials)[0]

    def discard(self) -> None:
        """Stop an engine that failed us, so that the next check starts a fresh one."""
        pid = self.pid
        try:
            is_engine = pid and b"mnistkit.engine.zygote" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            is_engine = False
        if is_engine:  # Only ever an engine: whatever else listens under its name is left alone.
            try:
                os.kill(pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
        self.dead = True

    def _listen(self) -> None:
        buffer = b""
        while True:
            try:
                data = self.channel.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                message = json.loads(line)
                if message.get("ready"):
                    self.ready.set()
                    continue
                with self.lock:
                    answer = self.answers.setdefault(message["id"], {})
                    answer.update(message)
                if "pid" in message:
                    self.started[message["id"]].set()
                if "exit" in message:
                    self.ended[message["id"]].set()
        self.dead = True
        self.ready.set()
        for event in list(self.started.values()) + list(self.ended.values()):
            event.set()

    def usable(self, wait: float = STARTUP_SECONDS) -> bool:
        return self.ready.wait(wait) and not self.dead

    def request(self, argv: list[str], cwd: Path, env: dict[str, str], fds: dict[str, int], memory: int | None) -> int:
        """Send one request with its descriptors (roles: see judges.become_judge); its number."""
        with self.lock:
            self.count += 1
            number = self.count
            self.started[number], self.ended[number] = threading.Event(), threading.Event()
        message = {"id": number, "argv": argv, "cwd": str(cwd), "env": env, "memory": memory, "fds": list(fds)}
        try:
            socket.send_fds(self.channel, [(json.dumps(message) + "\n").encode()], list(fds.values()))
        except (OSError, AttributeError):
            raise EngineGone("the warm engine is not there") from None
        return number

    def judge_pid(self, number: int, wait: float = 30) -> int:
        self.started[number].wait(wait)
        pid = self.answers.get(number, {}).get("pid")
        if pid is None:
            self.discard()
            raise EngineGone("the warm engine did not start the check")
        return pid

    def exit_code(self, number: int, wait: float | None) -> int | None:
        """The judge's exit code; None if it is still running after `wait` seconds."""
        if not self.ended[number].wait(wait):
            return None
        code = self.answers.get(number, {}).get("exit")
        if code is None:
            raise EngineGone("the warm engine ended during the check")
        return code

    def run(self, argv: list[str], cwd: Path, env: dict[str, str], timeout: float, memory: int):
        """One step's judge (`python -m pytest ARGV`, forked), as `grading.run_isolated` runs a cold one."""
        from mnistkit.engine.processes import REPORT_CAP, Run, drain, hold

        started_at = time.monotonic()
        if hold().stopping:
            raise EngineGone("stopping")
        out_r, out_w = os.pipe()
        report_r, report_w = os.pipe()
        try:
            number = self.request(argv, cwd, env, {"output": out_w, "report": report_w}, memory)
        finally:
            os.close(out_w)
            os.close(report_w)
        output: list[str] = []
        report: list[str] = []
        readers = [
            threading.Thread(target=drain, args=(os.fdopen(out_r, "r", encoding="utf-8", errors="replace"), output), daemon=True),
            threading.Thread(target=drain, args=(os.fdopen(report_r, "r", encoding="utf-8", errors="replace"), report, REPORT_CAP), daemon=True),
        ]
        for reader in readers:
            reader.start()
        pid = self.judge_pid(number)
        hold().started(pid)
        try:
            code = self.exit_code(number, timeout)
        finally:
            over = hold().finished(pid)  # Kills what is left of the judge's tree (all of it on a timeout).
        if code is None:
            try:
                self.exit_code(number, 10)
            except EngineGone:
                pass
        for reader in readers:
            reader.join(timeout=5)
        return Run(code, "".join(output), time.monotonic() - started_at, "".join(report), over)

    def close(self) -> None:
        """Leave the engine: the grader's own ends with it; a shared one stays for the next check.
        Whoever still waits for it to start goes on without it."""
        self.dead = True
        self.ready.set()
        if self.channel is not None:
            try:
                self.channel.close()
            except OSError:
                pass
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class EngineGone(Exception):
    """The engine died or stopped answering: the caller runs the step cold instead."""


def shared_name() -> str:
    """The name of this user's shared engine for this kit, in this Python (see zygote.listener_name)."""
    import hashlib

    from mnistkit.engine.zygote import listener_name
    from mnistkit.versions import kit_fingerprint

    from mnistkit import KIT_ROOT

    # The kit's folder too: two copies of the same kit must not share an engine (it imports one of them).
    # The environment is named by sys.prefix, not sys.executable: `python grader.py` runs venv/bin/python
    # while the `pytest` script starts venv/bin/python3, one Python that must find one engine.
    return listener_name(hashlib.sha256((kit_fingerprint() + sys.prefix + str(KIT_ROOT)).encode()).hexdigest())


def may_share() -> bool:
    """Whether a shared engine is safe here: the learner's sandbox must not be able to reach it.

    Under root the sandbox runs as another user, whom the engine refuses; otherwise Landlock's
    scoping of abstract sockets (ABI 6) keeps it out."""
    from mnistkit.engine.confine import landlock_abi

    return fork_is_safe() and (os.geteuid() == 0 or landlock_abi() >= 6)


def only_step_folders(args: list[str], cwd: Path) -> bool:
    """True when every path pytest is given lies in a step folder of this kit (`exercises/step3`, a
    test file there): a learner's check, not the kit's own self-test or anything else."""
    from mnistkit import KIT_ROOT
    from mnistkit.steps import step_of_path

    paths = [arg.split("::")[0] for arg in args if not arg.startswith("-")]
    if not paths:
        return False
    for path in paths:
        full = (cwd / path).resolve()
        if step_of_path(full) is None or not any(full.is_relative_to(KIT_ROOT / side) for side in ("exercises", "solutions")):
            return False
    return True


def run_in_shared_engine(args: list[str], cwd: Path) -> int | None:
    """`pytest ARGS` run by this kit's shared engine, if one is running, on this terminal; its exit code.

    None when there is no engine to use (the caller then runs as usual)."""
    import signal

    from mnistkit import KIT_ROOT

    if not may_share() or not only_step_folders(args, cwd):
        return None
    engine = Engine({}, KIT_ROOT, name=shared_name(), spawn=False)
    if not engine.usable(0):
        return None
    env = dict(os.environ)
    env["MNISTKIT_WARM_JUDGE"] = "1"  # The forked pytest runs the suite itself, and says "(warm)".
    # The engine has imported the kit already, which pytest would otherwise warn about.
    argv = ["-W", "ignore::pytest.PytestAssertRewriteWarning", "-p", "no:unraisableexception", *args]
    try:
        number = engine.request(argv, cwd, env, {"stdin": 0, "stdout": 1, "stderr": 2}, None)
        pid = engine.judge_pid(number, wait=5)
    except EngineGone:
        return None
    try:
        while True:
            try:
                return engine.exit_code(number, None)
            except KeyboardInterrupt:
                os.kill(pid, signal.SIGINT)  # Ctrl-C reaches the check as it would a pytest of its own.
    except EngineGone:
        return 3
    finally:
        engine.close()
