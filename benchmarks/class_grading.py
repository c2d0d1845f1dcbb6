"""Seconds per submission when grading a class: `python grader.py class` with --jobs 1 and --jobs 2.

    python benchmarks/class_grading.py [--jobs 1,2] [--complete N]

The class is tests/classfixture.py's 14 submissions (2 with every step solved, 9 with steps 1-2
and sometimes 3 worked, 3 broken), graded from scratch into a fresh folder for each --jobs value,
one after the other; then once more into the first folder, where nothing changed (the rerun).
`--complete N`: instead, N submissions with every step solved, each file with a comment of its
own (so no two submissions share a step file, while their models are the same), as a class that
followed the tutorial hands it in. Seconds per submission per core: wall-clock x jobs / submissions.
Don't edit the kit while it runs: a change to mnistkit/ changes every submission's key.
Wall-clock seconds of the whole command, divided by the number of submissions.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from classfixture import kit_copy, make_class  # noqa: E402
from mnistkit.steps import STEPS  # noqa: E402
from mnistkit.classroom.gradebook import read_results  # noqa: E402


def run(paths: list[Path], out: Path, jobs: int) -> float:
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, str(ROOT / "grader.py"), "class", *map(str, paths), "--out", str(out),
                                "--jobs", str(jobs), "--quiet"], cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"grader.py class failed: {completed.stderr[-2000:]}")
    return time.perf_counter() - started


def complete_class(root: Path, count: int) -> list[Path]:
    """`count` submissions with every step solved, each step file ending in a comment of its own."""
    paths = []
    for number in range(count):
        folder = kit_copy(root / f"student{number:02d}", {step.number: "solution" for step in STEPS})
        for step in STEPS:
            path = step.exercise_dir(folder) / step.file
            path.write_text(path.read_text() + f"\n# handed in by student {number}\n")
        paths.append(folder)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values to compare (default 1,2)")
    parser.add_argument("--complete", type=int, metavar="N", help="a class of N complete solutions, every file its own")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        paths = complete_class(Path(scratch) / "class", args.complete) if args.complete else make_class(Path(scratch) / "class")
        first = None
        for jobs in [int(j) for j in args.jobs.split(",")]:
            out = Path(scratch) / f"out-jobs{jobs}"
            seconds = run(paths, out, jobs)
            first = first or out
            totals = sorted(row["points"] for row in read_results(out / "results.jsonl").values())
            print(f"--jobs {jobs}: {seconds:.1f} s for {len(paths)} submissions, {seconds / len(paths):.2f} s per submission, "
                  f"{seconds * jobs / len(paths):.2f} s per submission per core"
                  f" (totals {totals})")  # The same totals for every --jobs, or something went wrong.
        seconds = run(paths, first, 1)
        print(f"rerun, nothing changed: {seconds:.1f} s for {len(paths)} submissions")


if __name__ == "__main__":
    main()
