"""Grading one step: the tamper check, the remembered result, then an isolated run of exactly the
manifest's tests (cold, or forked from a warm engine), judged by `verdict.judge`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.engine.processes import MEMORY_CAP, TREE_MEMORY_CAP, hold, isolated_env, run_isolated
from mnistkit.grading.manifest import tampered_files
from mnistkit.grading.results import ERROR, KIT_FAULT, TAMPERED, ResultCache, StepResult, cache_key, not_started
from mnistkit.grading.verdict import JUDGE_MODULES, expected_tests, judge, pytest_command
from mnistkit.learner import not_installed
from mnistkit.steps import Step
from mnistkit.template import is_stub


_fault_lock = threading.Lock()
_fault: list[str | None] = []

# What a step's judge imports, by import name and the name pip installs it by: every suite needs
# the first three, the steps with TensorFlow the rest too.
EVERY_STEP_NEEDS = {"pytest": "pytest", "pytest_timeout": "pytest-timeout", "numpy": "numpy"}
TENSORFLOW_STEPS_NEED = {"tensorflow": "tensorflow", "keras": "keras", "matplotlib": "matplotlib"}


def _missing(names: tuple[str, ...]) -> tuple[str, ...]:
    missing = tuple(name for name in names if importlib.util.find_spec(name) is None)
    if missing:  # Looked again past the import system's caches: watch mode sees a `pip install` made meanwhile.
        importlib.invalidate_caches()
        missing = tuple(name for name in missing if importlib.util.find_spec(name) is None)
    return missing


def missing_packages(step: Step) -> str | None:
    """Which packages the step's judge needs are not installed in this Python, as one line to fix it; else None.

    Found without importing them (the grader never imports TensorFlow): a kit installed without its
    dependencies, or run with another Python than the one it was installed in, is said to be so,
    not reported as the learner's crash."""
    needed = {**EVERY_STEP_NEEDS, **(TENSORFLOW_STEPS_NEED if step.tensorflow else {})}
    missing = [needed[name] for name in _missing(tuple(needed))]
    if not missing:
        return None
    return not_installed(missing)


def sandbox_fault() -> str | None:
    """Why no sandbox can run a learner's code on this installation (checked once per process), or None.

    Only a grader running as root hands the learner's code to another user (mnistkit.engine.reach),
    who might not reach the kit's Python; any other user's sandbox reads what the grader reads."""
    from mnistkit.engine.reach import sandbox_user

    user = sandbox_user()
    if user is None:
        return None
    with _fault_lock:
        if not _fault:
            from mnistkit.engine.channel import probe_sandbox

            _fault.append(probe_sandbox(user))
    return _fault[0]


def start_engine(steps: list[Step], shared: bool = False):
    """A warm engine to fork the judges of `steps` from, when that saves time and fork is safe; else None.

    `shared`: join (or start) the engine this user's checks of this kit share, which stays up a
    few idle minutes for the next check (interactive use); else the grader's own, ending with it.
    One step alone gains nothing from the grader's own engine (it pays the imports a cold judge pays)."""
    from mnistkit.engine.warm import Engine, fork_is_safe, may_share, shared_name

    if not fork_is_safe() or os.environ.get("MNISTKIT_COLD") == "1" or not any(step.tensorflow for step in steps):
        return None
    if any(missing_packages(step) for step in steps):
        return None  # It could not start; each step says why.
    if shared and may_share():
        return Engine(isolated_env(), KIT_ROOT, name=shared_name(), spawn=hold().spawn_own, preload=JUDGE_MODULES)
    if sum(step.tensorflow for step in steps) < 2:
        return None
    return Engine(isolated_env(), KIT_ROOT, spawn=hold().spawn_own, preload=JUDGE_MODULES)


def is_untouched(step: Step, learner: Path) -> bool:
    """Every function of the step in the learner's file still only raises NotImplementedError (the
    shipped stub, perhaps with notes or imports added), so "not-started" needs no run: it is what
    each test would say (the kit's self-test checks that of every stub).

    Read from the source, never from the manifest's checksum of the stub, which a rewritten
    manifest could make the checksum of solved work.
    """
    # A stub is a few kilobytes; a file far bigger is not read for this (it is run, and judged).
    return learner.is_file() and learner.stat().st_size <= 100_000 and is_stub(learner.read_bytes(), step)


