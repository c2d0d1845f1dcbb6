"""Watch mode's save-to-verdict time: how long after a save `python grader.py --watch` shows the verdict.

    python benchmarks/watch_latency.py [--repeats 5] [--steps 1,2,3,4,5,6,7,8] [--cold]

On a copy of the kit with every step solved, it starts the watch, waits until it watches, then for
each step saves the step's file again (the same code with one comment changed) and times the gap
until the watch prints that step's verdict. Medians of `--repeats` saves per step. `--cold` runs
the watch with MNISTKIT_COLD=1 (no warm engine), for the side-by-side figure.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnistkit.steps import STEPS, get_step  # noqa: E402


def kit_copy(folder: Path) -> Path:
    for name in ("grader.py", "conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "mnistkit", folder / "mnistkit", ignore=shutil.ignore_patterns("__pycache__"))
    for side in ("exercises", "solutions"):
        shutil.copytree(ROOT / side, folder / side, ignore=shutil.ignore_patterns("__pycache__"))
    for step in STEPS:
        shutil.copy(step.learner_file(True, folder), step.learner_file(False, folder))
    return folder


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", default="1,2,3,4,5,6,7,8")
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()
    kit = kit_copy(Path(tempfile.mkdtemp(prefix="mnistkit-watch-")))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | ({"MNISTKIT_COLD": "1"} if args.cold else {})
    watch = subprocess.Popen([sys.executable, "grader.py", "--watch"], cwd=kit, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    threading.Thread(target=lambda: [lines.put((time.monotonic(), line)) for line in watch.stdout], daemon=True).start()

    def wait_for(text: str, limit: float = 600) -> float:
        deadline = time.monotonic() + limit
        while True:
            stamp, line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if text in line:
                return stamp

    try:
        wait_for("Watching")
        time.sleep(8)  # The shared warm engine finishes loading in the background.
        print(f"watch ({'cold' if args.cold else 'warm engine'}): save-to-verdict, medians of {args.repeats}")
        for number in [int(n) for n in args.steps.split(",")]:
            step = get_step(number)
            path = step.learner_file(root=kit)
            source = path.read_text()
            times = []
            for count in range(args.repeats):
                while not lines.empty():
                    lines.get_nowait()
                saved = time.monotonic()
                path.write_text(source + f"\n# save {count}\n")
                verdict = wait_for(f"step {number} (")
                times.append(verdict - saved)
                time.sleep(0.5)
            print(f"  step {number}: {statistics.median(times):5.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})", flush=True)
    finally:
        watch.terminate()
        watch.wait(timeout=10)
        shutil.rmtree(kit, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
