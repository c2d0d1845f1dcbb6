"""Running a command apart and held: its own process group, a memory ceiling, its output read
without blocking and capped, and nothing it started left running at its end.

The grader runs each step's judge this way (cold), and the warm engine holds the judges it forks
with the same caps, so a step gets the same limits whichever way it runs.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.engine.contain import Hold

OUTPUT_CAP = 64_000  # Characters of a step's own output kept; the rest is read and dropped.
REPORT_CAP = 4_000_000  # Characters of a suite's report read; a longer one is not the kit's.
MEMORY_CAP = 6 * 2**30  # Bytes of address space one process of a step may use (TensorFlow needs ~2 GiB).
# Bytes of memory the whole tree of a step (the suite, the learner's sandbox and anything they
# start) may hold at once; a judge and a sandbox with TensorFlow hold about 1.5 GiB together.
TREE_MEMORY_CAP = 8 * 2**30

def isolated_env() -> dict[str, str]:
    """The environment of a step run: no auto-loaded third-party plugins, quiet TensorFlow."""
    env = dict(os.environ)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    env["MPLBACKEND"] = "Agg"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPATH", None)
    # The kit itself must be importable even when it is not installed.
    env["PYTHONPATH"] = str(KIT_ROOT)
    return env



def limit_resources() -> None:
    """In the child, before the suite starts: its own process group and a memory ceiling."""
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def drain(stream, sink: list[str], limit: int = OUTPUT_CAP) -> None:
    """Read everything the child writes (so it never blocks) but keep only `limit` characters."""
    kept = 0
    for chunk in iter(lambda: stream.read(8192), ""):
        if kept < limit:
            sink.append(chunk[: limit - kept])
            kept += len(sink[-1])


_hold: Hold | None = None
_hold_lock = threading.Lock()


def hold() -> Hold:
    """The grader's hold on the processes of its steps: one per grader process, whichever thread
    asks first. Two would each take the other's running steps for strays and kill them (a step
    killed so reads as exit code 0 with no report: 'the suite crashed before reporting')."""
    global _hold
    with _hold_lock:
        if _hold is None:
            _hold = Hold(TREE_MEMORY_CAP)
        return _hold


@dataclass
class Run:
    code: int | None  # None: killed at the time limit.
    output: str
    seconds: float
    report: str = ""  # What the suite wrote on the report pipe.
    over_memory: bool = False


def run_isolated(command: list[str], cwd: Path, timeout: float, report_pipe: bool = False) -> Run:
    """A command in its own process group, held: at its end nothing it started is left running.

    With `report_pipe`, the command gets a pipe for its report as `{report}` in its arguments:
    a file descriptor only it holds, which no path leads to."""
    started = time.monotonic()
    if hold().stopping:
        return Run(None, "stopped before it started (Ctrl-C)", 0.0)
    read_end = write_end = None
    if report_pipe:
        read_end, write_end = os.pipe()
        command = [part.replace("{report}", str(write_end)) for part in command]
    process = hold().spawn(lambda: subprocess.Popen(
        command, cwd=cwd, env=isolated_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace", preexec_fn=limit_resources,
        pass_fds=(write_end,) if report_pipe else (),
    ))
    output: list[str] = []
    readers = [threading.Thread(target=drain, args=(process.stdout, output), daemon=True)]
    report: list[str] = []
    if report_pipe:
        os.close(write_end)
        readers.append(threading.Thread(target=drain, args=(os.fdopen(read_end, "r", encoding="utf-8", errors="replace"), report, REPORT_CAP), daemon=True))
    for reader in readers:
        reader.start()
    try:
        code: int | None = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # Whatever is left of its process group,
        except (ProcessLookupError, PermissionError):
            pass
        over = hold().finished(process.pid)  # and of its tree, and anything that left both.
        process.wait()
    for reader in readers:
        reader.join(timeout=5)
    return Run(code, "".join(output), time.monotonic() - started, "".join(report), over)
