"""What the grader remembers between runs, in `.mnistkit/state.json`: the hints already shown.

A missing or unreadable state file starts afresh; it never stops the grader.
"""

from __future__ import annotations

import json
from pathlib import Path

from mnistkit.grading import CACHE_DIR


class State:
    def __init__(self, path: Path = CACHE_DIR / "state.json"):
        self.path = path
        try:
            self.data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(self.data, dict):
                self.data = {}
        except (OSError, ValueError):
            self.data = {}

    def hints_shown(self, step: int) -> int:
        shown = self.data.get("hints", {}).get(str(step), 0)
        return shown if isinstance(shown, int) else 0

    def next_hint(self, step: int, available: int) -> int:
        """The number (1-based) of the hint to show now for `step`, and remember it."""
        hints = self.data.setdefault("hints", {})
        shown = hints.get(str(step), 0)
        now = min(shown + 1 if isinstance(shown, int) else 1, available)
        hints[str(step)] = now
        self.save()
        return now

    def save(self) -> None:
        try:
            self.path.parent.mkdir(exist_ok=True)
            self.path.write_text(json.dumps(self.data, indent=1), encoding="utf-8")
        except OSError:
            pass
