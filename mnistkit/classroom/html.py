"""`report.html`: what the class got wrong, on one self-contained page.

No scripts, no fonts, no images to fetch: the styles are inline and the figures are inline SVG,
so the page opens the same offline, from an e-mail or from a CI artifact. Every text that comes
from a submission (names, messages) is escaped.

A student's mistake in a step is the step's headline code (the message they saw first, as the
grader shows it); an untouched step is "not started", counted in the step table, not as a mistake.
"""

from __future__ import annotations

import time
from collections import Counter
from html import escape
from pathlib import Path

from mnistkit.grading.catalogue import by_code, nearest_hint
from mnistkit.steps import STEPS

STYLE = """
body{font:15px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:16px;margin:18px 0 6px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f6f6}
.n{text-align:right;white-space:nowrap}.muted{color:#777}.code{font-family:ui-monospace,monospace;font-size:13px}
.msg{font-family:ui-monospace,monospace;font-size:12.5px;white-space:pre-wrap;background:#fbf6f0;padding:3px 6px}
.top{background:#fff4e5;border-left:4px solid #e8890c;padding:8px 12px;margin:8px 0}
"""


def mistakes(rows: list[dict]) -> dict[int, dict[str, dict]]:
    """Step -> code -> {"students": [...], "messages": Counter}, from each graded student's step headline."""
    found: dict[int, dict[str, dict]] = {step.number: {} for step in STEPS}
    for row in rows:
        for step in row.get("steps", []):
            code = step.get("code")
            if code is None or code.endswith(".not-started"):
                continue
            entry = found.setdefault(step["step"], {}).setdefault(code, {"students": [], "messages": Counter()})
            entry["students"].append(row["student"])
            entry["messages"][(step.get("message") or "").strip()] += 1
    return found


def ranked(found: dict[int, dict[str, dict]]) -> list[tuple[int, str, dict]]:
    """Every (step, code, entry), the most frequent first; ties in step order."""
    flat = [(step, code, entry) for step, codes in found.items() for code, entry in codes.items()]
    return sorted(flat, key=lambda item: (-len(item[2]["students"]), item[0], item[1]))


def write_report(path: Path, rows: list[dict]) -> None:
    path.write_text(render(rows), encoding="utf-8")


def render(rows: list[dict]) -> str:
    graded = [r for r in rows if r.get("status") == "graded"]
    broken = [r for r in rows if r.get("status") != "graded"]
    found = mistakes(graded)
    catalogue = by_code()
    parts = [f"<h1>mnistkit: what the class got wrong</h1><p class=muted>{len(rows)} submissions: {len(graded)} graded, "
             f"{len(broken)} that could not be graded; report of {escape(time.strftime('%Y-%m-%d %H:%M'))}</p>"]
    top = ranked(found)[:3]
    if top:
        parts.append("<h2>Biggest problems</h2>")
        for step, code, entry in top:
            info = catalogue.get(code, {})
            parts.append(f"<div class=top><b>{len(entry['students'])} of {len(graded)}</b> students, step {step}: "
                         f"<span class=code>{escape(code)}</span> — {escape(info.get('description', ''))}"
                         f"<div class=msg>{escape(entry['messages'].most_common(1)[0][0])}</div></div>")
    parts.append(step_table(graded, found))
    parts.append("<h2>Total points</h2>" + histogram([r.get("points", 0) for r in graded]))
    parts.append(mistake_sections(found, catalogue, len(graded)))
    if broken:
        parts.append("<h2>Submissions that could not be graded</h2><table><tr><th>student</th><th>why</th></tr>"
                     + "".join(f"<tr><td>{escape(r['student'])}</td><td>{escape(r.get('problem') or '')}</td></tr>" for r in broken)
                     + "</table>")
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>mnistkit class report</title>"
            f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n")


