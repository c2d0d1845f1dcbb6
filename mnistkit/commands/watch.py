"""`python grader.py --watch`: re-check a step each time one of its files is saved.

It polls modification times 40 times a second instead of relying on file-system events, so it
works the same on every system, in containers and on network drives. Each check is forked from the
warm engine this user's checks of the kit share (where fork is safe), so a verdict comes in about
a second; it says "checking step N…" at once, and a step saved again mid-check drops the old check
for the new one. Ctrl-C stops it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.grading.results import DONE, NOT_STARTED, ResultCache, StepResult
from mnistkit.grading.grade import grade_step, start_engine
from mnistkit.engine.processes import hold
from mnistkit.grading.manifest import load_manifest
from mnistkit.grading.nextstep import all_done_line, check_command, first_unfinished, here
from mnistkit.grading.report import printable
from mnistkit.steps import STEPS, Step, step_of_path


def snapshot(root: Path) -> dict[Path, float]:
    """Modification time of every Python and Markdown file under exercises/."""
    times = {}
    for path in root.rglob("*"):
        if path.suffix in (".py", ".md") and "__pycache__" not in path.parts:
            try:
                times[path] = path.stat().st_mtime
            except OSError:
                pass  # Deleted between listing and looking: the next round sees it.
    return times


def say(result: StepResult, upcoming: Step | None) -> None:
    total = result.passed + result.failed
    print(f"step {result.step} ({result.title}): {result.status}" + (f", {result.passed}/{total} tests" if total else ""), flush=True)
    if result.status == DONE:
        # Next is the first step not done of all eight, which need not be the one after this.
        if upcoming is None:
            print(f"  {all_done_line()}", flush=True)
        else:
            print(f"  next: step {upcoming.number}, {here(upcoming.readme())}", flush=True)
    elif result.message and result.status != NOT_STARTED:
        for line in printable(result.message).splitlines()[:2]:
            print(f"  {line}", flush=True)


class Check:
    """One step being checked in the background; `cancel()` stops it (its result is then ignored)."""

    def __init__(self, step: Step, run, finished: threading.Event) -> None:
        self.step, self.result, self.cancelled, self.over = step, None, False, False

        def check() -> None:
            try:
                self.result = run(step)
            finally:
                self.over = True
                finished.set()  # Wakes the watch at once: the verdict is shown without waiting for a poll.

        self.thread = threading.Thread(target=check, daemon=True)
        self.thread.start()

    def done(self) -> bool:
        return self.over

    def cancel(self) -> None:
        self.cancelled = True
        hold().stop_all()  # Kills the running judge: a new save makes this check moot.
        self.thread.join(timeout=10)


def saved_step(root: Path, seen: dict) -> tuple[dict, Step | None, list[Path]]:
    """(the files as they are now, the step whose files were saved since `seen`, those files of it).

    Several steps saved at once: the last one is where the learner is."""
    now = snapshot(root)
    changed = [p for p, t in now.items() if seen.get(p) != t]
    steps = sorted({s.number: s for s in (step_of_path(p) for p in changed) if s is not None}.values(), key=lambda s: s.number)
    if not steps:
        return now, None, []
    return now, steps[-1], [p for p in changed if step_of_path(p) == steps[-1]]


def watch(interval: float = 0.025, jobs: int = 1) -> int:
    root = KIT_ROOT / "exercises"
    manifest, cache = load_manifest(), ResultCache()
    # The warm engine this user's checks of this kit share: every check is a fork, not a cold start.
    engine = start_engine(list(STEPS), shared=True)
    statuses: dict[int, str] = {}  # Each step's status as last graded here; a save grades it again.

    def grade(step: Step) -> StepResult:
        return grade_step(step, manifest, cache=cache, engine=engine, warm_always=True)

    def upcoming() -> Step | None:
        """The first step not done, grading in order the steps not graded yet (cached or untouched ones cost nothing)."""
        for step in STEPS:
            if step.number not in statuses:
                statuses[step.number] = grade(step).status
            if statuses[step.number] != DONE:
                return step
        return None

    # Start where the learner is: the first step that is not done.
    first = upcoming()
    if first is None:
        print(all_done_line(), flush=True)
    else:
        say(grade(first), first)
    seen = snapshot(root)  # Before saying we watch, so that no save after the message is missed.
    print(f"Watching {here(root)} for saved files (Ctrl-C to stop)…", flush=True)
    running: Check | None = None
    finished = threading.Event()
    try:
        while True:
            finished.wait(interval)  # A save is seen within `interval`; a verdict as soon as it is there.
            finished.clear()
            if running is not None and running.done():
                if not running.cancelled and running.result is not None:
                    statuses[running.step.number] = running.result.status
                    say(running.result, upcoming())
                running = None
            seen, step, changed = saved_step(root, seen)
            if step is None:
                continue
            if running is not None:
                print(f"  (step {running.step.number} changed again: that check is dropped)", flush=True)
                running.cancel()
            print(f"\n{time.strftime('%H:%M:%S')} {', '.join(here(p) for p in changed)} saved: checking step {step.number}…", flush=True)
            running = Check(step, grade, finished)
    except KeyboardInterrupt:
        # Only what is already known: Ctrl-C must stop at once, not grade.
        if running is not None:
            running.cancel()
        current = first_unfinished(statuses)
        if current is None:
            print(f"\nStopped watching. {all_done_line()}", flush=True)
        else:
            print(f"\nStopped watching. Carry on with step {current.number}: `{check_command(current)}`.", flush=True)
        return 0
    finally:
        if engine is not None:
            engine.close()
