"""`python grader.py class ...` and `python grader.py merge ...`: a whole class, graded and reported.

    python grader.py class SUBMISSIONS... --out report/ [--jobs J] [--shard i/N]
    python grader.py merge SHARD_DIRS... --out report/

Each SUBMISSION is one student: a folder (a copy or git clone of their kit) or a `.zip` of one,
named after the student; a single SUBMISSION that is a folder of them (`downloads/`) stands for
its entries (`downloads/*`). Every step is graded as `python grader.py --submission DIR --fresh`
grades it: this kit's tests, the learner's code in a sandbox, the verdict in a judge process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path

from mnistkit.classroom import gradebook
from mnistkit.classroom.submissions import Submission, class_folder, find_submissions, stage
from mnistkit.steps import STEPS

EXIT_OK, EXIT_USAGE = 0, 2


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python grader.py", description="Grade a whole class, or merge the shards of one.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("class", help="grade every submission; write gradebook.csv, results.jsonl and report.html")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                       help="one per student: a folder (copy or clone of their kit) or a .zip; e.g. downloads/* "
                            "(or downloads/ alone: a folder of them is graded as its entries)")
    grade.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the results go (a rerun continues there)")
    grade.add_argument("--jobs", type=int, default=2, metavar="J", help="submissions graded at once (default 2)")
    grade.add_argument("--shard", default=None, metavar="i/N", help="grade only shard i of N (every N-th student by name)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    combine = commands.add_parser("merge", help="merge the results.jsonl of several shards into one gradebook and report")
    combine.add_argument("shards", nargs="+", type=Path, metavar="SHARD_DIR", help="the --out folders of the shards")
    combine.add_argument("--out", type=Path, required=True, metavar="DIR")
    args = parser.parse_args(argv)
    if args.command == "class":
        if args.jobs < 1:
            parser.error("--jobs must be at least 1")
        if args.shard is not None:
            try:
                args.shard = gradebook.parse_shard(args.shard)
            except ValueError as error:
                parser.error(str(error))
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out}: that is a file, not a folder")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.command == "merge":
        rows, warnings = gradebook.merge(args.shards)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if not rows and warnings:
            print("python grader.py merge: error: none of the shard folders holds results; nothing written", file=sys.stderr)
            return EXIT_USAGE
        gradebook.write_results(args.out / gradebook.RESULTS, rows)
    else:
        rows = grade_class(args.submissions, args.out, args.jobs, args.shard, args.quiet)
    write_outputs(args.out, rows)
    print(f"{len(rows)} students: {args.out / gradebook.GRADEBOOK}, {args.out / gradebook.RESULTS}, {args.out / gradebook.REPORT}")
    return EXIT_OK


def write_outputs(out: Path, rows: list[dict]) -> None:
    from mnistkit.classroom.html import write_report

    gradebook.write_gradebook(out / gradebook.GRADEBOOK, rows)
    write_report(out / gradebook.REPORT, rows)


def grade_class(paths: list[Path], out: Path, jobs: int, shard: tuple[int, int] | None, quiet: bool) -> list[dict]:
    """Grade what changed since the last run in `out`, append each result as it comes, return every student's row."""
    from mnistkit.versions import kit_fingerprint
    from mnistkit.grading.grade import start_engine
    from mnistkit.grading.manifest import load_manifest

    if len(paths) == 1 and (inside := class_folder(paths[0])) is not None:
        print(f"{paths[0]} is a folder of submissions, not one: grading each of its {len(inside)} entries "
              f"(as `{paths[0].as_posix().rstrip('/')}/*` would)", file=sys.stderr)
        paths = inside
    submissions = find_submissions(paths)
    if shard is not None:
        chosen = gradebook.in_shard([s.name for s in submissions], shard)
        submissions = [s for s in submissions if s.name in chosen]
    results_path = out / gradebook.RESULTS
    known = gradebook.read_results(results_path)
    kit, manifest = kit_fingerprint(), load_manifest()
    staged = {s.name: stage(s) for s in submissions}
    todo = [s for s in submissions if known.get(s.name, {}).get("key") != staged[s.name].key(kit)]
    rows = {s.name: known[s.name] for s in submissions if s not in todo}
    print(f"{len(submissions)} submissions: {len(todo)} to grade, {len(rows)} unchanged since the last run", file=sys.stderr)
    engine = start_engine(list(STEPS)) if any(staged[s.name].files for s in todo) else None
    lock = threading.Lock()
    same = SameFiles()

    def one(submission: Submission) -> dict:
        row = grade_submission(submission, staged[submission.name], kit, manifest, engine, same)
        with lock:
            gradebook.append_result(results_path, row)
        return row

    try:
        with _progress(len(todo), quiet) as advance, ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(one, s): s for s in todo}
            try:
                for future in as_completed(futures):
                    row = future.result()
                    rows[row["student"]] = row
                    advance(row["student"])
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # What finished is in results.jsonl already.
                raise
    finally:
        if engine is not None:
            engine.close()
    return [rows[s.name] for s in submissions]


class SameFiles:
    """Each step file graded once per run: students who hand in the same bytes for a step (the
    reference solution, a file passed around) get the one verdict, which the same kit's judge
    would give them each time. A second student waits for the first one's grade."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.grades: dict[tuple[int, str], Future] = {}

    def grade(self, step_number: int, source: bytes | None, compute):
        import hashlib

        key = (step_number, "missing" if source is None else hashlib.sha256(source).hexdigest())
        with self.lock:
            future = self.grades.get(key)
            first = future is None
            if first:
                future = self.grades[key] = Future()
        if not first:
            return future.result()
        try:
            result = compute()
        except BaseException as error:
            future.set_exception(error)
            raise
        future.set_result(result)
        return result


def grade_submission(submission: Submission, staged, kit: str, manifest: dict, engine, same: SameFiles | None = None) -> dict:
    """One results.jsonl row: every step graded afresh with this kit, or the reason there is nothing to grade."""
    from mnistkit.grading.results import ERROR, StepResult
    from mnistkit.grading.grade import grade_step
    from mnistkit.grading.report import to_json

    started = time.monotonic()
    row = {"schema": gradebook.SCHEMA, "student": submission.name, "source": str(submission.source),
           "key": staged.key(kit), "problem": staged.problem, "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if staged.problem is not None:
        return row | {"status": "broken", "points": 0, "done": 0, "seconds": 0.0, "steps": []}
    with tempfile.TemporaryDirectory(prefix="mnistkit-class-") as scratch:
        folder = staged.write(Path(scratch))
        results = []
        for step in STEPS:
            if step.number in staged.step_problems:
                results.append(StepResult(step.number, step.title, ERROR, message=staged.step_problems[step.number]))
            else:
                def compute(step=step):
                    return grade_step(step, manifest, fresh=True, submission=folder, engine=engine)

                source = staged.files.get(step.number)
                results.append(compute() if same is None else same.grade(step.number, source, compute))
    summary = to_json(results)
    return row | {"status": "graded", "points": summary["points"], "done": summary["done"],
                  "seconds": round(time.monotonic() - started, 2), "steps": summary["steps"]}


class _progress:
    """A rich progress bar with ETA on stderr (a line per submission when stderr is not a terminal)."""

    def __init__(self, total: int, quiet: bool):
        self.total, self.quiet, self.bar = total, quiet, None

    def __enter__(self):
        if not self.quiet and self.total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("grading {task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                console=Console(stderr=True), redirect_stdout=False, redirect_stderr=False)
            self.bar.__enter__()
            self.task = self.bar.add_task("the class", total=self.total)
        return self.advance

    def advance(self, name: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=name)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
