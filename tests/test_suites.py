"""Every suite tells right from wrong.

For each step, one fresh pytest process runs the step's suite against:
- the reference solution (`solutions/stepN/`): every test must pass;
- the stub as shipped (the kit's, never a learner's edit of it): every test must report "step N not started";
- every file in `tests/variants/stepN/`: a way a learner might write the step, whose first line
  `EXPECT = ...` says what the suite must make of it: "pass", or a fragment that one of the
  failure messages must contain (the message that names the mistake). A wrong variant may add a
  line `FAILURES = n`: exactly n tests fail, the others pass or skip ("one failure per mistake").

Each step's files run twice, side by side: as `pytest exercises/stepN` runs them (cold, the
learner's code in the test process) and as the grader judges them in a grade that counts, on its
warm engine (forked from a process with TensorFlow imported, the learner's code in a sandbox
process; one engine serves every step's judged run in a test process); both must give
every test the same outcome and message (a session that runs only tests of the first kind, as
test_learner_path's does, skips the judged run). The cold judge is tried on chosen cases elsewhere
(test_grader, test_honesty, test_faults).

The judged run also holds the held-out test a grade that counts adds to each variant
(mnistkit/grading/heldout.py), on inputs drawn from a seed chosen per session (MNISTKIT_HELDOUT_SEED
chooses it; failures name it); unlike a grade, it reads the trainings the session remembered, which
gives the same results (a fresh judge trained all of step 6's again: 88 s instead of 35). A variant's line `COUNTED = ...` says what that grade must make of
it when it differs from EXPECT: a variant that answers only the visible checks' own inputs passes
its suite ("pass") and fails the held-out test.
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mnistkit.grading.selftest import (
    counted_expectation, lay_out_variants, run_suite, start_shared_engine, stop_shared_engine, variant_expectation,
)
from mnistkit.grading.verdict import HELD_OUT_TEST
from mnistkit.steps import STEPS, get_step
from tests.suite_steps import STEP_6_FITS, step_of

# The first test of a step runs all its variants, twice side by side (about 40 files for step 6,
# each trained on: measured 224 s for one run on a busy 2-core machine); the kit's 300 s safety
# net is meant for single tests.
pytestmark = pytest.mark.timeout(1200)

VARIANTS = Path(__file__).resolve().parent / "variants"
SOLUTION, STUB = "reference_solution", "untouched_stub"
# The seed of the judged runs' held-out inputs: another each session, unless chosen.
HELD_OUT_SEED = int(os.environ.get("MNISTKIT_HELDOUT_SEED") or secrets.randbits(32))


def variant_files(step) -> list[Path]:
    return sorted((VARIANTS / step.folder).glob("*.py"))


_runs: dict[int, dict[str, list[dict]]] = {}
_judged: dict[int, dict[str, list[dict]]] = {}
_tensorflow_imported: dict[int, bool | None] = {}
_judges_sandbox: dict[int, str | None] = {}
_fits_served: dict[int, int | None] = {}


_session: list[pytest.Session] = []


@pytest.fixture(scope="session", autouse=True)
def _remember_session(request):
    _session[:] = [request.session]


_engine: list[str | None] = []  # The warm engine this process's judged runs share (started for the first).


@pytest.fixture(scope="session", autouse=True)
def _stop_engine():
    yield
    if _engine and _engine[0]:
        stop_shared_engine(_engine[0])


def shared_engine() -> str | None:
    if not _engine:
        _engine.append(start_shared_engine())
    return _engine[0]


def session_tests(step_number: int) -> list[pytest.Item]:
    """This session's tests of tests/test_suites.py that are about the step (only within a session)."""
    return [item for item in _session[0].items
            if item.nodeid.split("::")[0].endswith("test_suites.py") and step_of(item.name) == step_number]


def needs_variants(step_number: int) -> bool:
    """Whether a test of this session looks at the step's variants: a run of only the stub and
    solution checks (test_learner_path makes them) leaves out the step's other 30-40 files."""
    stub_or_solution = (f"test_reference_solution_passes_every_test[{step_number}]",
                        f"test_untouched_stub_reports_not_started[{step_number}]")
    return not _session or any(item.name not in stub_or_solution for item in session_tests(step_number))