def step_table(graded: list[dict], found: dict[int, dict[str, dict]]) -> str:
    counts = {step.number: Counter() for step in STEPS}
    for row in graded:
        for step in row.get("steps", []):
            counts[step["step"]][step["status"]] += 1
    head = "<tr><th>step</th><th>title</th><th class=n>finished</th><th></th><th class=n>failing</th><th class=n>error</th>" \
           "<th class=n>not started</th><th class=n>timeout / tampered</th></tr>"
    body = []
    for step in STEPS:
        c, total = counts[step.number], max(len(graded), 1)
        body.append(f"<tr><td>{step.number}</td><td>{escape(step.title)}</td><td class=n>{c['done']} of {len(graded)}</td>"
                    f"<td>{bar(c['done'] / total)}</td><td class=n>{c['failing']}</td><td class=n>{c['error']}</td>"
                    f"<td class=n>{c['not-started']}</td><td class=n>{c['timeout'] + c['tampered']}</td></tr>")
    return "<h2>Steps finished</h2><table>" + head + "".join(body) + "</table>"


def bar(share: float, width: int = 160) -> str:
    filled = round(share * width)
    return (f"<svg width={width} height=12 role=img aria-label='{share:.0%}'><rect width={width} height=12 fill='#eee'/>"
            f"<rect width={filled} height=12 fill='#3a8d3f'/></svg>")


def histogram(totals: list[int], most: int = 100) -> str:
    """Totals in bins of ten points (the last holds exactly 100), as an inline SVG bar chart."""
    bins = [0] * 11
    for total in totals:
        bins[min(total // 10, 10)] += 1
    labels = [f"{10 * i}–{10 * i + 9}" for i in range(10)] + [str(most)]
    tallest, height, step = max(bins + [1]), 140, 70
    shapes = []
    for i, count in enumerate(bins):
        h = round(count / tallest * height)
        x = 10 + i * step
        shapes.append(f"<rect x={x} y={20 + height - h} width={step - 12} height={h} fill='#4a78b5'/>"
                      f"<text x={x + (step - 12) / 2} y={14 + height - h} text-anchor=middle font-size=12>{count or ''}</text>"
                      f"<text x={x + (step - 12) / 2} y={height + 36} text-anchor=middle font-size=11>{labels[i]}</text>")
    return (f"<svg width={20 + 11 * step} height={height + 46} role=img aria-label='students per total'>"
            f"<line x1=5 y1={20 + height} x2={11 * step + 5} y2={20 + height} stroke='#999'/>{''.join(shapes)}</svg>")


def mistake_sections(found: dict[int, dict[str, dict]], catalogue: dict[str, dict], graded: int) -> str:
    """Per step (the step with most students in trouble first), its mistakes, the most frequent first."""
    order = sorted(found, key=lambda s: (-sum(len(e["students"]) for e in found[s].values()), s))
    parts = ["<h2>Mistakes, step by step</h2>"]
    for number in order:
        codes = sorted(found[number].items(), key=lambda item: (-len(item[1]["students"]), item[0]))
        if not codes:
            continue
        step = next(s for s in STEPS if s.number == number)
        parts.append(f"<h3>Step {number}: {escape(step.title)}</h3><table><tr><th class=n>students</th><th>mistake</th>"
                     "<th>what they saw</th><th>hint it points to</th><th>who</th></tr>")
        for code, entry in codes:
            info = catalogue.get(code, {})
            message, seen = entry["messages"].most_common(1)[0]
            others = len(entry["messages"]) - 1
            wording = f"<div class=muted>(+{others} other wording{'s' if others > 1 else ''})</div>" if others else ""
            hint = "<span class=muted>—</span>"
            if info.get("hint"):  # The message they saw names the slip; it picks the hint better than the check's name.
                number = nearest_hint(step, f"{info['description']} {message}")
                hint = f"hint {number}: {escape(step.hints()[number - 1])}"
            parts.append(f"<tr><td class=n>{len(entry['students'])} of {graded}</td><td><span class=code>{escape(code)}</span>"
                         f"<div>{escape(info.get('description', 'not in the catalogue'))}</div></td>"
                         f"<td><div class=msg>{escape(message)}</div>{wording}</td><td>{hint}</td>"
                         f"<td>{escape(', '.join(sorted(entry['students'])))}</td></tr>")
        parts.append("</table>")
    return "".join(parts)
