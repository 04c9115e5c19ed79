"""The picture of a learning path: an SVG drawn at build time, one column per stage, an arrow from each
prerequisite to the step that needs it, each step a link to its entry page. Colours come from the
theme's CSS variables (light and dark), with fallbacks for either scheme; no script, nothing fetched."""
from __future__ import annotations

import textwrap

from kb.paths import LearningPath, hours_text

from .safe import text
from .view import TYPE_TITLES, entry_page, href

MAX_DRAWN = 150  # steps: beyond that the picture is too large to read, and the page lists the steps only
NODE_W, NODE_H, COLUMN_GAP, ROW_GAP, PAD, HEAD = 190, 54, 48, 12, 6, 24
TITLE_CHARS = 27  # per line of a node, at 12 px

STYLE = (".kb-path-svg{color:var(--md-default-fg-color--light,#5f6368);font-family:var(--md-text-font-family,"
         "sans-serif);font-size:12px}"
         ".kb-path-svg .kb-edge{fill:none;stroke:currentColor;stroke-width:1.3}"
         ".kb-path-svg .kb-arrow{fill:currentColor}"
         ".kb-path-svg .kb-node rect{fill:var(--md-default-bg-color,#fff);stroke:var(--md-typeset-a-color,#3f51b5);"
         "stroke-width:1.5}"
         ".kb-path-svg .kb-node text{fill:var(--md-default-fg-color,#202124)}"
         ".kb-path-svg .kb-node .kb-node__meta{fill:var(--md-default-fg-color--light,#5f6368);font-size:11px}"
         ".kb-path-svg .kb-node:hover rect,.kb-path-svg .kb-node:focus rect{"
         "fill:var(--md-accent-fg-color--transparent,#e8eaf6)}"
         ".kb-path-svg .kb-stage{fill:var(--md-default-fg-color--light,#5f6368);font-weight:700}"
         "@media (prefers-color-scheme:dark){.kb-path-svg{color:var(--md-default-fg-color--light,#9aa0a6)}"
         ".kb-path-svg .kb-node rect{fill:var(--md-default-bg-color,#1e2129)}"
         ".kb-path-svg .kb-node text{fill:var(--md-default-fg-color,#e8eaed)}"
         ".kb-path-svg .kb-node .kb-node__meta,.kb-path-svg .kb-stage{fill:var(--md-default-fg-color--light,#9aa0a6)}}")


def draw(path: LearningPath, page: str) -> str:
    """The SVG (one line per element, no blank line, so Markdown passes it through as one HTML block)."""
    columns = _columns(path)
    tallest = max(len(column) for column in columns)
    width = 2 * PAD + len(columns) * (NODE_W + COLUMN_GAP) - COLUMN_GAP
    height = 2 * PAD + HEAD + tallest * (NODE_H + ROW_GAP) - ROW_GAP
    where = {step.id: (PAD + number * (NODE_W + COLUMN_GAP), PAD + HEAD + row * (NODE_H + ROW_GAP))
             for number, column in enumerate(columns) for row, step in enumerate(column)}  # top-left of each box
    label = f"Prerequisite graph: {len(path.steps)} steps in {len(columns)} stages"
    lines = [f'<svg xmlns="http://www.w3.org/2000/svg" class="kb-path-svg" width="{width}" height="{height:g}" '
             f'viewBox="0 0 {width} {height:g}" role="img" aria-label="{text(label)}">',
             f"<title>{text(label)}</title>", f"<style>{STYLE}</style>",
             '<defs><marker id="kb-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto"><path class="kb-arrow" d="M0,0L10,5L0,10z"/></marker></defs>']
    lines += [f'<text class="kb-stage" x="{PAD + n * (NODE_W + COLUMN_GAP) + NODE_W / 2:g}" y="{PAD + 14}" '
              f'text-anchor="middle">Stage {n + 1}</text>' for n in range(len(columns))]
    lines += [_arrow(where[required], where[step.id], required, step.id)
              for step in path.steps for required in step.requires]
    lines += [_node(step, page, *where[step.id]) for step in path.steps]
    lines.append("</svg>")
    return "\n".join(lines)


def _columns(path: LearningPath) -> list[list]:
    """The stages as columns, ordered to keep arrows short: one sweep forwards (each step by the mean row
    of what it needs), one backwards (by the mean row of what needs it; steps nothing needs go last), ties
    in the path's order."""
    columns = path.stages()
    rank = {step.id: i for i, step in enumerate(path.steps)}
    row: dict[str, int] = {}

    def arrange(column: list, neighbours) -> None:
        def key(step) -> tuple[float, int]:
            rows = [row[n] for n in neighbours(step) if n in row]
            return (sum(rows) / len(rows) if rows else float("inf")), rank[step.id]
        column.sort(key=key)
        row.update((step.id, i) for i, step in enumerate(column))

    row.update((step.id, i) for i, step in enumerate(columns[0]))
    for column in columns[1:]:
        arrange(column, lambda step: step.requires)
    for column in reversed(columns[:-1]):
        arrange(column, lambda step: path.needed_by(step.id))
    return columns


def _arrow(start: tuple[float, float], end: tuple[float, float], source: str, target: str) -> str:
    x1, y1 = start[0] + NODE_W, start[1] + NODE_H / 2
    x2, y2 = end[0], end[1] + NODE_H / 2
    bend = COLUMN_GAP * 0.6
    return (f'<path class="kb-edge" data-from="{text(source)}" data-to="{text(target)}" '
            f'd="M{x1:g},{y1:g} C{x1 + bend:g},{y1:g} {x2 - bend:g},{y2:g} {x2:g},{y2:g}" '
            'marker-end="url(#kb-arrow)"/>')


def _node(step, page: str, x: float, y: float) -> str:
    entry = step.entry
    title_lines = textwrap.wrap(entry.title, TITLE_CHARS, max_lines=2, placeholder=" …") or [entry.id]
    meta = f"{TYPE_TITLES.get(entry.type, entry.type)} · {hours_text(entry.hours)}"
    tspans = "".join(f'<tspan x="{x + 8:g}" dy="{15 if i else 0}">{text(line)}</tspan>'
                     for i, line in enumerate(title_lines))
    return (f'<a class="kb-node" href="{text(href(page, entry_page(entry.id)))}" data-entry="{text(entry.id)}">'
            f"<title>{text(entry.title)} ({text(meta)})</title>"
            f'<rect x="{x:g}" y="{y:g}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
            f'<text x="{x + 8:g}" y="{y + 17:g}">{tspans}</text>'
            f'<text class="kb-node__meta" x="{x + 8:g}" y="{y + NODE_H - 8:g}">{text(meta)}</text></a>')
