"""The ordered step list (mnistkit/steps.toml) as Python objects, with the paths each step uses."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mnistkit import KIT_ROOT

STEPS_FILE = Path(__file__).resolve().parent / "steps.toml"


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    section: str
    file: str
    functions: tuple[str, ...]
    points: int
    timeout: int
    tensorflow: bool

    @property
    def folder(self) -> str:
        return f"step{self.number}"

    def exercise_dir(self, root: Path = KIT_ROOT) -> Path:
        return root / "exercises" / self.folder

    def solution_dir(self, root: Path = KIT_ROOT) -> Path:
        return root / "solutions" / self.folder

    def learner_file(self, solutions: bool = False, root: Path = KIT_ROOT) -> Path:
        folder = self.solution_dir(root) if solutions else self.exercise_dir(root)
        return folder / self.file

    def test_files(self, root: Path = KIT_ROOT) -> list[Path]:
        return sorted(self.exercise_dir(root).glob("test_*.py"))

    def readme(self, root: Path = KIT_ROOT) -> Path:
        return self.exercise_dir(root) / "README.md"

    def hints(self, root: Path = KIT_ROOT) -> list[str]:
        """The numbered items under the README's '## Hints' heading, in order."""
        text = self.readme(root).read_text(encoding="utf-8")
        section = re.split(r"^## Hints\s*$", text, flags=re.MULTILINE)
        if len(section) < 2:
            return []
        body = re.split(r"^## ", section[1], flags=re.MULTILINE)[0]
        items = re.split(r"^\d+\.\s+", body, flags=re.MULTILINE)[1:]
        return [" ".join(item.split()) for item in items]


def load_steps(path: Path = STEPS_FILE) -> list[Step]:
    with open(path, "rb") as handle:
        table = tomllib.load(handle)
    steps = [
        Step(
            number=entry["number"],
            title=entry["title"],
            section=entry["section"],
            file=entry["file"],
            functions=tuple(entry["functions"]),
            points=entry["points"],
            timeout=entry["timeout"],
            tensorflow=entry["tensorflow"],
        )
        for entry in table["step"]
    ]
    numbers = [step.number for step in steps]
    if numbers != list(range(1, len(steps) + 1)):
        raise ValueError(f"{path}: steps must be numbered 1, 2, 3, ... in order; found {numbers}")
    return steps


STEPS: list[Step] = load_steps()


def get_step(number: int) -> Step:
    for step in STEPS:
        if step.number == number:
            return step
    raise KeyError(f"there is no step {number}: the steps are 1 to {len(STEPS)}")


def step_of_path(path: Path) -> Step | None:
    """The step whose folder (exercises/stepN or solutions/stepN) holds `path`, if any."""
    for part in reversed(Path(path).resolve().parts):
        match = re.fullmatch(r"step(\d+)", part)
        if match:
            try:
                return get_step(int(match.group(1)))
            except KeyError:
                return None
    return None
