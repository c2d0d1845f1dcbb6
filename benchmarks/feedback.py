"""How fast is the feedback? Prints medians of repeated runs on this machine.

    python benchmarks/feedback.py [--repeats 3] [--full-repeats 3] [--skip-full]

Measures, each as the median of several runs (wall-clock, whole commands as a learner types them):
- each step's suite on the reference solution: `pytest exercises/stepN --solutions`;
- the whole grader over a complete solution, cold (`python grader.py --solutions --fresh`) and
  unchanged (`python grader.py --solutions`, from its remembered results);
- `python grader.py --full --solutions` against the same 10 epochs as a plain Keras script
  (benchmarks/plain_tutorial.py), run alternately in this same run, with the ratio of medians
  and the test accuracy the full run reached.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnistkit.steps import STEPS  # noqa: E402


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, completed


def median_of(command: list[str], repeats: int) -> tuple[float, list[float], subprocess.CompletedProcess]:
    times, last = [], None
    for _ in range(repeats):
        seconds, last = timed(command)
        times.append(seconds)
    return statistics.median(times), times, last


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full-repeats", type=int, default=3)
    parser.add_argument("--skip-full", action="store_true")
    args = parser.parse_args()
    py = sys.executable
    print(f"mnistkit feedback benchmark: {os.cpu_count()} cores, python {sys.version.split()[0]}, medians of {args.repeats}")
    print("\nEach step's suite on the reference solution (pytest exercises/stepN --solutions):")
    for step in STEPS:
        median, times, last = median_of([py, "-m", "pytest", f"exercises/{step.folder}", "--solutions", "-q"], args.repeats)
        status = "ok" if last.returncode == 0 else f"FAILED (exit {last.returncode})"
        print(f"  step {step.number}: {median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)}) {status}")

    print("\nThe whole grader over the complete solution:")
    cold, times, last = median_of([py, "grader.py", "--solutions", "--fresh"], args.repeats)
    print(f"  cold (--fresh):   {cold:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)}) exit {last.returncode}")
    warm, times, last = median_of([py, "grader.py", "--solutions"], args.repeats)
    print(f"  unchanged rerun:  {warm:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)}) exit {last.returncode}")

    if args.skip_full:
        return 0
    print(f"\n--full --solutions against the plain Keras script, alternating, {args.full_repeats} runs each:")
    full_times, plain_times, accuracies = [], [], []
    for _ in range(args.full_repeats):
        seconds, completed = timed([py, "grader.py", "--full", "--solutions", "--json", "--out", "/tmp/mnistkit-bench-run"])
        full_times.append(seconds)
        accuracies.append(json.loads(completed.stdout)["full"].get("test_accuracy", float("nan")))
        seconds, completed = timed([py, "benchmarks/plain_tutorial.py"])
        plain_times.append(seconds)
    full, plain = statistics.median(full_times), statistics.median(plain_times)
    print(f"  grader --full:  {full:6.2f} s  (runs: {', '.join(f'{t:.1f}' for t in full_times)})")
    print(f"  plain script:   {plain:6.2f} s  (runs: {', '.join(f'{t:.1f}' for t in plain_times)})")
    print(f"  ratio of medians: {full / plain:.3f}")
    print(f"  test accuracy of the full runs: {', '.join(f'{a * 100:.2f}%' for a in accuracies)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