def known_without_running(step: Step, manifest: dict, solutions: bool = False, cache: ResultCache | None = None,
                          fresh: bool = False, submission: Path | None = None) -> StepResult | None:
    """The step's result when no suite needs to run (tampered, missing, untouched, remembered); else None."""
    entry = manifest["steps"][str(step.number)]
    if not solutions:
        problems = tampered_files(step, manifest)
        if problems:
            return StepResult(
                step.number, step.title, TAMPERED,
                message=f"{'; '.join(problems)}: the kit's tests must stay as shipped. "
                f"Restore them with `git checkout -- exercises/{step.folder}/test_*.py`",
            )
    learner = step.exercise_dir(submission) / step.file if submission is not None else step.learner_file(solutions)
    shown = f"{'solutions' if solutions else 'exercises'}/{step.folder}/{step.file}"
    if not learner.exists():
        return StepResult(step.number, step.title, ERROR, message=f"{shown} is missing: restore the stub from the kit")
    if not learner.is_file():
        return StepResult(step.number, step.title, ERROR, message=f"{shown} is a folder, not a file: put your code back in a file of that name")
    if not solutions and is_untouched(step, learner):
        return not_started(step, len(expected_tests(entry, fresh or submission is not None)))
    if cache is not None and not fresh and submission is None:
        return cache.get(f"{'solutions' if solutions else 'exercises'}/{step.folder}", cache_key(step, solutions))
    return None


def grade_step(step: Step, manifest: dict, solutions: bool = False, cache: ResultCache | None = None, fresh: bool = False,
               submission: Path | None = None, engine=None, warm_always: bool = False, seed: int | None = None) -> StepResult:
    """Grade one step: tamper check, cache, then an isolated run of exactly the manifest's tests.

    `submission`: a folder holding a learner's `exercises/stepN/` files, graded with this kit's
    tests (the Classroom workflow and class grading); nothing else of it is read.
    `engine`: a warm engine (`mnistkit.engine.warm.Engine`) to fork the step's judge from. A step
    with TensorFlow waits for it to be up (so does every step with `warm_always`: watch mode, where
    it surely is); a step without TensorFlow uses it only if it is up already, since a cold check
    of such a step takes under a second. So class grading, which keeps one engine for the whole
    class, checks steps 1 and 2 warm for every student graded once the engine is up.

    A grade that counts (`fresh`, or a `submission`) also runs the step's held-out checks, on
    inputs drawn from `seed` (one drawn here when None), which the result keeps (`StepResult.seed`)."""
    fault = missing_packages(step) or sandbox_fault()
    if fault is not None:  # Nothing can be graded here, whatever the files hold.
        return StepResult(step.number, step.title, ERROR, message=f"{KIT_FAULT}{fault}")
    known = known_without_running(step, manifest, solutions, cache, fresh, submission)
    if known is not None:
        return known
    entry = manifest["steps"][str(step.number)]
    key = cache_key(step, solutions)
    name = f"{'solutions' if solutions else 'exercises'}/{step.folder}"
    test_files = [step.exercise_dir() / file_name for file_name in entry["test_files"]]
    # A grade that reads no remembered result (--fresh, --json, a submission) reads no remembered training
    # either, and it counts: the held-out checks run too, on inputs drawn from a seed chosen here.
    counted = fresh or submission is not None
    if counted and seed is None:
        import secrets

        seed = secrets.randbits(32)
    command = pytest_command(test_files, "fd:{report}", solutions, judge=True, submission=submission,
                             fresh=counted, seed=seed if counted else None)
    run = None
    if engine is not None and (engine.usable() if step.tensorflow or warm_always else engine.usable(0)):
        from mnistkit.engine.warm import EngineGone

        try:
            run = engine.run(command[3:], step.exercise_dir(), isolated_env(), step.timeout, MEMORY_CAP)
        except EngineGone:
            run = None  # Checked cold instead, with the same verdict.
    if run is None:
        run = run_isolated(command, step.exercise_dir(), step.timeout, report_pipe=True)
    code, output, seconds = run.code, run.output, run.seconds
    try:
        report = json.loads(run.report) if run.report else None
    except ValueError:
        report = None
    if run.over_memory:
        code, report = -9, None
        output += f"\nthe step's processes together used more than {TREE_MEMORY_CAP >> 30} GiB of memory and were stopped"
    result = judge(step, expected_tests(entry, counted), code, report, output, seconds)
    result.seed = seed if counted else None
    if cache is not None and submission is None and not hold().stopping:  # A step cut short is no result.
        cache.put(name, key, result)
    return result
