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
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        ours, theirs = socket.socketpair()
        self.channel = ours
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mnistkit.engine.zygote", "--channel", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        theirs.close()
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.dead = False
        self.count = 0
        self.started: dict[int, threading.Event] = {}
        self.answers: dict[int, dict] = {}
        self.ended: dict[int, threading.Event] = {}
        threading.Thread(target=self._listen, daemon=True, name="mnistkit-engine").start()

    @property
    def pid(self) -> int:
        return self.process.pid

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

    def run(self, argv: list[str], cwd: Path, env: dict[str, str], timeout: float, memory: int):
        """One step's judge (`python -m pytest ARGV`, forked), as `grading.run_isolated` runs a cold one."""
        from mnistkit.grading import REPORT_CAP, Run, _drain, hold

        started_at = time.monotonic()
        out_r, out_w = os.pipe()
        report_r, report_w = os.pipe()
        with self.lock:
            self.count += 1
            number = self.count
            self.started[number], self.ended[number] = threading.Event(), threading.Event()
        request = {"id": number, "argv": argv, "cwd": str(cwd), "env": env, "memory": memory}
        socket.send_fds(self.channel, [(json.dumps(request) + "\n").encode()], [out_w, report_w])
        os.close(out_w)
        os.close(report_w)
        output: list[str] = []
        report: list[str] = []
        readers = [
            threading.Thread(target=_drain, args=(os.fdopen(out_r, "r", encoding="utf-8", errors="replace"), output), daemon=True),
            threading.Thread(target=_drain, args=(os.fdopen(report_r, "r", encoding="utf-8", errors="replace"), report, REPORT_CAP), daemon=True),
        ]
        for reader in readers:
            reader.start()
        self.started[number].wait(30)
        pid = self.answers.get(number, {}).get("pid")
        if pid is None:
            raise EngineGone("the warm engine did not start the check")
        hold().started(pid)
        finished = self.ended[number].wait(timeout)
        code = self.answers.get(number, {}).get("exit") if finished else None
        over = hold().finished(pid)  # Kills what is left of the judge's tree (all of it on a timeout).
        if not finished:
            self.ended[number].wait(10)
        for reader in readers:
            reader.join(timeout=5)
        if finished and code is None:
            raise EngineGone("the warm engine ended during the check")
        return Run(code, "".join(output), time.monotonic() - started_at, "".join(report), over)

    def close(self) -> None:
        try:
            self.channel.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class EngineGone(Exception):
    """The engine died or stopped answering: the caller runs the step cold instead."""
