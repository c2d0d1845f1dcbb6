"""The self-test judges the kit as shipped, not a learner's exercises/: `shipped_kit` is a pristine
copy (see mnistkit/template.py) made once per session, with the stubs as the kit shipped them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnistkit.manifest import load_manifest
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
