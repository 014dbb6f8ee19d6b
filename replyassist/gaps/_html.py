"""The HTML report: one self-contained file (inline CSS and SVG, no script, no network).

Every text that comes from the input is PII-masked and HTML-escaped on the way out.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..text import mask_pii

if TYPE_CHECKING:  # pragma: no cover
    from ._analysis import GapReport

__all__ = ["write_html", "render_html"]

#: Gaps listed in the HTML table (all of them are in the CSV and JSON).
MAX_GAPS_SHOWN = 100

_COLORS = {"confident": "#2e7d32", "suggest": "#f9a825", "no_match": "#c62828"}
_LABELS = {"confident": "answered confidently", "suggest": "suggestion only", "no_match": "not answered"}


def esc(value: Any) -> str:
    """PII-mask and HTML-escape any value."""
    if value is None:
        return ""
    return html.escape(mask_pii(str(value)), quote=True)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _stacked_rows(rows: Sequence[tuple[str, Mapping[str, int]]], *, width: int = 560, bar_h: int = 20,
                  label_w: int = 110) -> str:
    """Horizontal 100% stacked bars, one per row, with counts."""
    if not rows:
        return "<p class='muted'>No data.</p>"
    h = len(rows) * (bar_h + 8) + 4
    inner = width - label_w - 70
    parts = [f"<svg role='img' viewBox='0 0 {width} {h}' width='{width}' height='{h}' xmlns='http://www.w3.org/2000/svg'>"]
    for r, (label, counts) in enumerate(rows):
        y = 4 + r * (bar_h + 8)
        tot = sum(counts.values()) or 1
        parts.append(f"<text x='{label_w - 6}' y='{y + bar_h - 5}' text-anchor='end' class='lbl'>{esc(label)}</text>")
        x = float(label_w)
        for band in ("confident", "suggest", "no_match"):
            c = counts.get(band, 0)
            w = inner * c / tot
            if w > 0:
                parts.append(f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='{bar_h}' fill='{_COLORS[band]}'>"
                             f"<title>{esc(label)}: {c} {_LABELS[band]} ({100 * c / tot:.0f}%)</title></rect>")
                if w > 28:
                    parts.append(f"<text x='{x + w / 2:.1f}' y='{y + bar_h - 5}' text-anchor='middle' class='in'>"
                                 f"{100 * c / tot:.0f}%</text>")
            x += w
        parts.append(f"<text x='{label_w + inner + 6}' y='{y + bar_h - 5}' class='lbl'>n={sum(counts.values())}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _columns(periods: Sequence[tuple[str, Mapping[str, int]]], *, width: int = 640, height: int = 200) -> str:
    """Stacked columns of message counts per period."""
    if not periods:
        return "<p class='muted'>No timestamps in the input: no time view.</p>"
    top = max(sum(c.values()) for _, c in periods) or 1
    n = len(periods)
    pad_l, pad_b = 36, 36
    cw = (width - pad_l - 8) / n
    parts = [f"<svg role='img' viewBox='0 0 {width} {height}' width='{width}' height='{height}' "
             "xmlns='http://www.w3.org/2000/svg'>",
             f"<line x1='{pad_l}' y1='{height - pad_b}' x2='{width - 4}' y2='{height - pad_b}' stroke='#999'/>",
             f"<text x='{pad_l - 4}' y='12' text-anchor='end' class='lbl'>{top}</text>"]
    ih = height - pad_b - 16
    step = max(1, n // 12)
    for k, (p, counts) in enumerate(periods):
        x = pad_l + k * cw + 1
        y = float(height - pad_b)
        for band in ("confident", "suggest", "no_match"):
            c = counts.get(band, 0)
            hh = ih * c / top
            if hh > 0:
                y -= hh
                parts.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(cw - 2, 1):.1f}' height='{hh:.1f}' "
                             f"fill='{_COLORS[band]}'><title>{esc(p)}: {c} {_LABELS[band]}</title></rect>")
        if k % step == 0:
            parts.append(f"<text x='{x + cw / 2:.1f}' y='{height - pad_b + 14}' text-anchor='middle' class='tick'>"
                         f"{esc(p)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _bar(frac: float | None, color: str = "#c62828", w: int = 60) -> str:
    if frac is None:
        return "<span class='muted'>–</span>"
    return (f"<svg width='{w}' height='10' xmlns='http://www.w3.org/2000/svg'><rect width='{w}' height='10' fill='#eee'/>"
            f"<rect width='{w * max(0.0, min(1.0, frac)):.1f}' height='10' fill='{color}'/></svg> {_pct(frac)}")


def _chips(counts: Mapping[str, int]) -> str:
    return " ".join(f"<span class='chip'>{esc(k)} {v}</span>" for k, v in counts.items())


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.muted{color:#777}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:12px 16px;min-width:140px}
.card b{display:block;font-size:24px}.card.ok b{color:#2e7d32}.card.warn b{color:#f9a825}.card.bad b{color:#c62828}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #eee;padding:6px 8px;
text-align:left;vertical-align:top}th{background:#f2f2f2;font-weight:600}td.num{text-align:right;white-space:nowrap}
.chip{display:inline-block;background:#eef2f7;border-radius:10px;padding:0 7px;margin:1px;font-size:12px}
.kw{color:#555;font-size:12px}details summary{cursor:pointer;color:#1565c0}
.ex{margin:4px 0;padding:4px 8px;background:#f7f7f7;border-left:3px solid #bbb;white-space:pre-wrap}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
svg .lbl{font-size:12px;fill:#333}svg .in{font-size:11px;fill:#fff}svg .tick{font-size:10px;fill:#555}
.chip.new{background:#fde0dc}.chip.reph{background:#e3f2fd}
.stub{background:#fffbe6;border:1px dashed #e0c200;padding:8px;border-radius:6px}
"""


