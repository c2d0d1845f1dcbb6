"""A copy of the kit in a temporary folder, and the grader run on it as a learner runs it.

Used by the tests that grade on purpose-made learner files (test_grader.py, test_honesty.py).
The MNIST file is linked, not copied.
"""

from __future__ import annotations

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
    full = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | (env or {})
    return subprocess.run([sys.executable, str(kit / "grader.py"), *args], cwd=kit, env=full, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
