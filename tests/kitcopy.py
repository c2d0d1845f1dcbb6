"""A copy of the kit in a temporary folder, and the grader run on it as a learner runs it.

Used by the tests that grade on purpose-made learner files (test_grader.py, test_honesty.py).
The MNIST file is linked, not copied.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.steps import STEPS


def make_kit(root: Path, solved: bool = False) -> Path:
    """A copy of the kit at `root`: grader, support package, exercises, solutions, and what pytest reads."""
    for name in ("grader.py", "conftest.py", "pyproject.toml"):
        shutil.copy(KIT_ROOT / name, root / name)
    shutil.copytree(KIT_ROOT / "mnistkit", root / "mnistkit", ignore=shutil.ignore_patterns("__pycache__", "mnist.npz"))
    (root / "mnistkit" / "data" / "mnist.npz").symlink_to(KIT_ROOT / "mnistkit" / "data" / "mnist.npz")
    for side in ("exercises", "solutions"):
        shutil.copytree(KIT_ROOT / side, root / side, ignore=shutil.ignore_patterns("__pycache__"))
    if solved:
        for step in STEPS:
            shutil.copy(step.learner_file(True, root), step.learner_file(False, root))
    return root


def grader(kit: Path, *args: str, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python grader.py ARGS` in `kit`, with `env` added to this process's environment."""
    # CI=true is dropped (there `--step N` counts): a test that wants it passes it in `env`.
    full = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")} | (env or {})
    return subprocess.run([sys.executable, str(kit / "grader.py"), *args], cwd=kit, env=full, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def processes() -> dict[int, tuple[int, str]]:
    """{pid: (parent pid, command line)} of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline)
    return found


def engines_of(kit: Path) -> list[int]:
    """The warm engines started for the kit copy at `kit`: each runs in its kit's folder, and the
    grader's own is a child of a process there. An engine is not dumpable, so a user other than
    root can't read its folder: a shared engine is also known by the name it listens on."""
    names = {f"--listen {name}" for name in listen_names(kit)}
    found = []
    for pid, (parent, cmdline) in processes().items():
        if "mnistkit.engine.zygote" in cmdline and (str(kit) in (folder_of(pid), folder_of(parent))
                                                     or any(name in cmdline for name in names)):
            found.append(pid)
    return found


def folder_of(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return None


@functools.lru_cache(maxsize=None)
def listen_names(kit: Path) -> tuple[str, ...]:
    """The name the shared engine of the kit copy at `kit` listens on, as its grader computes it
    (once per copy: a test that changes the kit's code finds that copy's engines by folder)."""
    if not (kit / "mnistkit").is_dir():
        return ()
    code = "from mnistkit.engine.warm import shared_name; print(shared_name().lstrip(chr(0)))"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(kit)}
    completed = subprocess.run([sys.executable, "-c", code], cwd=kit, env=env, capture_output=True, text=True, timeout=60)
    return (completed.stdout.strip(),) if completed.returncode == 0 and completed.stdout.strip() else ()


def stop_engines(kit: Path) -> None:
    """Stop the shared engines the grader started for the kit copy at `kit`: left alone, each
    would idle five minutes after the test (with about 700 MB)."""
    import signal

    for pid in engines_of(kit):
        os.kill(pid, signal.SIGKILL)