# The tests that read only the run as `pytest exercises/stepN` gives it; every other test of a step
# compares it with the judged run, or reads what the judge reported.
COLD_ONLY = ("test_reference_solution_passes_every_test", "test_untouched_stub_reports_not_started",
             "test_suites_of_steps_without_tensorflow_never_import_it", "test_suite_judges_variant_as_expected")


def needs_judged(step_number: int) -> bool:
    """Whether a test of this session looks at the step's judged run: test_learner_path's self-test
    of a stub alone doesn't, and would otherwise start a warm engine (8 s) for it four times."""
    return not _session or any(item.originalname not in COLD_ONLY for item in session_tests(step_number))


def results_for(step_number: int, tmp_path_factory: pytest.TempPathFactory, shipped_kit) -> dict[str, list[dict]]:
    """The solution, the stub and all variants of one step, run once per session in one process
    (and judged, side by side, when a test of the session needs that)."""
    if step_number not in _runs:
        step = get_step(step_number)
        scratch = tmp_path_factory.mktemp(step.folder)
        named = scratch / "named"
        named.mkdir()
        sources = [(SOLUTION, step.learner_file(True, shipped_kit.root))]
        if step_number not in shipped_kit.missing:
            sources.append((STUB, step.learner_file(root=shipped_kit.root)))
        if needs_variants(step_number):
            sources += [(v.stem, v) for v in variant_files(step)]
        for name, source in sources:
            (named / f"{name}.py").write_bytes(source.read_bytes())
        folders = lay_out_variants(step, sorted(named.glob("*.py")), scratch / "kits", shipped_kit.root)
        with ThreadPoolExecutor(2) as pool:  # The two runs side by side: the machine has two cores.
            outcomes = list(pool.map(lambda judge: run_suite(folders, judge=judge, warm=judge, engine=shared_engine() if judge else None,
                                                             seed=HELD_OUT_SEED if judge else None),
                                     (False, True) if needs_judged(step_number) else (False,)))
        for outcome in outcomes:
            missing = [name for name, _ in sources if name not in outcome.by_folder()]
            assert not missing, f"no results for {missing}; pytest said:\n{outcome.stdout[-3000:]}"
        run = outcomes[0]
        _runs[step_number] = run.by_folder()
        _tensorflow_imported[step_number] = run.tensorflow_imported
        if len(outcomes) == 2:
            judged = outcomes[1]
            _judged[step_number] = judged.by_folder()
            _judges_sandbox[step_number] = judged.sandbox
            _fits_served[step_number] = judged.fits_served
    return _runs[step_number]


