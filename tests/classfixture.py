"""A class of 14 submissions made from the kit's solutions and tests/variants, as a teacher receives them.

Used by tests/test_classroom.py and benchmarks/class_grading.py. Most students differ only in
steps 1 and 2 (no TensorFlow, about a second each) and leave the rest as the untouched stub,
which is graded "not started" without running anything; two hand in every step solved, and one
makes a mistake in step 3.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from mnistkit import KIT_ROOT
from mnistkit.steps import STEPS, get_step

VARIANTS = KIT_ROOT / "tests" / "variants"

# Student -> {step: variant name, or "solution"}; steps not named keep the untouched stub.
STUDENTS = {
    "ada": {step.number: "solution" for step in STEPS},
    "grace": {step.number: "solution" for step in STEPS},  # Handed in as a zip with a top folder.
    "alan": {1: "wrong_divides_by_256"},
    "barbara": {1: "wrong_divides_by_256", 2: "solution"},
    "claude": {1: "wrong_divides_by_256", 2: "solution"},
    "donald": {1: "wrong_float16"},
    "edsger": {1: "solution", 2: "wrong_channels_first"},
    "frances": {1: "solution", 2: "wrong_channels_first"},
    "john": {1: "wrong_syntax_error"},
    "katherine": {1: "solution", 2: "solution"},
    "margaret": {1: "solution", 2: "solution", 3: "wrong_dropout_rate_02"},
}
BROKEN = {"junk": "not a zip archive", "empty": "no exercises/ folder", "hoarder": None}  # hoarder: a 50 MB step 1 file.


def source(step_number: int, which: str) -> bytes:
    step = get_step(step_number)
    if which == "solution":
        return step.learner_file(solutions=True).read_bytes()
    return (VARIANTS / step.folder / f"{which}.py").read_bytes()


def kit_copy(folder: Path, files: dict[int, str]) -> Path:
    """A student's folder as GitHub Classroom's download gives it: the kit, with their exercises/ files."""
    shutil.copytree(KIT_ROOT / "exercises", folder / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "README.md").write_text("my copy of mnistkit\n")
    for number, which in files.items():
        step = get_step(number)
        (step.exercise_dir(folder) / step.file).write_bytes(source(number, which))
    return folder


def make_class(root: Path) -> list[Path]:
    """The class in `root`, one path per student (folders, two zips), in name order."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, files in STUDENTS.items():
        folder = kit_copy(root / "unpacked" / name if name == "grace" else root / name, files)
        if name == "grace":
            folder = zip_folder(folder, root / "grace.zip", top=f"mnistkit-{name}-main/", extra={"../escaped.py": b"x = 1\n"})
        paths.append(folder)
    (root / "junk.zip").write_bytes(bytes(range(256)) * 64)
    (root / "empty").mkdir()
    hoarder = kit_copy(root / "hoarder", {2: "solution"})
    with open(hoarder / "exercises" / "step1" / "scaling.py", "wb") as stream:
        stream.truncate(50 * 10**6)  # Sparse: 50 MB on paper, nothing on disk.
    paths += [root / "junk.zip", root / "empty", hoarder]
    return sorted(paths, key=lambda p: p.name)


def zip_folder(folder: Path, target: Path, top: str, extra: dict[str, bytes]) -> Path:
    """`folder` zipped under a top folder (as GitHub's "Download ZIP"), plus `extra` entries as named."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, top + path.relative_to(folder).as_posix())
        for name, data in extra.items():
            archive.writestr(name, data)
    target.write_bytes(buffer.getvalue())
    return target