def render_html(report: "GapReport") -> str:
    """The report as one HTML string."""
    cov = report.coverage
    sh = cov.shares()
    legend = "<div class='legend'>" + "".join(
        f"<span><i style='background:{_COLORS[b]}'></i>{_LABELS[b]}</span>" for b in _COLORS) + "</div>"
    out: list[str] = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
                      "<meta name='viewport' content='width=device-width,initial-scale=1'>",
                      f"<title>FAQ gap report – {esc(report.corpus_name)}</title><style>{_CSS}</style></head><body><main>",
                      f"<h1>FAQ gap report</h1><div class='muted'>FAQ: {esc(report.corpus_name)} · messages: "
                      f"{esc(Path(report.source).name if report.source not in ('list', 'DataFrame') else report.source)} · "
                      f"{report.total_rows} rows, {report.processed} analysed, {len(report.bad_rows)} not usable</div>"]
    out.append("<div class='cards'>"
               f"<div class='card ok'><b>{_pct(sh['confident'])}</b>answered confidently</div>"
               f"<div class='card warn'><b>{_pct(sh['suggest'])}</b>suggestion only</div>"
               f"<div class='card bad'><b>{_pct(sh['no_match'])}</b>not answered</div>"
               f"<div class='card'><b>{len(report.gaps)}</b>gaps (topics to write)</div>"
               f"<div class='card'><b>{len(report.language_gaps)}</b>language gaps</div></div>")
    if report.gaps:
        g = report.gaps[0]
        out.append(f"<p><b>Write first:</b> “{esc(g.stub['title'])}” — {g.size} messages in "
                   f"{esc(', '.join(g.languages))}" + (f", {_pct(g.negative_share)} negative" if g.negative_share is not None else "")
                   + ".</p>")
    # coverage
    out.append("<h2>Coverage</h2>" + legend)
    out.append(_stacked_rows([("all messages", cov.overall)]))
    out.append("<h3>By language</h3>" + _stacked_rows(list(cov.by_language.items())[:15]))
    out.append("<h3>By channel</h3>" + _stacked_rows(list(cov.by_channel.items())[:15]))
    out.append(f"<h3>Over time{' (per ' + esc(cov.period_unit) + ')' if cov.period_unit else ''}</h3>"
               + _columns(cov.by_period))
    # gaps
    out.append(f"<h2>Gaps, ranked: what to write first</h2><p class='muted'>{report.stats.get('unanswered', 0)} "
               f"unanswered messages; {report.stats.get('in_gaps', 0)} grouped into {len(report.gaps)} topics, "
               f"{report.unclustered} too isolated to group. Score = size × (1 + negative share) × recency "
               f"(half-life {report.settings.half_life_days:g} days).</p>")
    if report.gaps:
        out.append("<table><tr><th>#</th><th>Topic (suggested FAQ title)</th><th>Messages</th><th>Languages</th>"
                   "<th>Negative</th><th>Recency</th><th>Nearest FAQ entry</th></tr>")
        for g in report.gaps[:MAX_GAPS_SHOWN]:
            nf = g.nearest_faq
            nf_html = (f"{esc(nf['faq_id'])}<br><span class='muted'>{esc(nf['title'])} · sim {nf['similarity']:.2f}</span>"
                       if nf else "–")
            ex = "".join(f"<div class='ex'>[{esc(e['language'] or 'und')}] {esc(e['text'])}</div>" for e in g.examples)
            qs = "".join(f"<li>[{esc(lang)}] {esc(q)}</li>" for lang, ql in g.stub["questions"].items() for q in ql)
            stub = (f"<div class='stub'><b>FAQ stub</b> (id <code>{esc(g.stub['suggested_id'])}</code>"
                    f"{', category ' + esc(g.stub['category_hint']) if g.stub.get('category_hint') else ''})<br>"
                    f"Title: {esc(g.stub['title'])}<br>Questions:<ul>{qs}</ul>Answer: <i>to be written</i></div>")
            custs = f", {g.customers} customers" if g.customers else ""
            badge = ("<span class='chip new'>new topic</span>" if g.kind == "new_topic" else
                     f"<span class='chip reph' title='most of these messages have this entry as best match: if it "
                     f"answers them, add their phrasings to it'>near {esc((nf or {}).get('top_match_id'))}</span>")
            out.append(f"<tr><td class='num'>{g.rank}</td><td>{badge} <b>{esc(g.stub['title'])}</b><br>"
                       f"<span class='kw'>{esc(', '.join(g.keywords))}</span>"
                       f"<details><summary>examples and stub</summary>{ex}{stub}</details></td>"
                       f"<td class='num'>{g.size}{esc(custs)}</td><td>{_chips(g.languages)}</td>"
                       f"<td>{_bar(g.negative_share)}</td><td class='num'>{g.recency:.2f}</td><td>{nf_html}</td></tr>")
        out.append("</table>")
        if len(report.gaps) > MAX_GAPS_SHOWN:
            out.append(f"<p class='muted'>The first {MAX_GAPS_SHOWN} of {len(report.gaps)} gaps are shown; all are in "
                       "gaps.csv and report.json.</p>")
    else:
        out.append("<p>No gaps: every unanswered message is isolated, or the FAQ answers everything.</p>")
    # per-language view
    out.append("<h2>By language</h2><table><tr><th>Language</th><th>Messages</th><th>Answered (confident + suggestion)"
               "</th><th>Not answered</th><th>Top gaps in this language</th></tr>")
    for lang, c in cov.by_language.items():
        n = sum(c.values())
        top = [g for g in report.gaps if lang in g.languages][:3]
        tops = "; ".join(f"#{g.rank} {esc(g.stub['title'])} ({g.languages[lang]})" for g in top) or "–"
        out.append(f"<tr><td>{esc(lang)}</td><td class='num'>{n}</td><td>{_bar((c['confident'] + c['suggest']) / n if n else None, '#2e7d32')}"
                   f"</td><td class='num'>{c['no_match']}</td><td>{tops}</td></tr>")
    out.append("</table>")
    # language gaps
    out.append("<h2>Language gaps: answered, but not in the customer's language</h2>")
    if report.language_gaps:
        out.append("<table><tr><th>FAQ entry</th><th>Answer exists in</th><th>Asked in</th><th>Messages</th>"
                   "<th>Negative</th><th>Examples</th></tr>")
        for lg in report.language_gaps:
            ex = "".join(f"<div class='ex'>{esc(e)}</div>" for e in lg.examples)
            out.append(f"<tr><td><b>{esc(lg.faq_id)}</b><br><span class='muted'>{esc(lg.faq_title)}</span></td>"
                       f"<td>{esc(', '.join(lg.faq_languages))}</td><td><b>{esc(lg.language)}</b></td>"
                       f"<td class='num'>{lg.count}{esc(f', {lg.customers} customers' if lg.customers else '')}</td>"
                       f"<td>{_bar(lg.negative_share)}</td><td>{ex}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p class='muted'>None: every answered message matched an entry that has an answer in its language.</p>")
    # bad rows
    out.append(f"<h2>Rows not analysed ({len(report.bad_rows)})</h2>")
    if report.bad_rows:
        out.append("<table><tr><th>Row</th><th>Line</th><th>Reason</th><th>Content</th></tr>")
        for b in report.bad_rows:
            out.append(f"<tr><td class='num'>{b.row}</td><td class='num'>{'' if b.line is None else b.line}</td>"
                       f"<td>{esc(b.reason)}</td><td>{esc(b.preview)}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p class='muted'>Every row was usable.</p>")
    if report.notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in report.notes) + "</ul>")
    st = report.settings
    out.append("<h2>Method</h2><p class='muted'>Each message is cleaned, its language detected, encoded once "
               "(multilingual-e5-small) and matched against the FAQ. Messages in the bands "
               f"{esc(', '.join(st.gap_bands))} are grouped by average-linkage clustering on cosine similarity "
               f"(threshold {st.cluster_threshold:g}, minimum {st.min_gap_size} messages"
               f"{', language means removed so one topic groups across languages' if st.center_languages else ''}). "
               "Keywords are class-based TF-IDF against the rest of the log. E-mail addresses, phone numbers, order "
               "numbers, IBAN and card numbers are masked in this report. Generated by replyassist.</p>")
    out.append("</main></body></html>")
    return "\n".join(out)


def write_html(report: "GapReport", out_dir: str | Path) -> Path:
    """Write ``report.html`` into ``out_dir`` (or to ``out_dir`` itself if it ends in ``.html``)."""
    from ._writers import atomic_write, check_output_dir
    p = Path(out_dir)
    if p.suffix.lower() not in (".html", ".htm"):
        p = check_output_dir(p) / "report.html"
    # rendered first, then written atomically: a full disk leaves no 0-byte report.html (issue 20)
    return atomic_write(p, render_html(report))
