"""The look of the reports: the HTML style sheet and the colours shared by the diagram and the plots.

Everything here is inlined into the generated files: system font stacks only (no web fonts), a single
column that fits a phone, tables that scroll sideways instead of overflowing, and print rules (A4,
no page breaks inside figures, tables rows or references).
"""

from __future__ import annotations

ACCENT = "#0b5cad"
INCLUDE = "#1a7f37"
EXCLUDE = "#b42318"
MUTED = "#57606a"
LINE = "#d0d7de"
BOX_FILL = "#ffffff"
BOX_STROKE = "#24292f"
PHASE_FILL = "#dbe9f7"
PREVIOUS_FILL = "#eef1f4"
NEW_FILL = "#e6f4ea"
DUPLICATE = "#9aa4af"
FONT_STACK = "DejaVu Sans, Arial, Helvetica, sans-serif"

CSS = """\
:root { --fg: #1b1f24; --muted: #57606a; --accent: #0b5cad; --line: #d0d7de; --soft: #f6f8fa;
        --glance: #eef5fc; --new: #1a7f37; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #fff;
       font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.65rem; line-height: 1.25; margin: 0 0 .35rem; }
.subtitle { color: var(--muted); margin: 0 0 1.5rem; }
h2 { font-size: 1.25rem; line-height: 1.3; margin: 2.2rem 0 .7rem; padding-bottom: .3rem;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
p, ul, ol { margin: .55rem 0; }
ul.glance { background: var(--glance); border-left: 4px solid var(--accent); border-radius: 4px;
            padding: .7rem 1rem .7rem 2rem; }
ul.glance li { margin: .3rem 0; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: .7rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--line); padding: .4rem .55rem; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
table.kv th { width: 11rem; background: none; font-weight: 600; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid var(--fg); }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
code { background: var(--soft); padding: 0 .2rem; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: var(--soft); padding: .65rem .85rem; border-radius: 4px; white-space: pre-wrap;
      overflow-wrap: anywhere; }
figure { margin: 1.1rem 0; }
.figure-scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
figure svg { display: block; width: 100%; height: auto; max-width: 100%; }
figure.prisma svg { max-width: 56rem; }
figure.plot svg { max-width: 40rem; }
.narrow { display: none; }
figure.prisma .narrow svg { max-width: 26rem; margin: 0 auto; }
td.nowrap, th.nowrap { white-space: nowrap; }
/* a long query or file name breaks inside its cell, so that a table of searches fits the page (and print) */
td.wrap { overflow-wrap: anywhere; min-width: 8rem; }
figcaption { color: var(--muted); font-size: .88rem; margin-top: .35rem; }
ol.refs { padding-left: 1.6rem; }
ol.refs li { margin: .65rem 0; }
p.note { color: var(--muted); font-size: .92rem; margin: .2rem 0 0; }
p.small { color: var(--muted); font-size: .88rem; }
.badge { display: inline-block; background: var(--new); color: #fff; border-radius: 3px; padding: 0 .35rem;
         font-size: .75rem; font-weight: 600; vertical-align: .1em; margin-right: .25rem; }
a { color: var(--accent); overflow-wrap: anywhere; }
td a { overflow-wrap: break-word; hyphens: auto; }  /* in a table "anywhere" lets a column shrink to a letter */
@media (max-width: 40rem) {
  body { font-size: 15px; }
  main { padding: 1rem .8rem 2rem; }
  h1 { font-size: 1.35rem; }
  h2 { font-size: 1.12rem; }
  table { font-size: .85rem; }
  th, td { padding: .3rem .35rem; }
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid #d0d7de; padding: .4rem 0; }
  table.stack td { display: block; border: none; padding: .15rem 0; }
  table.stack td::before { content: attr(data-label); display: block; font-weight: 600; color: #57606a; }
  table.stack td.num { text-align: left; }  /* one cell under the other: numbers line up with their labels */
  .wide { display: none; }
  .narrow { display: block; }
}
@media print {
  @page { size: A4; margin: 15mm 14mm; }
  body { font-size: 10pt; line-height: 1.4; color: #000; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, tr, li, ul.glance, pre { break-inside: avoid; page-break-inside: avoid; }
  .figure-scroll, .table-wrap { overflow: visible; }
  figure svg { max-width: 100% !important; }
  .wide { display: block !important; }
  .narrow { display: none !important; }
  a { color: #000; text-decoration: none; }
  ul.glance { background: none; border: 1px solid #999; }
  th { background: none; }
  table { font-size: 8.5pt; }  /* rem would keep the screen's 16px base: tables larger than the text */
  th, td { padding: .2rem .3rem; }
  td.wrap { min-width: 6rem; }
}
"""
