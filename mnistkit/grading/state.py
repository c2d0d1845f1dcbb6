"""What the grader remembers between runs, in `.mnistkit/grading/state.json`: the hints already shown.

A missing or unreadable state file starts afresh; it never stops the grader.
"""

from __future__ import annotations

import json
from pathlib import Path

from mnistkit.grading.results import CACHE_DIR


class State:
    def __init__(self, path: Path = CACHE_DIR / "state.json"):
        self.path = path
        try:
            self.data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            self.data = {}
        if not isinstance(self.data, dict):
            self.data = {}
        # Anything but {"<step>": <hints shown, 0 or more>} is dropped, entry by entry.
        hints = self.data.get("hints")
        self.data["hints"] = {key: value for key, value in hints.items() if type(value) is int and value >= 0} if isinstance(hints, dict) else {}

    def hints_shown(self, step: int) -> int:
        return self.data["hints"].get(str(step), 0)

    def next_hint(self, step: int, available: int) -> int:
        """The number (1-based) of the hint to show now for `step`, and remember it."""
        hints = self.data["hints"]
        now = max(1, min(hints.get(str(step), 0) + 1, available))
        hints[str(step)] = now
        self.save()
        return now

    def save(self) -> None:
        try:
            self.path.parent.mkdir(exist_ok=True)
            self.path.write_text(json.dumps(self.data, indent=1), encoding="utf-8")
        except OSError:
            pass
