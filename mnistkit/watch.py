"""`python grader.py --watch`: re-check a step each time one of its files is saved.

It polls modification times once a second instead of relying on file-system events, so it works
the same on every system, in containers and on network drives. Ctrl-C stops it.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.grading import DONE, NOT_STARTED, ResultCache, StepResult, grade_step
from mnistkit.manifest import load_manifest
from mnistkit.steps import STEPS, step_of_path


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


def say(result: StepResult) -> None:
    total = result.passed + result.failed
    print(f"step {result.step} ({result.title}): {result.status}" + (f", {result.passed}/{total} tests" if total else ""), flush=True)
    if result.status == DONE:
        following = [s for s in STEPS if s.number > result.step]
        print(f"  next: step {following[0].number}, exercises/{following[0].folder}/README.md" if following else "  every step is done!", flush=True)
    elif result.message and result.status != NOT_STARTED:
        for line in result.message.splitlines()[:2]:
            print(f"  {line}", flush=True)


def watch(interval: float = 1.0, jobs: int = 1) -> int:
    # Ctrl-C stops the watch even where the grader was started with SIGINT ignored (a shell's
    # background job, some CI runners), which Python would otherwise inherit.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    root = KIT_ROOT / "exercises"
    manifest, cache = load_manifest(), ResultCache()
    # Start where the learner is: the first step that is not done.
    current = None
    for step in STEPS:
        result = grade_step(step, manifest, cache=cache)
        if result.status != DONE:
            current = step
            say(result)
            break
    seen = snapshot(root)  # Before saying we watch, so that no save after the message is missed.
    print(f"Watching {root} for saved files (Ctrl-C to stop)…", flush=True)
    try:
        while True:
            time.sleep(interval)
            now = snapshot(root)
            changed = [p for p, t in now.items() if seen.get(p) != t]
            seen = now
            steps = sorted({s.number: s for s in (step_of_path(p) for p in changed) if s is not None}.values(), key=lambda s: s.number)
            for step in steps:
                print(f"\n{time.strftime('%H:%M:%S')} {', '.join(str(p.relative_to(KIT_ROOT)) for p in changed if step_of_path(p) == step)} saved", flush=True)
                result = grade_step(step, manifest, cache=cache)
                following = [s for s in STEPS if s.number > step.number]
                current = following[0] if result.status == DONE and following else step
                say(result)
    except KeyboardInterrupt:
        print("\nStopped watching." + (f" Carry on with `pytest exercises/{current.folder}`." if current else ""), file=sys.stdout, flush=True)
        return 0
