"""How fast is the feedback? Medians of repeated runs on this machine, compared side by side.

    python benchmarks/feedback.py [--repeats 5] [--baseline REV] [--steps 1,3,7] [--full]

Every figure is the median of wall-clock runs of a whole command, as a learner types it. Where a
comparison is asked for, the commands being compared run alternately in this same run:
- each step's suite on the reference solution, `pytest exercises/stepN --solutions`;
- the whole grader over the complete solution, `python grader.py --solutions --fresh`: with the
  warm engine (the default), cold (MNISTKIT_COLD=1, every step a fresh process), and unchanged
  (`python grader.py --solutions`, from remembered results);
- with `--baseline REV`, the same commands on the kit as it was at git revision REV (checked
  out into a temporary worktree), alternating with today's;
- the memory of the idle warm engine (resident set size, once it is ready);
- with `--full`, `python grader.py --full --solutions` against the same 10 epochs as a plain
  Keras script (benchmarks/plain_tutorial.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnistkit.steps import STEPS  # noqa: E402


def timed(command: list[str], root: Path, extra: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "3", **(extra or {})}
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, completed


def side_by_side(label: str, variants: dict[str, tuple[list[str], Path, dict]], repeats: int) -> dict[str, float]:
    """Run each variant's command in turn, `repeats` rounds; print and return the medians."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    failed: dict[str, int] = {}
    for _ in range(repeats):
        for name, (command, root, extra) in variants.items():
            seconds, completed = timed(command, root, extra)
            times[name].append(seconds)
            if completed.returncode != 0:
                failed[name] = completed.returncode
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"  {label}")
    for name, values in times.items():
        note = f"  FAILED (exit {failed[name]})" if name in failed else ""
        print(f"    {name:<22} {medians[name]:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in values)}){note}")
    return medians


def engine_memory() -> float:
    """MiB resident in the idle warm engine, once it has loaded everything."""
    from mnistkit.engine.warm import Engine
    from mnistkit.engine.processes import isolated_env
    from mnistkit.grading.verdict import JUDGE_MODULES

    engine = Engine(isolated_env(), ROOT, preload=JUDGE_MODULES)
    try:
        if not engine.usable():
            return float("nan")
        pages = int(Path(f"/proc/{engine.pid}/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    finally:
        engine.close()


def baseline_tree(revision: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="mnistkit-baseline-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), revision], cwd=ROOT, check=True, capture_output=True)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", metavar="REV", help="compare with the kit at this git revision")
    parser.add_argument("--steps", default=",".join(str(s.number) for s in STEPS), help="steps whose suites to time, e.g. 1,3,7")
    parser.add_argument("--full", action="store_true", help="also time --full against the plain Keras script")
    args = parser.parse_args()
    py = sys.executable
    base = baseline_tree(args.baseline) if args.baseline else None
    print(f"mnistkit feedback benchmark: {os.cpu_count()} cores, python {sys.version.split()[0]}, medians of {args.repeats}"
          + (f", baseline {args.baseline}" if base else ""))
    try:
        print("\nEach step's suite on the reference solution (pytest exercises/stepN --solutions):")
        for number in [int(n) for n in args.steps.split(",")]:
            command = [py, "-m", "pytest", f"exercises/step{number}", "--solutions", "-q"]
            variants = {"today": (command, ROOT, {})}
            if base:
                variants["baseline"] = (command, base, {})
            side_by_side(f"step {number}", variants, args.repeats)

        print("\nThe whole grader over the complete solution (python grader.py --solutions --fresh):")
        command = [py, "grader.py", "--solutions", "--fresh"]
        variants = {"warm engine": (command, ROOT, {}), "cold (MNISTKIT_COLD=1)": (command, ROOT, {"MNISTKIT_COLD": "1"})}
        if base:
            variants["baseline"] = (command, base, {})
        side_by_side("complete solution", variants, args.repeats)
        side_by_side("unchanged rerun (python grader.py --solutions)", {"today": ([py, "grader.py", "--solutions"], ROOT, {})}, args.repeats)
        print(f"\nIdle warm engine: {engine_memory():.0f} MiB resident")

        if args.full:
            print("\n--full --solutions against the plain Keras script, alternating:")
            out = tempfile.mkdtemp(prefix="mnistkit-bench-run-")
            side_by_side("10 epochs", {"grader --full": ([py, "grader.py", "--full", "--solutions", "--json", "--out", out], ROOT, {}),
                                       "plain script": ([py, "benchmarks/plain_tutorial.py"], ROOT, {})}, args.repeats)
            print(f"  test accuracy: {json.loads(Path(out, 'summary.json').read_text()).get('test_accuracy', 'n/a') if Path(out, 'summary.json').exists() else 'see the JSON output'}")
    finally:
        if base:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
