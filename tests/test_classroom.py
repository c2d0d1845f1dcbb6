"""Grading a whole class (`python grader.py class`, `merge`): gradebook, results, report, reruns, shards.

One class of 14 submissions (tests/classfixture.py) is graded once for the module; the other
tests read its output or grade it again where nothing changed, which must cost nothing.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
from html import escape as html_escape
from pathlib import Path

import pytest

from tests.classfixture import BROKEN, STUDENTS, VARIANTS, kit_copy, make_class
from tests.kitcopy import grader
from mnistkit import KIT_ROOT
from mnistkit.grading.catalogue import by_code
from mnistkit.grading.selftest import variant_expectation
from mnistkit.steps import STEPS, get_step

# The mistake each wrong variant of the class makes, by the step's headline code, and who made it.
EXPECTED_CODES = {
    "step1.brightest-pixel-becomes-exactly-one": (1, "wrong_divides_by_256", ["alan", "barbara", "claude"]),
    "step1.scaled-pixels-are-float32": (1, "wrong_float16", ["donald"]),
    "step1.syntax-error": (1, "wrong_syntax_error", ["john"]),
    "step2.channel-axis-is-added-last": (2, "wrong_channels_first", ["edsger", "frances"]),
    "step3.dropout-drops-half-of-the-features": (3, "wrong_dropout_rate_02", ["margaret"]),
    "step1.missing-file": (1, None, ["hoarder"]),  # Its 50 MB file is never read.
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    paths = make_class(root / "class")
    completed = grader(KIT_ROOT, "class", *map(str, paths), "--out", str(root / "out"), "--jobs", "2")
    assert completed.returncode == 0, completed.stderr[-3000:]
    return root, paths, completed


def rows_of(out: Path) -> dict[str, dict]:
    return {json.loads(line)["student"]: json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()}


def expected_points(name: str) -> int:
    if name not in STUDENTS:
        return 10 if name == "hoarder" else 0  # hoarder's step 2 is the solution.
    return sum(get_step(n).points for n, which in STUDENTS[name].items() if which == "solution" or which.startswith("correct"))


def test_gradebook_has_a_row_per_student_with_points_per_step(graded):
    root, paths, _ = graded
    with open(root / "out" / "gradebook.csv", newline="") as stream:
        table = list(csv.DictReader(stream))
    assert [row["Student"] for row in table] == sorted([*STUDENTS, *BROKEN])
    for row in table:
        steps = [int(row[f"mnistkit step {s.number} ({s.points})"]) for s in STEPS]
        assert int(row["mnistkit total (100)"]) == sum(steps) == expected_points(row["Student"]), row
    statuses = {row["Student"]: row["Status"] for row in table}
    for name, problem in BROKEN.items():
        assert problem is None or problem in statuses[name], statuses[name]
    assert statuses["ada"] == statuses["grace"] == "8 of 8 steps done"


def test_every_mistake_is_counted_under_its_code_with_the_message_the_student_saw(graded):
    root, _, _ = graded
    rows = rows_of(root / "out")
    catalogue = by_code()
    found: dict[str, list[str]] = {}
    for name, row in rows.items():
        for step in row["steps"]:
            assert (step["code"] is None) == (step["status"] == "done"), step
            for test in step["results"]["tests"]:  # Exercism's statuses: a skip ("not checked yet") reads "fail".
                assert (test["code"] is None) == (test["status"] == "pass" or test["message"].startswith("not checked yet")), test
                assert test["code"] is None or test["code"] in catalogue, test
            if step["code"] and not step["code"].endswith(".not-started"):
                found.setdefault(step["code"], []).append(name)
    assert {code: sorted(names) for code, names in found.items()} == {c: e[2] for c, e in EXPECTED_CODES.items()}
    html = (root / "out" / "report.html").read_text()
    graded_count = sum(row["status"] == "graded" for row in rows.values())
    for code, (step, variant, names) in EXPECTED_CODES.items():
        row = re.search(rf"<tr><td class=n>(\d+) of {graded_count}</td><td><span class=code>{re.escape(code)}</span>.*?</tr>", html)
        assert row and int(row.group(1)) == len(names), f"{code} not counted {len(names)} times in the report"
        assert ", ".join(names) in row.group(0)
        if variant is not None:
            expected = variant_expectation(VARIANTS / f"step{step}" / f"{variant}.py")
            shown = html_escape(expected).lower()
            assert shown in row.group(0).lower(), f"{code}: the report does not show the message saying {expected!r}"
    first = re.search(r"<div class=top><b>(\d+) of", html)
    assert first and int(first.group(1)) == max(len(e[2]) for e in EXPECTED_CODES.values()), "the biggest problem is not first"


def test_broken_submissions_are_rows_and_nothing_leaves_an_archive(graded):
    root, _, completed = graded
    rows = rows_of(root / "out")
    assert rows["junk"]["status"] == rows["empty"]["status"] == "broken"
    assert "not a zip archive" in rows["junk"]["problem"] and "no exercises/ folder" in rows["empty"]["problem"]
    hoarder = rows["hoarder"]["steps"][0]
    assert hoarder["status"] == "error" and "50.0 MB" in hoarder["message"], hoarder
    assert rows["grace"]["points"] == 100  # From the zip's top folder; its "../escaped.py" went nowhere.
    assert not list(root.rglob("escaped.py")) and not list(Path(tempfile.gettempdir()).glob("escaped.py"))
    assert "Traceback" not in completed.stderr


def test_a_rerun_grades_nothing_again_and_a_changed_submission_alone(graded, tmp_path):
    root, paths, _ = graded
    out = tmp_path / "out"
    shutil.copytree(root / "out", out)
    before = (out / "results.jsonl").read_text()
    again = grader(KIT_ROOT, "class", *map(str, paths), "--out", str(out), "--quiet")
    assert again.returncode == 0 and f"0 to grade, {len(paths)} unchanged" in again.stderr, again.stderr
    assert (out / "results.jsonl").read_text() == before
    assert (out / "gradebook.csv").read_text() == (root / "out" / "gradebook.csv").read_text()
    changed = kit_copy(tmp_path / "katherine", {1: "solution", 2: "wrong_channels_first"})
    others = [p for p in paths if p.name != "katherine"]
    third = grader(KIT_ROOT, "class", *map(str, others), str(changed), "--out", str(out), "--quiet")
    assert f"1 to grade, {len(others)} unchanged" in third.stderr, third.stderr
    assert rows_of(out)["katherine"]["points"] == 10


def test_shards_split_the_class_and_merge_into_the_same_gradebook(graded, tmp_path):
    root, paths, _ = graded
    shards = []
    for index in (1, 2, 3):
        shard = tmp_path / f"shard{index}"
        shard.mkdir()
        shutil.copy(root / "out" / "results.jsonl", shard)  # Already graded: a shard only selects and reuses.
        completed = grader(KIT_ROOT, "class", *map(str, paths), "--out", str(shard), "--shard", f"{index}/3", "--quiet")
        assert "0 to grade" in completed.stderr, completed.stderr
        shards.append(shard)
    names = [[row["Student"] for row in csv.DictReader(open(s / "gradebook.csv", newline=""))] for s in shards]
    assert sorted(sum(names, [])) == sorted([*STUDENTS, *BROKEN]) and all(names)
    merged = grader(KIT_ROOT, "merge", *map(str, shards), "--out", str(tmp_path / "merged"))
    assert merged.returncode == 0, merged.stderr
    assert (tmp_path / "merged" / "gradebook.csv").read_text() == (root / "out" / "gradebook.csv").read_text()
    assert len((tmp_path / "merged" / "results.jsonl").read_text().splitlines()) == len(paths)


@pytest.mark.parametrize("args", [["class", "x", "--out", "o", "--shard", "3/2"], ["class", "--out", "o"],
                                  ["class", "x", "--out", "o", "--jobs", "0"], ["merge", "a"]])
def test_bad_arguments_are_one_line_errors(args, tmp_path):
    completed = subprocess.run([sys.executable, str(KIT_ROOT / "grader.py"), *args], cwd=tmp_path, capture_output=True, text=True)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr, completed.stderr
    assert "error:" in completed.stderr.splitlines()[-1]


OFFLINE_PATTERNS = [r"https?:", r"""(src|href)\s*=\s*["']?//""", r"<script", r"<link", r"<img", r"<iframe", r"@import", r"url\("]


