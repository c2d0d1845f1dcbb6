"""How fast is the feedback? Medians of repeated runs on this machine, compared side by side.

    python benchmarks/feedback.py [--repeats 3] [--baseline REV] [--steps 1,3,7] [--only grades,steps,watch,class,full]

Every figure is the median of wall-clock runs of a whole command, as a learner or a teacher types
it. Where a comparison is asked for, the commands being compared run alternately in this same run,
and the figures the kit's goals name are also given as a multiple of a cold `import tensorflow,
keras` measured in the same run:
- a grade that counts over the complete solution, `python grader.py --solutions --fresh`:
  - with the warm engine, as if it were the engine's first grade: MNISTKIT_KEEP=0 keeps its judges
    from giving it what they trained (mnistkit/memo.py), so every run trains everything;
  - with the warm engine as the last grade left it: what a repeated grade, or the next student
    of a class with the same model, pays;
  - on a new machine: no engine running and an empty training cache;
  - cold (MNISTKIT_COLD=1, every step a fresh process);
- the unchanged rerun, `python grader.py --solutions`, from remembered results;
- each step's suite, `pytest exercises/stepN --solutions`, right after the grader (engine up);
- with `--baseline REV`, the same commands on the kit at git revision REV (checked out into a
  temporary worktree), alternating with today's;
- the memory of the idle warm engine (resident set size, once it is ready);
- watch mode's save-to-verdict on steps 6 and 7 (benchmarks/watch_latency.py);
- class grading, on benchmarks/class_grading.py's class and on a class of complete solutions;
- `python grader.py --full --solutions` against the same 10 epochs as a plain Keras script
  (benchmarks/plain_tutorial.py).
`--only` picks sections (default: grades,steps; the others take minutes each).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnistkit.steps import STEPS  # noqa: E402
from tests.kitcopy import engines_of  # noqa: E402

Variant = tuple[list[str], Path, dict, Callable[[], None] | None]  # command, folder, extra env, untimed set-up


def timed(command: list[str], root: Path, extra: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "3", **(extra or {})}
    env.pop("CI", None)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, completed


def side_by_side(label: str, variants: dict[str, Variant], repeats: int, unit: float | None = None) -> dict[str, float]:
    """Run each variant's command in turn (after its set-up, untimed), `repeats` rounds; print and
    return the medians, and each as a multiple of `unit` (a cold TensorFlow import) when given."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    failed: dict[str, int] = {}
    for _ in range(repeats):
        for name, (command, root, extra, set_up) in variants.items():
            if set_up is not None:
                set_up()
            seconds, completed = timed(command, root, extra)
            times[name].append(seconds)
            if completed.returncode != 0:
                failed[name] = completed.returncode
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"  {label}")
    for name, values in times.items():
        note = f"  FAILED (exit {failed[name]})" if name in failed else ""
        ratio = f"  = {medians[name] / unit:.2f}x a cold TF import" if unit else ""
        print(f"    {name:<34} {medians[name]:6.2f} s{ratio}  (runs: {', '.join(f'{t:.2f}' for t in values)}){note}", flush=True)
    return medians


def stop_engine(root: Path) -> None:
    """Stop the shared warm engine of the kit at `root`, and wait until it is gone."""
    for pid in engines_of(root):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while engines_of(root) and time.monotonic() < deadline:
        time.sleep(0.05)


def engine_up(root: Path, command: list[str]) -> Callable[[], None]:
    """A set-up for a kit that can't be told to start its engine alone: `command` run once, untimed,
    when no engine of the kit at `root` is running."""
    def set_up() -> None:
        if not engines_of(root):
            timed(command, root)
    return set_up


def new_machine(root: Path, env: dict[str, str]) -> Callable[[], None]:
    """A set-up: no engine of the kit at `root` running, and `env` naming a new, empty training cache."""
    def set_up() -> None:
        stop_engine(root)
        env["MNISTKIT_CACHE"] = tempfile.mkdtemp(prefix="mnistkit-bench-cache-")
    return set_up


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


