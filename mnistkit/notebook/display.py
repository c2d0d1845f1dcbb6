"""What a notebook helper shows under its cell: one coloured panel as HTML, with the same words as
plain text for a terminal or a notebook viewer without HTML (`__repr__`)."""

from __future__ import annotations

import html

# Background and border of each kind of panel (done is green, the grader's colours otherwise).
_STYLES = {
    "done": ("#e6f4ea", "#1e8e3e"),
    "not-started": ("#fef7e0", "#b06000"),
    "failing": ("#fce8e6", "#c5221f"),
    "error": ("#fce8e6", "#c5221f"),
    "info": ("#e8f0fe", "#1a73e8"),
}


class Panel:
    """A titled result: `kind` picks the colour, `body` is plain text, `code` shown as code.

    `status` is the machine-readable verdict (a check's grader status), for tests and scripts."""

    def __init__(self, kind: str, title: str, body: str = "", code: str = "", note: str = "", status: str = ""):
        self.kind, self.title, self.body, self.code, self.note = kind, title, body, code, note
        self.status = status or kind

    def _repr_html_(self) -> str:
        background, border = _STYLES.get(self.kind, _STYLES["info"])
        parts = [
            f'<div class="mnistkit-result" data-status="{html.escape(self.status)}" style="background:{background};'
            f'border-left:6px solid {border};padding:8px 12px;margin:4px 0;font-family:sans-serif">',
            f'<b style="color:{border}">{html.escape(self.title)}</b>',
        ]
        if self.body:
            parts.append(f'<pre style="white-space:pre-wrap;margin:6px 0 0 0;background:none">{html.escape(self.body)}</pre>')
        if self.code:
            parts.append(f'<pre style="margin:6px 0 0 0;padding:6px;background:#fff;border:1px solid #ddd">{html.escape(self.code)}</pre>')
        if self.note:
            parts.append(f'<p style="margin:6px 0 0 0;color:#5f6368"><i>{html.escape(self.note)}</i></p>')
        parts.append("</div>")
        return "".join(parts)

    def __repr__(self) -> str:
        lines = [self.title]
        if self.body:
            lines.append(self.body)
        if self.code:
            lines.append(self.code)
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)