def test_report_is_one_self_contained_page(graded):
    html = (graded[0] / "out" / "report.html").read_text()
    found = [pattern for pattern in OFFLINE_PATTERNS if re.search(pattern, html, re.IGNORECASE)]
    assert not found, f"report.html may fetch something: {found}"
    assert html.count("<svg") >= len(STEPS) + 1  # A bar per step and the histogram, inline.


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(page: Path, screenshot: Path) -> set[str]:
    """Open `page` headless (every request sent to a proxy that does not exist); the URLs it requested."""
    with tempfile.TemporaryDirectory() as profile:
        completed = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--proxy-server=127.0.0.1:9", "--enable-logging=stderr", "--v=1", f"--screenshot={screenshot}",
             "--window-size=1200,1600", page.as_uri()], capture_output=True, text=True, timeout=120)
    return set(re.findall(r"NotifyBeforeURLRequest: (\S+)", completed.stderr))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); .ci/run installs it")
def test_report_opens_in_chromium_without_a_network_request(graded, tmp_path):
    """The page's requests are those beyond what chromium itself asks for when it opens an empty page."""
    empty = tmp_path / "empty.html"
    empty.write_text("<!DOCTYPE html><title>empty</title>")
    own = chromium(empty, tmp_path / "empty.png")
    requested = chromium(graded[0] / "out" / "report.html", tmp_path / "report.png")
    assert (tmp_path / "report.png").stat().st_size > 20_000, "no screenshot, or an empty one"
    host = lambda url: re.sub(r"^\w+://([^/]+).*", r"\1", url)  # noqa: E731
    own_hosts = {host(url) for url in own}  # Chromium's own calls home; their queries differ run to run.
    page = {url for url in requested if not url.startswith(("file:", "data:")) and host(url) not in own_hosts}
    assert not page, f"report.html made requests: {page}"