def run_script(args: list[str]) -> None:
    completed = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    print("\n".join("  " + line for line in (completed.stdout + completed.stderr[-2000:] * (completed.returncode != 0)).splitlines()), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="compare with the kit at this git revision")
    parser.add_argument("--steps", default=",".join(str(s.number) for s in STEPS), help="steps whose suites to time, e.g. 1,3,7")
    parser.add_argument("--only", default="grades,steps", help="sections: grades, steps, watch, class, full (comma-separated)")
    parser.add_argument("--jobs", type=int, help="grade with --jobs J on both sides (else each kit's own default)")
    args = parser.parse_args()
    sections = set(args.only.split(","))
    py = sys.executable
    base = baseline_tree(args.baseline) if args.baseline else None
    print(f"mnistkit feedback benchmark: {os.cpu_count()} cores, python {sys.version.split()[0]}, medians of {args.repeats}"
          + (f", baseline {args.baseline}" if base else ""), flush=True)
    try:
        unit = side_by_side("cold `import tensorflow, keras` (the unit of the goals)",
                            {"python -c 'import tensorflow, keras'": ([py, "-c", "import tensorflow, keras"], ROOT, {}, None)},
                            args.repeats)["python -c 'import tensorflow, keras'"]

        if "grades" in sections:
            grades(py, unit, base, args.repeats, ["--jobs", str(args.jobs)] if args.jobs else [])
        if "steps" in sections:
            suites(py, unit, base, args.repeats, [int(n) for n in args.steps.split(",")])
            print(f"\nIdle warm engine: {engine_memory():.0f} MiB resident", flush=True)
        if "watch" in sections:
            print("\nWatch mode (benchmarks/watch_latency.py):")
            run_script(["benchmarks/watch_latency.py", "--steps", "6,7", "--repeats", str(args.repeats)])
        if "class" in sections:
            print("\nClass grading (benchmarks/class_grading.py):")
            run_script(["benchmarks/class_grading.py", "--jobs", "1,2"])
            run_script(["benchmarks/class_grading.py", "--jobs", "1,2", "--complete", "6"])
        if "full" in sections:
            print("\n--full --solutions against the plain Keras script, alternating:")
            out = tempfile.mkdtemp(prefix="mnistkit-bench-run-")
            side_by_side("10 epochs", {"grader --full": ([py, "grader.py", "--full", "--solutions", "--json", "--out", out], ROOT, {}, None),
                                       "plain script": ([py, "benchmarks/plain_tutorial.py"], ROOT, {}, None)}, args.repeats)
    finally:
        if base:
            stop_engine(base)
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True)
    return 0


def grades(py: str, unit: float, base: Path | None, repeats: int, jobs: list[str]) -> None:
    grade = [py, "grader.py", "--solutions", "--fresh", *jobs]
    print(f"\nA grade that counts over the complete solution (python {' '.join(grade[1:])}):")
    variants: dict[str, Variant] = {
        "engine warm, as its first grade": (grade, ROOT, {"MNISTKIT_KEEP": "0"}, engine_up(ROOT, grade)),
        "engine warm, repeated grade": (grade, ROOT, {}, None),
    }
    if base:
        variants["baseline, engine warm"] = (grade, base, {}, engine_up(base, grade))
    side_by_side("engine warm", variants, repeats, unit)
    ours: dict[str, str] = {}
    theirs: dict[str, str] = {}
    variants = {"new machine (no engine, empty cache)": (grade, ROOT, ours, new_machine(ROOT, ours))}
    if base:
        variants["baseline, new machine"] = (grade, base, theirs, new_machine(base, theirs))
    side_by_side("engine down", variants, repeats, unit)
    side_by_side("cold", {"MNISTKIT_COLD=1": (grade, ROOT, {"MNISTKIT_COLD": "1"}, None)}, repeats, unit)
    side_by_side("unchanged rerun (python grader.py --solutions)", {"today": ([py, "grader.py", "--solutions", *jobs], ROOT, {}, None)},
                 repeats, unit)


def suites(py: str, unit: float, base: Path | None, repeats: int, steps: list[int]) -> None:
    print("\nEach step's suite on the reference solution right after the grader, engine up (pytest exercises/stepN --solutions):")
    for number in steps:
        command = [py, "-m", "pytest", f"exercises/step{number}", "--solutions", "-q"]
        variants: dict[str, Variant] = {"today": (command, ROOT, {}, None)}
        if base:
            variants["baseline"] = (command, base, {}, None)
        side_by_side(f"step {number}", variants, repeats, unit)


if __name__ == "__main__":
    raise SystemExit(main())
