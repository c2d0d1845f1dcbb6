"""Which step a test of tests/test_suites.py is about, from its name: the test decides which
variants a run needs (test_suites.needs_variants), and the root conftest.py keeps a step's tests on
one worker (work_unit)."""

from __future__ import annotations

import re

STEP_6_FITS = "test_the_judge_trains_step_6s_plain_fits_for_its_sandbox"


def step_of(name: str) -> int | None:
    """6 for 'test_reference_solution_passes_every_test[6]' and for
    'test_suite_judges_variant_as_expected[step6-wrong_epochs]'; None for a test of no one step."""
    if name == STEP_6_FITS:
        return 6
    found = re.fullmatch(r"\w+\[(?:step)?(\d+)(?:-[^\]]*)?\]", name)
    return int(found.group(1)) if found else None