def expected_failures(path: Path) -> int | None:
    """The `FAILURES = n` line of a variant file, if it has one."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("FAILURES = "):
            return int(line.split("=", 1)[1])
    return None


def describe(tests: list[dict]) -> str:
    return "\n".join(f"  {t['name']}: {t['status']}: {t['message']}" for t in tests)


@pytest.mark.parametrize("step_number", [s.number for s in STEPS])
def test_reference_solution_passes_every_test(step_number, tmp_path_factory, shipped_kit):
    tests = results_for(step_number, tmp_path_factory, shipped_kit)[SOLUTION]
    failures = [t for t in tests if t["status"] != "pass"]
    assert tests and not failures, f"solutions/step{step_number} fails:\n{describe(failures)}"


@pytest.mark.parametrize("step_number", [s.number for s in STEPS])
def test_untouched_stub_reports_not_started(step_number, tmp_path_factory, shipped_kit):
    shipped_kit.stub(get_step(step_number))
    tests = results_for(step_number, tmp_path_factory, shipped_kit)[STUB]
    others = [t for t in tests if t["status"] != "not-started"]
    assert tests and not others, f"the stub of step {step_number} is not reported as not started:\n{describe(others)}"
    assert all(f"step {step_number} not started" in t["message"] for t in tests)


@pytest.mark.parametrize("step_number", [s.number for s in STEPS if not s.tensorflow])
def test_suites_of_steps_without_tensorflow_never_import_it(step_number, tmp_path_factory, shipped_kit):
    results_for(step_number, tmp_path_factory, shipped_kit)
    assert _tensorflow_imported[step_number] is False, f"step {step_number}'s suite imported TensorFlow"


@pytest.mark.parametrize("step_number", [s.number for s in STEPS])
def test_a_warm_judge_forks_its_sandbox(step_number, tmp_path_factory, shipped_kit):
    """The warm engine's point: the learner's sandbox is a fork of the warm judge, not a cold
    Python that imports TensorFlow again (once 3 s per check, unnoticed, since the verdicts agree)."""
    from mnistkit.engine.warm import fork_is_safe

    if not fork_is_safe():
        pytest.skip("no warm engine where fork is unsafe: everything runs cold")
    results_for(step_number, tmp_path_factory, shipped_kit)
    assert _judges_sandbox[step_number] == "forked", f"step {step_number}'s warm judge {_judges_sandbox[step_number]} its sandbox"


def test_the_judge_trains_step_6s_plain_fits_for_its_sandbox(tmp_path_factory, shipped_kit):
    """The sandbox can't keep what it trains (mnistkit/engine/fitting.py): its plain fit() calls go to the
    judge, two for each variant that trains (the quick run and the accuracy check)."""
    results = results_for(6, tmp_path_factory, shipped_kit)
    training = [name for name, tests in results.items()
                if any(t["name"].endswith("test_trained_model_classifies_test_images") and t["status"] == "pass" for t in tests)]
    assert _fits_served[6] is not None and _fits_served[6] >= 2 * len(training) > 0, (_fits_served[6], training)


assert test_the_judge_trains_step_6s_plain_fits_for_its_sandbox.__name__ == STEP_6_FITS  # The name tests/suite_steps.py knows it by.


CASES = [pytest.param(step.number, path, id=f"step{step.number}-{path.stem}") for step in STEPS for path in variant_files(step)]


@pytest.mark.parametrize(("step_number", "variant"), CASES)
def test_suite_judges_variant_as_expected(step_number: int, variant: Path, tmp_path_factory, shipped_kit) -> None:
    expected = variant_expectation(variant)
    tests = results_for(step_number, tmp_path_factory, shipped_kit)[variant.stem]
    failures = [t for t in tests if t["status"] != "pass"]
    if expected == "pass":
        assert not failures, f"a correct variant failed:\n{describe(failures)}"
    else:
        assert failures, f"the wrong variant {variant.name} passed every test; expected a failure saying {expected!r}"
        messages = [t["message"] for t in failures]
        assert any(expected.lower() in m.lower() for m in messages), (
            f"no failure message names the mistake ({expected!r}); the messages were:\n" + "\n".join(messages)
        )
        count = expected_failures(variant)
        failed = [t for t in failures if t["status"] != "skip"]
        if count is not None:
            assert len(failed) == count, f"expected {count} failing test(s), got {len(failed)}:\n{describe(failed)}"


def outcomes(tests: list[dict]) -> list[tuple[str, str, str]]:
    """Each test's (name, status, message), but the held-out test, which only a grade that counts runs."""
    return [(t["name"], t["status"], t["message"]) for t in tests if t["name"] != HELD_OUT_TEST]


@pytest.mark.parametrize("step_number", [s.number for s in STEPS])
def test_grader_judges_every_variant_as_pytest_does(step_number, tmp_path_factory, shipped_kit):
    local = results_for(step_number, tmp_path_factory, shipped_kit)
    judged = _judged[step_number]
    different = {name: (outcomes(tests), outcomes(judged.get(name, []))) for name, tests in local.items()
                 if outcomes(tests) != outcomes(judged.get(name, []))}
    assert not different, "judged in a sandbox, these came out otherwise:\n" + "\n".join(
        f"  {name}:\n    pytest: {mine}\n    judge:  {theirs}" for name, (mine, theirs) in list(different.items())[:5])


