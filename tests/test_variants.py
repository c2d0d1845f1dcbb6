"""Every suite tells right from wrong: each file in tests/variants/stepN/ is a way a learner might
write that step, and its `EXPECT` line says what the suite must make of it: "pass", or a fragment
that one of the failure messages must contain (the message that names the mistake).

Each step's variants are run together, in one fresh pytest process, by mnistkit.selfcheck.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mnistkit.selfcheck import lay_out_variants, run_suite, variant_expectation
from mnistkit.steps import STEPS, get_step

VARIANTS = Path(__file__).resolve().parent / "variants"

CASES = [
    pytest.param(step.number, path, id=f"step{step.number}-{path.stem}")
    for step in STEPS
    for path in sorted((VARIANTS / step.folder).glob("*.py"))
]

_runs: dict[int, dict[str, list[dict]]] = {}


def results_for(step_number: int, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """All variants of one step, run once and remembered for the session."""
    if step_number not in _runs:
        step = get_step(step_number)
        variants = sorted((VARIANTS / step.folder).glob("*.py"))
        folders = lay_out_variants(step, variants, tmp_path_factory.mktemp(step.folder))
        run = run_suite(folders)
        results = run.by_folder()
        missing = [v.stem for v in variants if v.stem not in results]
        assert not missing, f"no results for variants {missing}; pytest said:\n{run.stdout[-3000:]}"
        _runs[step_number] = results
    return _runs[step_number]


@pytest.mark.parametrize(("step_number", "variant"), CASES)
def test_suite_judges_variant_as_expected(step_number: int, variant: Path, tmp_path_factory) -> None:
    expected = variant_expectation(variant)
    tests = results_for(step_number, tmp_path_factory)[variant.stem]
    failures = [t for t in tests if t["status"] != "pass"]
    if expected == "pass":
        assert not failures, f"a correct variant failed:\n" + "\n".join(f"{t['name']}: {t['message']}" for t in failures)
    else:
        assert failures, f"the wrong variant {variant.name} passed every test; expected a failure saying {expected!r}"
        messages = [t["message"] for t in failures]
        assert any(expected.lower() in m.lower() for m in messages), (
            f"no failure message names the mistake ({expected!r}); the messages were:\n" + "\n".join(messages)
        )
