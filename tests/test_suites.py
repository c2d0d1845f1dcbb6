"""Every suite tells right from wrong.

For each step, one fresh pytest process runs the step's suite against:
- the reference solution (`solutions/stepN/`): every test must pass;
- the stub as shipped (the kit's, never a learner's edit of it): every test must report "step N not started";
- every file in `tests/variants/stepN/`: a way a learner might write the step, whose first line
  `EXPECT = ...` says what the suite must make of it: "pass", or a fragment that one of the
  failure messages must contain (the message that names the mistake).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mnistkit.selfcheck import lay_out_variants, run_suite, variant_expectation
from mnistkit.steps import STEPS, get_step

VARIANTS = Path(__file__).resolve().parent / "variants"
SOLUTION, STUB = "reference_solution", "untouched_stub"


def variant_files(step) -> list[Path]:
    return sorted((VARIANTS / step.folder).glob("*.py"))


_runs: dict[int, dict[str, list[dict]]] = {}
_tensorflow_imported: dict[int, bool | None] = {}


def results_for(step_number: int, tmp_path_factory: pytest.TempPathFactory, shipped_kit) -> dict[str, list[dict]]:
    """The solution, the stub and all variants of one step, run once per session in one process."""
    if step_number not in _runs:
        step = get_step(step_number)
        scratch = tmp_path_factory.mktemp(step.folder)
        named = scratch / "named"
        named.mkdir()
        sources = [(SOLUTION, step.learner_file(True, shipped_kit.root))]
        if step_number not in shipped_kit.missing:
            sources.append((STUB, step.learner_file(root=shipped_kit.root)))
        sources += [(v.stem, v) for v in variant_files(step)]
        for name, source in sources:
            (named / f"{name}.py").write_bytes(source.read_bytes())
        folders = lay_out_variants(step, sorted(named.glob("*.py")), scratch / "kits", shipped_kit.root)
        # A TensorFlow suite runs as two processes at once, each on half the variants: one process
        # leaves much of a second core idle, and these runs are most of the self-test's time.
        halves = [folders[0::2], folders[1::2]] if step.tensorflow and len(folders) > 1 else [folders]
        with ThreadPoolExecutor(max_workers=len(halves)) as pool:
            runs = list(pool.map(run_suite, halves))
        results = {name: tests for run in runs for name, tests in run.by_folder().items()}
        missing = [name for name, _ in sources if name not in results]
        assert not missing, f"no results for {missing}; pytest said:\n" + "\n".join(run.stdout[-3000:] for run in runs)
        _runs[step_number] = results
        imported = [run.tensorflow_imported for run in runs]
        _tensorflow_imported[step_number] = None if None in imported else any(imported)  # None: a run wrote no report.
    return _runs[step_number]


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
