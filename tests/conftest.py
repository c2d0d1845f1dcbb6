"""The self-test judges the kit as shipped, not a learner's exercises/: `shipped_kit` is a pristine
copy (see mnistkit/template.py) made once per session, with the stubs as the kit shipped them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnistkit.grading.manifest import load_manifest
from mnistkit.steps import Step
from mnistkit.template import pristine_copy


class ShippedKit:
    def __init__(self, root: Path, missing: list[Step]):
        self.root = root
        self.missing = {step.number for step in missing}

    def stub(self, step: Step) -> Path:
        """The shipped stub of `step`; the test is skipped (with the reason) when no copy of it exists."""
        if step.number in self.missing:
            pytest.skip(f"exercises/{step.folder}/{step.file} has been edited and neither git nor the working tree "
                        "holds the stub as shipped, so the stub checks can't run here (they do in the kit's own repository)")
        return step.learner_file(root=self.root)


@pytest.fixture(scope="session")
def shipped_kit(tmp_path_factory: pytest.TempPathFactory) -> ShippedKit:
    root = tmp_path_factory.mktemp("shipped")
    return ShippedKit(root, pristine_copy(root, load_manifest()))


def pytest_configure(config: pytest.Config) -> None:
    """The session's own cache of the kit's training results (mnistkit/memo.py), shared by every
    process the tests start: what a test checks is trained at least once in the session, never
    read from an earlier session or from the user's cache."""
    import atexit
    import os
    import shutil
    import tempfile

    if os.environ.get("MNISTKIT_TEST_CACHE_OWNER"):
        return  # A self-test run inside a test (test_learner_path) keeps the outer session's cache.
    folder = tempfile.mkdtemp(prefix="mnistkit-cache-")
    os.environ["MNISTKIT_CACHE"] = folder
    os.environ["MNISTKIT_TEST_CACHE_OWNER"] = str(os.getpid())
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
