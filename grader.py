"""mnistkit's grader: where you stand, what to do next.

    python grader.py                 progress over all eight steps, and the next thing to do
    python grader.py --step 3        grade one step
    python grader.py --hint 3        the next hint for step 3 (one more each time)
    python grader.py --compare 3     your file beside the reference solution
    python grader.py --watch         re-check a step each time you save a file in exercises/
    python grader.py --json          one JSON object on stdout (for GitHub Classroom and scripts)
    python grader.py --full          run your functions end to end, as the tutorial does
    python grader.py --solutions     grade the reference solutions instead of your files
    python grader.py --fresh         run every suite again, ignoring remembered results (a grade that counts)
    python grader.py --seed N        a grade that counts, its held-out inputs drawn from seed N (to reproduce one)
    python grader.py class SUBMISSIONS... --out DIR   grade a whole class (teachers; see the README)
    python grader.py merge SHARD_DIRS... --out DIR    merge the shards of a class graded in parts
    python grader.py gradescope [--out ZIP]           a Gradescope autograder of this kit, without solutions/
    python grader.py --notebook NB   grade the functions defined in the notebook NB.ipynb (no cell is run)

Exit code: 0 when every graded step is done, 1 when not, 2 for a usage error, 3 when the kit
itself could not grade (its installation: the message says what to fix).
The grader never imports TensorFlow; each step's suite runs in its own, capped process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

from mnistkit.grading.results import DONE, KIT_FAULT, ResultCache, StepResult
from mnistkit.grading.grade import grade_step, known_without_running, start_engine
from mnistkit.engine.processes import hold
from mnistkit.grading.manifest import load_manifest
from mnistkit.grading.nextstep import remembered
from mnistkit.grading.report import render_table, to_json
from mnistkit.steps import STEPS, Step, get_step

EXIT_DONE, EXIT_NOT_DONE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_KIT_ERROR = 3  # The kit or its installation could not grade (not the learner's code).

# Steps graded at once. A step's judge keeps a core busy only part of the time (it waits for its
# sandbox, and TensorFlow's small ops leave the second core idle), so one more step than there are
# cores fills them: measured on 2 cores, a warm grade that counts took 7.3 s at 3 against 8.5 s at
# 2 (the same 13.4 s of CPU), a cold one 26.8 s against 28-30 s; 4 was slower again (7.8 s).
DEFAULT_JOBS = min((os.cpu_count() or 1) + 1, 4)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python grader.py",
        description="Grade the mnistkit exercises and say what to do next.",
        epilog="Exit code: 0 when every graded step is done, 1 when not, 2 for a usage error, 3 when the kit itself could not grade.",
    )
    parser.add_argument("--step", type=int, metavar="N", help="grade only step N")
    parser.add_argument("--solutions", action="store_true", help="grade solutions/ instead of exercises/")
    parser.add_argument("--hint", type=int, metavar="N", help="show the next hint for step N (one more each call)")
    parser.add_argument("--compare", type=int, metavar="N", help="show a diff of your step N file against the solution")
    parser.add_argument("--yes", action="store_true", help="with --compare: don't ask before showing an unfinished step's solution")
    parser.add_argument("--watch", action="store_true", help="re-check the step whose file you save, until Ctrl-C")
    parser.add_argument("--json", action="store_true", help="print only one JSON object on stdout")
    parser.add_argument("--full", action="store_true", help="run your functions end to end as the tutorial does (10 epochs)")
    parser.add_argument("--out", metavar="DIR", default=None, help="with --full: where to write the figures and summary (default: mnistkit-run/)")
    parser.add_argument("--epochs", type=int, default=None, help=argparse.SUPPRESS)  # For the kit's own tests of --full,
    parser.add_argument("--images", type=int, default=None, help=argparse.SUPPRESS)  # as is this (training images).
    parser.add_argument("--fresh", action="store_true", help="ignore remembered results and run every suite again")
    parser.add_argument("--seed", type=int, default=None, metavar="N",
                        help="grade afresh, drawing each step's held-out inputs from seed N (the seed a JSON result "
                             "names), to reproduce a grade that counts")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, metavar="J",
                        help=f"steps graded at once (default {DEFAULT_JOBS}: one more than this machine's cores, at most 4)")
    parser.add_argument("--submission", metavar="DIR", default=None,
                        help="grade the exercises/stepN files found in DIR with this kit's tests (for teachers and CI); "
                             "nothing else of DIR is read or run")
    parser.add_argument("--notebook", metavar="PATH.ipynb", default=None,
                        help="grade each step's functions as the notebook's cells define them (their imports, functions "
                             "and constants; no cell is run), with --step, --json and --jobs")
    parser.add_argument("--interval", type=float, default=0.025, help=argparse.SUPPRESS)  # --watch polling period (a look costs 0.5 ms).
    args = parser.parse_args(argv)
    for option in ("step", "hint", "compare"):
        number = getattr(args, option)
        if number is not None and not 1 <= number <= len(STEPS):
            parser.error(f"--{option} {number}: the steps are numbered 1 to {len(STEPS)}")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.seed is not None:
        if args.watch or args.full or args.hint or args.compare:
            parser.error("--seed goes with a grade: --step, --json, --solutions, --submission, --notebook and --jobs")
        if not 0 <= args.seed < 2**32:
            parser.error("--seed N: N is a whole number from 0 to 4294967295")
        args.fresh = True  # Held-out inputs are drawn in a grade that counts only.
    if args.submission is not None:
        from pathlib import Path

        if not (Path(args.submission) / "exercises").is_dir():
            parser.error(f"--submission {args.submission}: no exercises/ folder there (expected a copy of a learner's kit)")
        if args.solutions or args.watch or args.full or args.hint or args.compare:
            parser.error("--submission grades; it goes with --step, --json and --jobs only")
        args.submission = Path(args.submission).resolve()
        args.fresh = True  # A submission is always graded afresh: nothing remembered counts.
    if args.notebook is not None:
        from pathlib import Path

        if args.submission or args.solutions or args.watch or args.full or args.hint or args.compare:
            parser.error("--notebook grades; it goes with --step, --json and --jobs only")
        if not Path(args.notebook).is_file():
            parser.error(f"--notebook {args.notebook}: no such file")
        args.fresh = True
    return args


_print_lock = threading.Lock()


def progress(message: str, quiet: bool) -> None:
    """A progress line on stderr (so stdout stays clean for --json); steps finish in parallel."""
    if not quiet:
        with _print_lock:
            print(message, file=sys.stderr, flush=True)


class Interrupted(Exception):
    """Ctrl-C while grading: the steps graded so far."""

    def __init__(self, results: list[StepResult]) -> None:
        super().__init__("interrupted")
        self.results = results


def grade(steps: list[Step], solutions: bool, fresh: bool, jobs: int, quiet: bool, submission=None,
          shared: bool = False, seed: int | None = None) -> list[StepResult]:
    """Grade `steps`, `jobs` at a time. `shared`: use (and leave running) the warm engine that this
    user's interactive checks share. `seed`: of the held-out inputs of a grade that counts (else
    each step draws its own). Ctrl-C stops every running step at once (Interrupted)."""
    manifest = load_manifest()
    cache = ResultCache()
    # An engine only for steps whose suites will run (not untouched stubs, not remembered results).
    to_run = [s for s in steps if known_without_running(s, manifest, solutions, cache, fresh, submission) is None]
    engine = start_engine(to_run, shared=shared)

    def one(step: Step) -> StepResult:
        result = grade_step(step, manifest, solutions=solutions, cache=cache, fresh=fresh, engine=engine, submission=submission,
                            seed=seed)
        how = "remembered" if result.cached else (f"{result.seconds:.1f} s" if result.seconds else "untouched stub" if result.status == "not-started" else "not run")
        progress(f"  step {step.number}: {result.status} ({how})", quiet or hold().stopping)
        return result

    progress(f"Grading {len(steps)} step{'s' if len(steps) != 1 else ''}…", quiet)
    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = [pool.submit(one, step) for step in steps]
    try:
        for _ in as_completed(futures):
            pass
        return [future.result() for future in futures]
    except KeyboardInterrupt:
        finished = [f.result() for f in futures if f.done() and not f.cancelled() and f.exception() is None]
        hold().stop_all(final=True)  # The running steps end now, not when their suites would have.
        if engine is not None:
            engine.close()  # Steps still waiting for the engine to start go on (and stop at once).
        pool.shutdown(wait=False, cancel_futures=True)
        raise Interrupted(finished) from None
    finally:
        pool.shutdown(wait=False)
        if engine is not None:
            engine.close()


def main(argv: list[str]) -> int:
    if argv[:1] in (["class"], ["merge"]):  # The teacher's commands: mnistkit/classroom/cli.py.
        from mnistkit.classroom.cli import main as classroom_main

        return classroom_main(argv)
    if argv[:1] == ["gradescope"]:  # The teacher's Gradescope autograder: mnistkit/classroom/gradescope.py.
        from mnistkit.classroom.gradescope import main as gradescope_main

        return gradescope_main(argv[1:])
    args = parse_args(argv)
    # Ctrl-C stops the grader even where it was started with SIGINT ignored (a shell's background
    # job, some CI runners), which Python would otherwise inherit.
    import signal

    signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.hint is not None:
        from mnistkit.commands.hint import show_hint

        return show_hint(args.hint)
    if args.compare is not None:
        from mnistkit.commands.compare import compare

        return compare(args.compare, args.yes)
    if args.watch:
        from mnistkit.commands.watch import watch

        return watch(args.interval, args.jobs)
    if args.full:
        from mnistkit.commands.full_run import run_full

        return run_full(solutions=args.solutions, out=args.out, as_json=args.json, epochs=args.epochs, images=args.images)
    steps = [get_step(args.step)] if args.step else list(STEPS)
    # A grade for a machine or a teacher (--json, --submission, --step in CI) never uses remembered results.
    fresh = args.fresh or args.json or (args.step is not None and os.environ.get("CI") == "true")
    from mnistkit.versions import version_note

    note = version_note()
    if note:
        print(note, file=sys.stderr)
    interactive = not (args.json or args.submission or args.step or args.notebook)
    try:
        if args.notebook is not None:
            from mnistkit.notebook.extract import NotebookError, notebook_submission

            try:
                with notebook_submission(args.notebook) as (folder, read):
                    progress(f"From {args.notebook}: " + "; ".join(f"step {n} {cells}" for n, cells in read.items() if any(s.number == n for s in steps)), args.json)
                    results = grade(steps, False, True, args.jobs, quiet=args.json, submission=folder, seed=args.seed)
            except NotebookError as problem:
                print(f"--notebook {args.notebook}: {problem}", file=sys.stderr)
                return EXIT_USAGE
        else:
            results = grade(steps, args.solutions, fresh, args.jobs, quiet=args.json, submission=args.submission,
                            shared=interactive, seed=args.seed)
    except Interrupted as stopped:
        graded = sorted(stopped.results, key=lambda r: r.step)
        if args.json:
            print(json.dumps({**to_json(graded, args.solutions), "interrupted": True}, indent=1))
        else:
            print(f"\nStopped (Ctrl-C): {len(graded)} of {len(steps)} steps were graded.")
            if graded:
                render_table(graded, args.solutions, others=remembered(args.solutions))
        return EXIT_INTERRUPTED
    report(results, steps, args)
    return exit_code(results)


def report(results: list[StepResult], steps: list, args: argparse.Namespace) -> None:
    """The table (or the JSON object) of what was graded, and the kit's own fault first if it had one."""
    # With --step N, "next" still means the first unfinished of all eight: the other steps are
    # taken from the remembered results that match their files now, or their untouched stubs.
    others = {} if len(steps) == len(STEPS) or args.submission or args.notebook else remembered(args.solutions)
    if args.json:
        print(json.dumps(to_json(results, args.solutions, others), indent=1))
        return
    render_table(results, args.solutions, others=others, source=args.notebook)
    fault = next((r.message for r in results if r.status != DONE and r.message.startswith(KIT_FAULT)), None)
    if fault is not None:  # Whatever the table says next, this comes first, and it is not the learner's to fix.
        print(f"\nThe kit could not grade {'these steps' if len(results) > 1 else 'this step'} {fault.removeprefix(KIT_FAULT.split(' (')[0]).lstrip()}")


def exit_code(results: list[StepResult]) -> int:
    if any(r.status != DONE and r.message.startswith(KIT_FAULT) for r in results):
        return EXIT_KIT_ERROR
    return EXIT_DONE if all(r.status == DONE for r in results) else EXIT_NOT_DONE


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
