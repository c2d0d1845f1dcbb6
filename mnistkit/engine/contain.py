"""The grader's hold on every process a step starts: none outlives its step, none grows past the cap.

A learner's code may start processes that leave the step's process group or session
(`start_new_session=True`, a double fork). On Linux the grader makes itself a *child subreaper*
(`prctl(PR_SET_CHILD_SUBREAPER)`): such a process, once its parent ends, becomes the grader's
child instead of init's, so the grader still sees it. After each step the grader kills the step's
whole tree, then every child of its own that it did not start itself ("strays"); a watcher thread
does the same every few tenths of a second, and adds up the memory of each step's tree.

Elsewhere (macOS) only the process group is killed; docs/how-grading-works.md says so.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
SWEEP_SECONDS = 0.2


def become_subreaper() -> bool:
    """Make orphaned descendants this process's children. True where the system allows it (Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def parent_pids() -> dict[int, int]:
    """{pid: parent pid} of every process this one can see."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name, in parentheses, may itself hold spaces and parentheses.
            fields = stat[stat.rfind(")") + 2:].split()
            parents[int(entry.name)] = int(fields[1])
    return parents


def own_children() -> set[int] | None:
    """This process's children, from what the kernel lists per thread (/proc/self/task/*/children):
    a few small reads, where `parent_pids` reads every process's stat. None where the kernel doesn't
    list them. A child that is just starting or ending may be missing from one reading."""
    found: set[int] = set()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return None
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children") as listing:
                found.update(int(pid) for pid in listing.read().split())
        except FileNotFoundError:
            if task == str(os.getpid()):
                return None  # The main thread has no such file: the kernel doesn't list children.
        except OSError:
            continue  # A thread that just ended.
    return found


def descendants(root: int, parents: dict[int, int] | None = None) -> list[int]:
    """Every process below `root` (children first found, then theirs)."""
    parents = parent_pids() if parents is None else parents
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, queue = [], [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def resident_bytes(pids: list[int]) -> int:
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
    return total


def kill_all(pids: list[int]) -> None:
    """SIGKILL each of `pids` that still exists (and may be signalled)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _reap(pid: int) -> None:
    """Collect a killed stray's exit status (only its: the grader's own children are waited for by subprocess)."""
    try:
        os.waitpid(pid, 0)
    except (ChildProcessError, OSError):
        pass


class Hold:
    """The grader's record of the steps it runs: their processes, their memory, and the strays."""

    def __init__(self, memory_cap: int) -> None:
        self.memory_cap = memory_cap
        self.linux = become_subreaper() and Path("/proc/self/stat").exists()
        self.lock = threading.Lock()
        self.running: dict[int, bool] = {}  # judge pid -> whether it went over the memory cap
        self.others: set[int] = set()  # Children the grader started for itself (not steps).
        self.stopping = False  # Set by Ctrl-C: no step may start any more.
        self._stop = threading.Event()
        if self.linux:
            threading.Thread(target=self._watch, daemon=True, name="mnistkit-hold").start()

    def spawn(self, start):
        """`start()` (which starts a step's process and returns its Popen), recorded as a running step.

        Under the lock, so that a sweep in another thread can't take the new child for a stray
        (and reap it: a reaped child reads as exit code 0)."""
        with self.lock:
            process = start()
            self.running[process.pid] = False
            return process

    def spawn_own(self, start):
        """`start()` for a process of the grader's own (the warm engine): never swept as a stray."""
        with self.lock:
            process = start()
            self.others.add(process.pid)
            return process

    def started(self, pid: int) -> None:
        """A step's process the grader did not start itself (forked by the warm engine)."""
        with self.lock:
            self.running[pid] = False

    def finished(self, pid: int) -> bool:
        """Kill what is left of the step's tree and every stray; True if it went over the memory cap."""
        with self.lock:
            over = self.running.pop(pid, False)
        self.end_tree(pid)
        self.sweep()
        return over

    def end_tree(self, pid: int) -> None:
        if not self.linux:
            return
        killed: set[int] = set()
        for _ in range(20):  # A tree that forks while it is being killed needs a few rounds.
            # A process sent SIGKILL forks no more and is gone within milliseconds; a zombie does
            # nothing more. Neither is waited for (a forked sandbox's exit takes 20-30 ms).
            tree = [p for p in descendants(pid) if p not in killed and not _is_zombie(p)]
            if not tree:
                break
            kill_all(tree)
            killed.update(tree)

    def sweep(self) -> None:
        """Kill every child of the grader that is neither a running step nor one it started itself."""
        if not self.linux:
            return
        for _ in range(20):
            parents = parent_pids()
            me = os.getpid()
            with self.lock:
                known = set(self.running) | self.others
            strays = [pid for pid, parent in parents.items() if parent == me and pid not in known]
            strays = [pid for pid in strays if not _is_zombie(pid)]
            if not strays:
                break
            for stray in strays:
                kill_all(descendants(stray, parents) + [stray])
                _reap(stray)

    def stop_all(self, final: bool = False) -> None:
        """Kill every running step's tree (a check that a newer save made moot); `final` (Ctrl-C):
        and start no step any more."""
        with self.lock:
            self.stopping = self.stopping or final
            pids = list(self.running)
        for pid in pids:
            kill_all([pid])
            self.end_tree(pid)

    def _watch(self) -> None:
        while not self._stop.wait(SWEEP_SECONDS):
            try:
                with self.lock:
                    pids = list(self.running)
                if not pids:
                    continue  # Idle (watch mode between saves): nothing to measure, no scan.
                parents = parent_pids()
                for pid in pids:
                    tree = [pid] + descendants(pid, parents)
                    if resident_bytes(tree) > self.memory_cap:
                        with self.lock:
                            if pid in self.running:
                                self.running[pid] = True
                        kill_all(tree)
            except OSError:
                continue

    def close(self) -> None:
        """At the grader's end: nothing it started, directly or not, may outlive it."""
        self._stop.set()
        self.sweep()


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2:].split()[0] == "Z"
