"""The class's results: `results.jsonl` (the record), `gradebook.csv` (for the LMS), shards, merging.

`results.jsonl` is the one record of a class run: one JSON object per graded submission,
appended (and flushed) the moment it is graded, so an interrupted run loses nothing and the next
run skips every submission whose `key` (its learner files and the kit) is unchanged. When a
student's files change, a newer line is appended; the last line of a student counts. A line cut
short by an interruption is ignored.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

from mnistkit.steps import STEPS

RESULTS, GRADEBOOK, REPORT = "results.jsonl", "gradebook.csv", "report.html"
SCHEMA = 1


def read_results(path: Path) -> dict[str, dict]:
    """The last complete line of each student in a results.jsonl (none when the file is missing)."""
    rows: dict[str, dict] = {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return rows
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue  # The last line of an interrupted run, or a line edited by hand.
        if isinstance(row, dict) and row.get("schema") == SCHEMA and isinstance(row.get("student"), str):
            rows[row["student"]] = row
    return rows


def append_result(path: Path, row: dict) -> None:
    """One line, written whole and flushed to disk before the next submission is counted as done."""
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(row, separators=(",", ":")) + "\n")
        stream.flush()
        os.fsync(stream.fileno())


def write_results(path: Path, rows: list[dict]) -> None:
    """A fresh results.jsonl with one line per student (merge's output)."""
    scratch = path.with_suffix(".tmp")
    scratch.write_text("".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows), encoding="utf-8")
    scratch.replace(path)


def step_column(step) -> str:
    # "(points)" in the header: Canvas reads a trailing number as nothing special, people read it as the maximum.
    return f"mnistkit step {step.number} ({step.points})"


def write_gradebook(path: Path, rows: list[dict]) -> None:
    """One row per student: `Student`, `SIS Login ID` (the submission's name), points per step, total.

    Plain UTF-8 CSV with a header row, as Canvas's and Moodle's grade imports read it."""
    total = sum(step.points for step in STEPS)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Student", "SIS Login ID", *[step_column(step) for step in STEPS], f"mnistkit total ({total})", "Status"])
        for row in sorted(rows, key=lambda r: r["student"].lower()):
            points = {s["step"]: s["points"] for s in row.get("steps", [])}
            status = row.get("problem") or f"{row.get('done', 0)} of {len(STEPS)} steps done"
            writer.writerow([_cell(row["student"]), _cell(row["student"]), *[points.get(step.number, 0) for step in STEPS],
                             row.get("points", 0), _cell(status)])


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a quote first."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def read_gradebook(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def parse_shard(text: str) -> tuple[int, int]:
    """`i/N` (1 <= i <= N) as (i, N); ValueError with the reason otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"--shard {text}: expected i/N with 1 <= i <= N, e.g. 2/4")
    return int(match.group(1)), int(match.group(2))


def in_shard(names: list[str], shard: tuple[int, int]) -> set[str]:
    """Shard i of N: every N-th student in name order, from the i-th; the shards split the class exactly."""
    index, count = shard
    return {name for position, name in enumerate(sorted(names)) if position % count == index - 1}


def merge(folders: list[Path]) -> tuple[list[dict], list[str]]:
    """The rows of several shards' results.jsonl (folders or the files themselves), and what to warn about."""
    rows: dict[str, dict] = {}
    warnings = []
    for folder in folders:
        path = folder / RESULTS if folder.is_dir() else folder
        if not path.is_file():
            warnings.append(f"{folder}: no {RESULTS} there (a shard that did not finish?)")
            continue
        for name, row in read_results(path).items():
            if name in rows and rows[name].get("key") != row.get("key"):
                warnings.append(f"{name} was graded in two shards with different files; the one in {folder} counts")
            rows[name] = row
    return sorted(rows.values(), key=lambda r: r["student"].lower()), warnings
