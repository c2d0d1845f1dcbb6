"""The kit's pytest plugin: `--solutions`, the learner's functions as fixtures, short messages.

It is loaded by the kit's root `conftest.py` when a learner runs `pytest exercises/stepN`, and
explicitly (`-p mnistkit.grading.plugin`, with conftest files switched off) when the grader runs a step.

What it does:
- `--solutions` makes every suite test `solutions/stepN/<file>` instead of the learner's file;
- the `step_function` fixture hands a test the function it checks, loaded from that file;
- a failure is shown as one message, never a traceback wall: a stub's NotImplementedError as
  "step N not started", a syntax error or missing function in one line, a failed check as its
  message, an exception in the learner's code as the line of their file that raised it;
- the run ends with one line per step saying what to do next;
- `--mnistkit-report PATH` writes every test's outcome as JSON for the grader.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

# TensorFlow reads its log level when it is first imported, so it is set before any test runs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # Same numbers run to run, and no banner.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("MPLBACKEND", "Agg")  # Figures are checked, never shown.

import pytest  # noqa: E402

# No __pycache__ folders in exercises/ and solutions/: `diff -r exercises solutions` stays clean.
sys.dont_write_bytecode = True

from mnistkit.learner import LearnerCodeError, not_installed, without_tensorflow_noise  # noqa: E402

if importlib.util.find_spec("numpy") is None:  # Every check needs it: one line that says what to install.
    raise pytest.UsageError(not_installed(["numpy"]))

from mnistkit.grading.outcomes import FAIL, KIT_ERROR, LEARNER_ERROR, NOT_STARTED, PASS, SKIP, describe_failure  # noqa: E402
from mnistkit.grading.verdict import SANDBOX_MODULES  # noqa: E402
from mnistkit.steps import STEPS, Step, step_of_path  # noqa: E402

SANDBOX_MEMORY = 6 * 2**30  # Bytes of address space the learner's sandbox may use (TensorFlow needs ~2 GiB).
OUTPUT_LIMIT = 500  # Characters of captured output kept per test in the report (as exercism's results.json).



def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mnistkit", "mnistkit exercise kit")
    group.addoption(
        "--solutions",
        action="store_true",
        default=False,
        help="test the reference solutions in solutions/stepN instead of your files in exercises/stepN",
    )
    group.addoption(
        "--mnistkit-judge",
        action="store_true",
        default=False,
        help="run the learner's functions in a separate sandbox process (used by grader.py)",
    )
    group.addoption(
        "--mnistkit-submission",
        metavar="DIR",
        default=None,
        help="take the learner's files from DIR/exercises/stepN/ instead of beside the tests (used by grader.py)",
    )
    group.addoption(
        "--mnistkit-fresh",
        action="store_true",
        default=False,
        help="a grade that counts: read no training result remembered on this machine (used by grader.py)",
    )
    group.addoption(
        "--mnistkit-seed",
        metavar="N",
        type=int,
        default=None,
        help="with --mnistkit-judge and --mnistkit-fresh: the seed of the held-out inputs (used by grader.py)",
    )
    group.addoption(
        "--mnistkit-report",
        metavar="PATH",
        default=None,
        help="write each test's outcome to PATH as JSON, or to file descriptor N with fd:N (used by grader.py)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config):
    """`pytest exercises/stepN` with this kit's warm engine running (watch mode, the grader): run there.

    The engine forks a pytest that has TensorFlow imported already and runs the same suite, in
    the same way, on this terminal; without an engine (or anything unusual) it runs here."""
    usual = (config.getoption("mnistkit_judge") or config.getoption("mnistkit_report")
             or os.environ.get("MNISTKIT_WARM_JUDGE") == "1" or os.environ.get("MNISTKIT_COLD") == "1"
             or config.option.collectonly or config.option.help or config.option.version)
    if usual:
        return None
    from mnistkit.engine.warm import run_in_shared_engine

    return run_in_shared_engine(list(config.invocation_params.args), Path(config.invocation_params.dir))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: trains a model; takes seconds rather than milliseconds")
    # Keras 3 warns about `input_shape=` on a first layer, which the tutorial uses and the kit
    # accepts; the warning would only make a learner doubt correct code.
    config.addinivalue_line("filterwarnings", "ignore:Do not pass an `input_shape`:UserWarning")
    config.stash[_results_key] = []
    if config.getoption("mnistkit_fresh"):
        from mnistkit import memo

        memo.READ = False


_results_key = pytest.StashKey[list]()


def pytest_report_header(config: pytest.Config) -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for package in ("tensorflow", "keras", "numpy"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} not installed")
    target = "solutions/ (reference solutions)" if config.getoption("solutions") else "your files in exercises/"
    from mnistkit.reference import SEED

    return [f"mnistkit: testing {target}; seed {SEED}; " + ", ".join(versions)]


def _test_step(request: pytest.FixtureRequest) -> Step:
    step = step_of_path(Path(str(request.path)))
    if step is None:
        raise LearnerCodeError(f"{request.path} is not inside a stepN folder of the kit")
    return step


_runner_key = pytest.StashKey[object]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """As the judge, start the learner's sandbox at once: its imports overlap the suite's own."""
    if session.config.getoption("mnistkit_judge"):
        from mnistkit.engine.channel import SandboxRunner
        from mnistkit.engine.confine import not_dumpable

        not_dumpable()  # The sandbox, though of the same user, can't reach this process's report pipe.
        steps = [step_of_path(Path(str(arg).split("::")[0])) for arg in session.config.args]
        tensorflow = any(step is not None and step.tensorflow for step in steps)
        from mnistkit.engine.reach import sandbox_user

        # As root (CI), the learner's code runs as nobody (mnistkit.engine.reach says how it reaches the kit).
        session.config.stash[_runner_key] = SandboxRunner(tensorflow, user=sandbox_user(), memory=SANDBOX_MEMORY,
                                                                    imports=SANDBOX_MODULES)


_seed_key = pytest.StashKey[int]()


def counted(config: pytest.Config) -> bool:
    """A grade that counts: judged (the learner's code in a sandbox) and fresh (nothing remembered read),
    or judged with a seed for the held-out inputs (the kit's self-test: the same verdicts, sooner)."""
    return bool(config.getoption("mnistkit_judge")
                and (config.getoption("mnistkit_fresh") or config.getoption("mnistkit_seed") is not None))


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a grade that counts, each step's learner's file gets one more test after its own: the
    held-out checks (mnistkit/grading/heldout.py), with the grader's seed (or one drawn here)."""
    if not counted(config):
        return
    import secrets

    from mnistkit.engine.channel import StepFunction
    from mnistkit.grading.heldout import add_held_out_items

    seed = config.getoption("mnistkit_seed")
    config.stash[_seed_key] = secrets.randbits(32) if seed is None else seed

    def function_maker(file: Path):
        return lambda name: StepFunction(_runner(config), file, name)

    add_held_out_items(items, lambda step, path: _learner_folder(config, step, path),
                       lambda item: item.stash.get(_outcome_key, {}).get("status"), function_maker, config.stash[_seed_key])


def _runner(config: pytest.Config):
    runner = config.stash.get(_runner_key, None)
    if runner is None:
        from mnistkit.engine.channel import LocalRunner

        runner = config.stash[_runner_key] = LocalRunner()
    return runner


def _learner_folder(config: pytest.Config, step: Step, test_file: Path) -> Path:
    """Where the learner's file of `step` is, for the tests in `test_file`: beside them, in
    solutions/ (`--solutions`) or in a submission (`--mnistkit-submission`)."""
    submission = config.getoption("mnistkit_submission")
    if submission:
        return step.exercise_dir(Path(submission))
    return step.solution_dir() if config.getoption("solutions") else test_file.parent


@pytest.fixture(scope="module")
def step_function(request: pytest.FixtureRequest) -> Callable[[str], Callable[..., Any]]:
    """`step_function("scale_pixels")`: that function from the file this suite tests.

    The file is the step's module beside the test file, or `solutions/stepN/<file>` with
    `--solutions`. The function runs in this process, or in the sandbox when the grader judges
    (`--mnistkit-judge`); loading errors surface when a test calls it, as one line.
    """
    step = _test_step(request)
    folder = _learner_folder(request.config, step, Path(str(request.path)))
    runner = _runner(request.config)

    def get(name: str) -> Callable[..., Any]:
        from mnistkit.engine.channel import StepFunction

        return StepFunction(runner, folder / step.file, name)

    return get


@pytest.fixture(scope="session")
def mnist():
    """MNIST as keras.datasets.mnist.load_data() returns it, from the kit's own file, loaded once."""
    from mnistkit.data import load_mnist

    return load_mnist()


_outcome_key = pytest.StashKey[dict]()
_said_key = pytest.StashKey[set]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Replace a failure's traceback by one message, and remember the outcome for the report."""
    report = yield
    record = item.stash.setdefault(_outcome_key, {"status": None, "message": "", "output": ""})
    if getattr(item, "keeps_no_output", False):
        report.sections = []  # What the learner's code printed there is not shown (mnistkit/grading/heldout.py).
    else:
        record["output"] += report.capstdout + report.capstderr
    excinfo = call.excinfo
    if excinfo is not None and not excinfo.errisinstance(pytest.skip.Exception) and record["status"] is None:
        step = step_of_path(Path(str(item.path)))
        outcome, message = describe_failure(excinfo, step)
        # "Not started" and a file that can't load are said once per step in full; later tests
        # of the step just point to the first, so the learner sees one line, not a wall.
        said = item.config.stash.setdefault(_said_key, set())
        repeated = outcome in (NOT_STARTED, LEARNER_ERROR, KIT_ERROR) and step is not None
        if repeated and (step.number, message) in said:
            report.longrepr = f"step {step.number} not started (see above)" if outcome == NOT_STARTED else "(the same as above)"
        else:
            report.longrepr = message
        if repeated:
            said.add((step.number, message))
            report.sections = []  # The one line says it all; captured output would only bury it.
        record.update(status=outcome, message=message)
    elif report.skipped and record["status"] is None:
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
        record.update(status=SKIP, message=reason.removeprefix("Skipped: "))
    elif report.when == "call" and report.passed and record["status"] is None:
        record["status"] = PASS
    cleaned = [(title, without_tensorflow_noise(text)) for title, text in report.sections]
    report.sections = [(title, text) for title, text in cleaned if text.strip()]
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    result = yield
    record = item.stash.get(_outcome_key, {})
    item.config.stash[_results_key].append(
        {
            "name": item.name,
            "nodeid": item.nodeid,
            "step": getattr(step_of_path(Path(str(item.path))), "number", None),
            "status": record.get("status") or FAIL,
            "message": record.get("message") or ("" if record.get("status") else "the test reported no result"),
            "output": record.get("output", "")[:OUTPUT_LIMIT],
        }
    )
    return result


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    from mnistkit.grading.nextstep import all_done_line, check_command, first_unfinished, grader_command, here, remembered

    if config.getoption("mnistkit_judge"):
        return  # The grader reads a judge's report, not its summary (which would read the remembered results).
    results = config.stash[_results_key]
    by_step: dict[int, list[dict]] = {}
    for result in results:
        if result["step"] is not None:
            by_step.setdefault(result["step"], []).append(result)
    if not by_step:
        return
    # "(warm)": run by the kit's warm engine, with TensorFlow already imported (mnistkit.engine.zygote).
    terminalreporter.section("mnistkit (warm)" if os.environ.get("MNISTKIT_WARM_JUDGE") == "1" else "mnistkit")
    solutions = config.getoption("solutions")
    # "Next" is the first step not done of all eight. This run only knows its own steps; the
    # others come from the grader's remembered results (display only: a grade is always a run).
    statuses = {n: r.status for n, r in remembered(solutions).items()}
    statuses.update({n: ("done" if all(r["status"] == PASS for r in rs) else "not done") for n, rs in by_step.items()})
    for number in sorted(by_step):
        outcomes = [r["status"] for r in by_step[number]]
        step = next(s for s in STEPS if s.number == number)
        if all(o == PASS for o in outcomes):
            upcoming = first_unfinished(statuses)
            if upcoming is None:
                then = all_done_line()
            elif upcoming.number in statuses:
                then = f"next: step {upcoming.number}: {check_command(upcoming, solutions)}"
            else:
                then = f"next: step {upcoming.number}, not checked since its file last changed: {check_command(upcoming, solutions)}"
            terminalreporter.write_line(f"step {number} done: all {len(outcomes)} checks pass. {then}", green=True)
        elif all(o == NOT_STARTED for o in outcomes):
            folder = step.solution_dir() if solutions else step.exercise_dir()
            terminalreporter.write_line(
                f"step {number} not started: open {here(folder)}/ and read its README.md "
                f"(hints: {grader_command('--hint', str(number))})",
                yellow=True,
            )
        else:
            failed = sum(o not in (PASS, SKIP) for o in outcomes)
            waiting = sum(o == SKIP for o in outcomes)
            first = next(r for r in by_step[number] if r["status"] not in (PASS, SKIP))
            later = f", {waiting} not checked yet" if waiting else ""
            terminalreporter.write_line(
                f"step {number}: {failed} of {len(outcomes)} checks fail{later}. First: {first['message'].splitlines()[0]}",
                red=True,
            )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    runner = session.config.stash.get(_runner_key, None)
    if runner is not None:
        runner.close()
    path = session.config.getoption("mnistkit_report")
    if path:
        payload = {
            "exitstatus": int(exitstatus),
            "tests": session.config.stash[_results_key],
            # Steps 1 and 2 promise fast feedback, which TensorFlow's import alone would spoil.
            "tensorflow_imported": "tensorflow" in sys.modules,
            # A judge's sandbox: "forked" from a warm judge, or "started" as a cold process.
            "sandbox": getattr(runner, "kind", None),
            # Step 6's fit() calls that the judge trained for the sandbox (mnistkit.engine.fitting).
            "fits_served": getattr(runner, "served", None),
            # The seed of a counted grade's held-out inputs, to reproduce it (mnistkit/checks/heldout.py).
            "seed": session.config.stash.get(_seed_key, None),
        }
        text = json.dumps(payload, indent=1)
        if path.startswith("fd:"):
            # The grader's pipe: nothing the learner's code can reach by a path.
            with os.fdopen(int(path[3:]), "w", encoding="utf-8") as stream:
                stream.write(text)
        else:
            Path(path).write_text(text, encoding="utf-8")
