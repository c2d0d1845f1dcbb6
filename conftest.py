# The kit's pytest plugin gives the suites `--solutions`, the learner's functions as fixtures and
# short failure messages; see mnistkit/grading/plugin.py.
from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["mnistkit.grading.plugin"]

SELF_TEST = Path(__file__).resolve().parent / "tests"
WORKERS = 2  # The kit's self-test on two cores; more gain little (each suite run already uses two processes).


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The kit's self-test (a bare `pytest`, or any part of tests/) spreads its test files over two
    worker processes with pytest-xdist, unless told otherwise (`-n 0`, `-p no:xdist`).

    A learner's `pytest exercises/stepN` never does, nor a self-test run inside a test."""
    if not config.pluginmanager.hasplugin("xdist") or config.getoption("numprocesses", None) is not None:
        return
    if os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get("MNISTKIT_TEST_CACHE_OWNER"):
        return
    if (os.cpu_count() or 1) < 2 or config.getoption("collectonly") or config.getoption("usepdb", False):
        return
    here = config.invocation_params.dir
    paths = [(here / str(arg).split("::")[0]).resolve() for arg in config.args]
    if not paths or not all(path == SELF_TEST or SELF_TEST in path.parents for path in paths):
        return
    config.option.numprocesses = WORKERS
    config.option.dist = "loadscope"  # Scheduled by work_unit() below,
    config.option.loadscopereorder = False  # in the order pytest_collection_modifyitems gives.


def work_unit(nodeid: str) -> str:
    """What runs together on one worker: a test file's tests (they share its costly fixtures), and
    in tests/test_suites.py each step's tests (they share that step's runs, made once per process)."""
    file, _, test = nodeid.partition("::")
    if not file.endswith("test_suites.py"):
        return file
    from tests.suite_steps import step_of

    step = step_of(test)
    return file if step is None else f"{file}::step{step}"


# Seconds each work unit took on one of two workers (bare `pytest --durations=0`, 2026-11-30, this
# 2-core machine: 675 s of units in a 343 s run). The longest go first: started last, a 2-minute
# unit would leave the other worker idle meanwhile (xdist's own order, by number of tests, ran
# test_notebook and test_learner_path last).
UNIT_SECONDS = {
    "tests/test_suites.py::step7": 95, "tests/test_suites.py::step6": 85, "tests/test_honesty.py": 72,
    "tests/test_workflows.py": 75,  # Not in that run: 52 s alone (2026-12-04), more beside another worker.
    "tests/test_gradescope.py": 45,  # Not in that run: 23-63 s alone (2026-12-07, this machine under other load).
    "tests/test_notebook.py": 55, "tests/test_grader.py": 54, "tests/test_suites.py::step8": 49,
    "tests/test_classroom.py": 41, "tests/test_learner_path.py": 40, "tests/test_engine.py": 39,
    "tests/test_suites.py::step4": 35, "tests/test_faults.py": 31, "tests/test_suites.py::step5": 24,
    "tests/test_suites.py::step3": 19, "tests/test_fitting.py": 18, "tests/test_kept_models.py": 8,
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The self-test's work units, longest first (a stable sort: each unit keeps its own order;
    a learner's suites, in no unit listed, keep theirs)."""
    items.sort(key=lambda item: -UNIT_SECONDS.get(work_unit(item.nodeid), 0))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByWorkUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return ByWorkUnit(config, log)