@pytest.mark.parametrize("step_number", [s.number for s in STEPS])
def test_every_failing_variant_names_a_catalogued_mistake_code(step_number, tmp_path_factory, shipped_kit):
    """Stable mistake codes (mnistkit.grading.catalogue): every failure a variant causes, and the
    step's headline as the grader judges it, carries a code the catalogue lists."""
    from mnistkit.grading.catalogue import by_code, step_code, test_code
    from mnistkit.grading.verdict import expected_tests, judge
    from mnistkit.grading.manifest import load_manifest

    known, step = by_code(), get_step(step_number)
    expected = expected_tests(load_manifest()["steps"][str(step_number)], counted=True)
    unknown = []
    for name, tests in _judged_for(step_number, tmp_path_factory, shipped_kit).items():
        if name == SOLUTION:
            continue
        exit_code = 0 if all(t["status"] == "pass" for t in tests) else 1  # As pytest's.
        result = judge(step, expected, exit_code, {"tests": tests}, "", 0.0)
        if result.status == "done":
            continue
        headline = step_code(step_number, result.status, result.message, result.tests)
        codes = [test_code(step_number, t) for t in tests if t["status"] not in ("pass", "skip")]
        unknown += [f"{name}: {code}" for code in [headline, *codes] if code not in known]
        assert headline is not None and codes, f"{name} fails with no code: {result.message}"
    assert not unknown, "codes missing from the catalogue:\n" + "\n".join(unknown)


def _judged_for(step_number, tmp_path_factory, shipped_kit) -> dict[str, list[dict]]:
    results_for(step_number, tmp_path_factory, shipped_kit)
    return _judged[step_number]


def held_out_of(tests: list[dict], name: str, step_number: int) -> dict:
    found = [t for t in tests if t["name"] == HELD_OUT_TEST]
    assert len(found) == 1, f"{name}: {len(found)} held-out tests in the counted grade of step {step_number} (expected 1)"
    return found[0]


@pytest.mark.parametrize("step_number", [s.number for s in STEPS])
def test_reference_solution_passes_the_held_out_checks(step_number, tmp_path_factory, shipped_kit):
    held_out = held_out_of(_judged_for(step_number, tmp_path_factory, shipped_kit)[SOLUTION], SOLUTION, step_number)
    assert held_out["status"] == "pass", f"held-out seed {HELD_OUT_SEED}: {held_out['message']}"


@pytest.mark.parametrize(("step_number", "variant"), CASES)
def test_counted_grade_judges_variant_as_expected(step_number: int, variant: Path, tmp_path_factory, shipped_kit) -> None:
    """As a grade that counts judges it (with the held-out test): a correct variant is done; one the
    suite fails fails there too, the held-out test waiting ("not checked yet"); one that answers
    only the visible checks' own inputs fails the held-out test alone, with its catalogued code and
    a message that names neither the inputs nor the seed."""
    from mnistkit.grading.catalogue import test_code

    tests = _judged_for(step_number, tmp_path_factory, shipped_kit)[variant.stem]
    held_out, expected, suite = held_out_of(tests, variant.stem, step_number), counted_expectation(variant), variant_expectation(variant)
    seed = f"(held-out seed {HELD_OUT_SEED})"
    failures = [t for t in tests if t["status"] != "pass"]
    if expected == "pass":
        assert not failures, f"a correct variant is not done in a grade that counts {seed}:\n{describe(failures)}"
        return
    assert any(expected.lower() in t["message"].lower() for t in failures), (
        f"no failure of the counted grade names the mistake ({expected!r}) {seed}:\n{describe(failures)}")
    if suite == "pass":
        assert [t["name"] for t in failures] == [HELD_OUT_TEST], f"{seed}:\n{describe(failures)}"
        assert held_out["status"] == "fail" and test_code(step_number, held_out) == f"step{step_number}.gives-the-same-answers-on-held-out-inputs"
        assert str(HELD_OUT_SEED) not in held_out["message"] and "array(" not in held_out["message"], held_out["message"]
    else:
        assert held_out["status"] == "skip" and held_out["message"].startswith("not checked yet: first fix"), held_out
