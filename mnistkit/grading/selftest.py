"""Running a step's suite, in a fresh process, against files the caller chooses.

The kit's self-test uses it to check that every suite passes on the reference solution, says
"not started" on the untouched stub, and tells each known mistake apart (tests/variants/). The
grader uses the same command line, so what the self-test checks is what the grader runs.

Every run is a new `python -m pytest` process (TensorFlow can't be forked safely), with conftest
files switched off and the kit's plugin loaded explicitly, so that nothing dropped into a step
folder changes the outcome.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.engine.processes import MEMORY_CAP, hold, isolated_env
from mnistkit.grading.verdict import JUDGE_MODULES, pytest_command
from mnistkit.steps import Step


@dataclass
class SuiteRun:
    returncode: int
    tests: list[dict] = field(default_factory=list)
    stdout: str = ""
    tensorflow_imported: bool | None = None
    sandbox: str | None = None  # How a judge's sandbox began: "forked" (warm) or "started" (cold).
    fits_served: int | None = None  # Step 6's fit() calls the judge trained for its sandbox.
    seed: int | None = None  # A judge's grade that counts: the seed of its held-out inputs.

    def by_folder(self) -> dict[str, list[dict]]:
        """Results grouped by the first part of each test's node id (the variant's folder)."""
        groups: dict[str, list[dict]] = {}
        for test in self.tests:
            groups.setdefault(test["nodeid"].split("/")[0], []).append(test)
        return groups


def run_suite(targets: list[Path], solutions: bool = False, timeout: float = 600, judge: bool = False,
              warm: bool = False, engine: str | None = None, seed: int | None = None) -> SuiteRun:
    """One pytest process over `targets`; `judge` runs the learner's functions in a sandbox, as the
    grader does; `warm` forks that pytest from a warm engine (`python -m mnistkit.grading.selftest`): the
    running engine named `engine` (see `start_shared_engine`), or one of its own. A judge given a
    `seed` judges as a grade that counts, with the held-out test drawn from it, but reads the
    trainings remembered in the session (the same results: a grade that counts trains them again)."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = pytest_command(targets, report, solutions, judge=judge, seed=seed if judge else None)
        if warm:
            named = ["--engine", engine] if engine else []
            command = [sys.executable, "-m", "mnistkit.grading.selftest", "--warm", *named, *command[3:]]
        completed = subprocess.run(
            command,
            cwd=Path(targets[0]).parent,
            env=isolated_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        payload = json.loads(report.read_text()) if report.exists() else {}
    return SuiteRun(completed.returncode, payload.get("tests", []), completed.stdout + completed.stderr, payload.get("tensorflow_imported"),
                    payload.get("sandbox"), payload.get("fits_served"), payload.get("seed"))


def variant_expectation(path: Path, line_name: str = "EXPECT") -> str:
    """The EXPECT line of a variant file: 'pass', or a fragment a failure message must contain."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{line_name} = "):
            return eval(line.split("=", 1)[1].strip(), {})  # A string literal, written by the course author.
    raise ValueError(f"{path} has no `{line_name} = ...` line")


def counted_expectation(path: Path) -> str:
    """What a grade that counts must make of a variant: its COUNTED line ('pass', or a fragment of a
    failure message), for a variant the held-out checks judge otherwise than its suite (one that
    answers the visible checks' own inputs only); else its EXPECT line."""
    try:
        return variant_expectation(path, "COUNTED")
    except ValueError:
        return variant_expectation(path)


def lay_out_variants(step: Step, variants: list[Path], into: Path, root: Path = KIT_ROOT) -> list[Path]:
    """One folder per variant, `<into>/<variant>/exercises/stepN/`, holding the step's tests (from the kit at `root`) and the variant as the learner's file."""
    folders = []
    for variant in variants:
        folder = into / variant.stem / "exercises" / step.folder
        folder.mkdir(parents=True)
        for test_file in step.test_files(root):
            shutil.copy(test_file, folder / test_file.name)
        shutil.copy(variant, folder / step.file)
        folders.append(into / variant.stem)
    return folders


def start_shared_engine() -> str | None:
    """Start a warm engine that several `run_suite(warm=True, engine=...)` calls share (the kit's
    self-test starts one per worker, not one per step), and return its name once it answers; None
    where an engine can't be shared safely (each run then starts its own). Stop it with `stop_shared_engine`."""
    import secrets

    from mnistkit.engine.warm import Engine, may_share

    if not may_share():
        return None
    name = f"mnistkit-selftest-{os.getpid()}-{secrets.token_hex(4)}"  # An abstract socket's: "\0" + name.
    engine = Engine(isolated_env(), KIT_ROOT, name="\0" + name, preload=JUDGE_MODULES)
    usable = engine.usable()
    engine.close()
    return name if usable else None


def stop_shared_engine(name: str) -> None:
    from mnistkit.engine.warm import Engine

    engine = Engine({}, KIT_ROOT, name="\0" + name, spawn=False)
    if engine.usable(0):
        engine.discard()
    engine.close()


def warm_run(argv: list[str]) -> int:
    """`pytest ARGV` forked from a warm engine, as the grader runs a step on one: the running engine
    named by a leading `--engine NAME`, or one of its own."""
    from mnistkit.engine.warm import Engine, fork_is_safe

    name = None
    if argv[:1] == ["--engine"]:
        name, argv = argv[1], argv[2:]
    if not fork_is_safe():
        return subprocess.run([sys.executable, "-m", "pytest", *argv], env=isolated_env()).returncode
    engine = None
    if name is not None:
        engine = Engine(isolated_env(), Path.cwd(), name="\0" + name, spawn=False)
        if not engine.usable(0):  # Gone (killed, or idle too long): one of our own instead.
            engine.close()
            engine = None
    if engine is None:
        engine = Engine(isolated_env(), Path.cwd(), spawn=hold().spawn_own, preload=JUDGE_MODULES)
    try:
        if not engine.usable():
            raise SystemExit("the warm engine did not start")
        run = engine.run(argv, Path.cwd(), isolated_env(), 3600, MEMORY_CAP)
    finally:
        engine.close()
    sys.stdout.write(run.output)
    return 3 if run.code is None else run.code


if __name__ == "__main__":
    if sys.argv[1:2] == ["--warm"]:
        raise SystemExit(warm_run(sys.argv[2:]))
    raise SystemExit("usage: python -m mnistkit.grading.selftest --warm [--engine NAME] PYTEST-ARGS...")