def test_students_with_the_same_file_for_a_step_share_one_grade(graded):
    """ada and grace hand in the same eight files and get the same verdicts; a step file that differs
    is graded for itself (alan and donald make different mistakes in step 1)."""
    root, _, _ = graded
    rows = rows_of(root / "out")
    assert rows["ada"]["steps"] == rows["grace"]["steps"]
    assert [s["message"] for s in rows["barbara"]["steps"]] == [s["message"] for s in rows["claude"]["steps"]]
    assert rows["alan"]["steps"][0]["message"] != rows["donald"]["steps"][0]["message"]


def test_the_same_file_is_graded_once_even_when_two_students_come_at_once():
    import threading
    import time

    from mnistkit.classroom.cli import SameFiles

    same, runs, gate = SameFiles(), [], threading.Barrier(3)

    def compute(label):
        runs.append(label)
        time.sleep(0.2)  # The second student arrives while the first is graded.
        return label

    results = {}

    def student(name, source):
        gate.wait()
        results[name] = same.grade(3, source, lambda: compute(name))

    threads = [threading.Thread(target=student, args=(n, s)) for n, s in (("ada", b"x = 1\n"), ("grace", b"x = 1\n"), ("alan", b"x = 2\n"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(runs) in (["ada", "alan"], ["alan", "grace"]) and results["ada"] == results["grace"] != results["alan"]
    with pytest.raises(ZeroDivisionError):
        same.grade(4, b"y", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # Who waited on a grade that broke hears of it too.
        same.grade(4, b"y", lambda: "never computed")


def test_a_folder_of_submissions_is_told_from_one_submission(tmp_path):
    """`class downloads/` (a folder of students) stands for `downloads/*`; a student's own folder
    with the kit in one top folder (an unpacked "Download ZIP") stays one submission."""
    from mnistkit.classroom.submissions import class_folder

    downloads = tmp_path / "downloads"
    for name in ("alice", "bob"):
        (downloads / name / "exercises").mkdir(parents=True)
    (downloads / ".DS_Store").write_bytes(b"")
    (downloads / "notes.txt").write_text("not a submission\n")
    assert class_folder(downloads) == [downloads / "alice", downloads / "bob", downloads / "notes.txt"]
    unpacked = tmp_path / "carol"
    (unpacked / "mnistkit-carol-main" / "exercises").mkdir(parents=True)
    assert class_folder(unpacked) is None
    assert class_folder(downloads / "alice") is None  # A copy of the kit itself.
    zips = tmp_path / "zips"
    zips.mkdir()
    (zips / "dave.zip").write_bytes(b"PK")  # One zip is enough: a student's own folder holds no zip of their work.
    assert class_folder(zips) == [zips / "dave.zip"]
    assert class_folder(tmp_path / "nowhere") is None


def test_grading_one_folder_of_submissions_grades_each_and_says_so(tmp_path):
    """Two students with nothing to run (no step file yet: every step is "missing"), so no engine starts."""
    downloads = tmp_path / "downloads"
    for name in ("alice", "bob"):
        (downloads / name / "exercises").mkdir(parents=True)
    completed = grader(KIT_ROOT, "class", str(downloads) + "/", "--out", str(tmp_path / "out"), "--quiet")
    assert completed.returncode == 0, completed.stderr[-3000:]
    said = [line for line in completed.stderr.splitlines() if "folder of submissions" in line]
    assert len(said) == 1 and f"`{downloads.as_posix()}/*`" in said[0] and "2 entries" in said[0], completed.stderr
    rows = rows_of(tmp_path / "out")
    assert sorted(rows) == ["alice", "bob"], rows.keys()
    for row in rows.values():
        assert row["status"] == "graded" and all(step["code"].endswith(".missing-file") for step in row["steps"]), row
