"""Two self-contained HTML pages: labelled postings (`predict --format html`) and an evaluation report
(`evaluate --html`).

Both pages come from one template (`PAGE`): inline CSS, no scripts, no fonts, images or other
files, and a Content-Security-Policy that forbids loading anything, so a page can be mailed or
opened offline and a posting's own markup can never run. Every piece of posting text goes
through `html.escape`.

- **Postings**: each posting's text with white space kept (`pre-wrap`); every segment is a
  `<mark>` with its label's background colour and the label name as a small tag (displaCy's
  span style), its confidence and layout kind in the `title` (shown on hover); a segment whose
  confidence is below `LOW_CONFIDENCE` has a dashed outline and a "?" after its tag. Above the
  text, a summary: segments, characters and mean confidence per label.
- **Evaluation**: FORMAT.md's three views as tables per label with bars, the confusion
  matrices as heat maps (cell intensity = share of the gold row), and the worst gold segments:
  lowest probability of the gold label first, with the label the model gave them, what the
  full system gave their characters, and the text around them. The segments come from
  `segment_details`, which `evaluate(..., details=True)` adds to the report as `"segments"`.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from string import Template
from typing import Any

from jobsections.annotations import LABELS

LOW_CONFIDENCE = 0.5
"""Segments labelled with a probability below this are marked as low confidence."""

WORST = 40
"""How many of the worst gold segments the evaluation report lists."""

CONTEXT = 100
"""Characters of text shown on each side of a worst segment."""

COLOURS = {
    "responsibility": "#9fd3ff",
    "qualification": "#ffcf8a",
    "benefit": "#a8e6a1",
    "application": "#f4aee0",
    "other": "#dddddd",
}
"""The background colour of each label, on both pages."""

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="jobsections $version">
<title>$title</title>
<style>
$css
</style>
</head>
<body>
<main>
<h1>$title</h1>
$legend
$body
</main>
</body>
</html>
""")

CSS = (
    """\
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f7f7f8; color: #1d1d1f;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.5rem; margin: .5rem 0; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: 1.25rem 0 .4rem; }
p, li { overflow-wrap: anywhere; }
.muted { color: #666; font-size: .9em; }
.legend { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem .5rem; position: sticky; top: 0;
  z-index: 1; background: #f7f7f8; padding: .5rem 0; border-bottom: 1px solid #ddd; font-size: .9em; }
.legend .seg { line-height: 1.6; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 2; background: #fff; border: 1px solid #ddd;
  border-radius: 6px; padding: .9rem 1rem; font-size: 14.5px; }
.seg { border-radius: .35em; padding: .12em .3em; color: inherit; box-decoration-break: clone;
  -webkit-box-decoration-break: clone; }
.seg::after { content: attr(data-label); font-size: .66em; font-weight: 700; text-transform: uppercase;
  letter-spacing: .03em; margin-left: .45em; vertical-align: .1em; opacity: .7; white-space: nowrap; }
.seg.low { outline: 2px dashed #b00020; outline-offset: 1px; }
.seg.low::after { content: attr(data-label) " ?"; }
.seg.plain::after { content: none; }
.seg:hover { filter: brightness(.93); }
"""
    + "".join(f".l-{label} {{ background-color: {colour}; }}\n" for label, colour in COLOURS.items())
    + """\
.posting { margin-top: 2.25rem; }
section, h2, h3 { scroll-margin-top: 3.5rem; }
.toc { padding-left: 1.25rem; }
table { border-collapse: collapse; background: #fff; font-size: .9em; margin: .4rem 0; max-width: 100%; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: right; overflow-wrap: anywhere; }
th:first-child, td.name { text-align: left; }
tfoot td, tfoot th { font-weight: 600; background: #fafafa; }
.chip { display: inline-block; width: .8em; height: .8em; border-radius: .2em; margin-right: .35em;
  vertical-align: -.05em; }
.shares { display: flex; height: .7rem; border-radius: 3px; overflow: hidden; margin: .4rem 0 .6rem;
  max-width: 40rem; border: 1px solid #ddd; }
.bar { position: relative; min-width: 5.5rem; }
.bar .fill { position: absolute; left: 0; top: 3px; bottom: 3px; border-radius: 2px; }
.bar .v { position: relative; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: 1rem 0; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .5rem .8rem; min-width: 9rem; }
.card b { display: block; font-size: 1.4rem; }
.heat td { min-width: 3.2rem; }
.heat td small { display: block; font-size: .75em; opacity: .8; }
.heat .dark { color: #fff; }
.worst { padding-left: 2rem; }
.worst li { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .5rem .8rem; margin: .5rem 0; }
.worst .fields { display: flex; flex-wrap: wrap; gap: .2rem 1.2rem; font-size: .9em; }
.worst .context { line-height: 1.9; margin-top: .3rem; overflow-wrap: anywhere; }
.ctx { color: #666; }
@media (max-width: 640px) { main { padding: .5rem .6rem 2rem; } table { font-size: .75em; }
  .bar { min-width: 3.2rem; } th, td { padding: .2rem .3rem; } .worst { padding-left: 1.2rem; } }
"""
)


def _e(text: Any) -> str:
    """Text escaped for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def _chip(label: str) -> str:
    return f'<span class="chip l-{_e(label)}"></span>'


def _tag(label: str, title: str = "") -> str:
    """A label as a small coloured mark with its name (as in the legend)."""
    title_attr = f' title="{_e(title)}"' if title else ""
    return f'<mark class="seg plain l-{_e(label)}"{title_attr}>{_e(label)}</mark>'


def legend() -> str:
    """The five labels in their colours, and what a low-confidence segment looks like."""
    items = "".join(f'<mark class="seg plain l-{label}" data-legend="{label}">{label}</mark>' for label in LABELS)
    low = (
        f'<mark class="seg low l-other" data-label="" data-legend="low"'
        f' title="confidence below {LOW_CONFIDENCE}">confidence &lt; {LOW_CONFIDENCE}</mark>'
    )
    return f'<div class="legend"><b>labels</b> {items} {low}</div>'


def page(title: str, body: str) -> str:
    """A whole HTML document: the shared template, with a legend under the title."""
    from jobsections import __version__

    return PAGE.substitute(title=_e(title), css=CSS, legend=legend(), body=body, version=_e(__version__))


# ---------------------------------------------------------------------------------------------
# predict --format html


def _score(seg: dict[str, Any]) -> float | None:
    score = seg.get("score")
    return None if score is None else float(score)


def _summary(record: dict[str, Any]) -> str:
    """Segments, characters and mean confidence per label, and the label shares of the characters."""
    segments = record["segments"]
    stats = {label: {"n": 0, "chars": 0, "scores": []} for label in LABELS}
    for seg in segments:
        s = stats.setdefault(seg["label"], {"n": 0, "chars": 0, "scores": []})
        s["n"] += 1
        s["chars"] += seg["end"] - seg["start"]
        if _score(seg) is not None:
            s["scores"].append(_score(seg))
    total_chars = sum(s["chars"] for s in stats.values())
    all_scores = [x for s in stats.values() for x in s["scores"]]
    low = sum(x < LOW_CONFIDENCE for x in all_scores)

    def mean(xs: Sequence[float]) -> str:
        return f"{sum(xs) / len(xs):.2f}" if xs else "–"

    rows = []
    for label, s in stats.items():
        share = f"{100 * s['chars'] / total_chars:.0f}%" if total_chars else "–"
        rows.append(
            f'<tr data-label="{_e(label)}"><td class="name">{_chip(label)}{_e(label)}</td><td>{s["n"]}</td>'
            f"<td>{s['chars']}</td><td>{share}</td><td>{mean(s['scores'])}</td></tr>"
        )
    shares = "".join(
        f'<span class="l-{_e(label)}" style="flex: {s["chars"]}" title="{_e(label)}: {s["chars"]} characters"></span>'
        for label, s in stats.items()
        if s["chars"]
    )
    return (
        f'<p class="muted">{len(segments)} segments, {total_chars} characters in segments, mean confidence '
        f"{mean(all_scores)}, {low} below {LOW_CONFIDENCE}</p>"
        f'<div class="shares" aria-hidden="true">{shares}</div>'
        '<table class="summary"><thead><tr><th>label</th><th>segments</th><th>characters</th><th>share</th>'
        f"<th>mean confidence</th></tr></thead><tbody>{''.join(rows)}</tbody>"
        f"<tfoot><tr><td class='name'>all</td><td>{len(segments)}</td><td>{total_chars}</td><td></td>"
        f"<td>{mean(all_scores)}</td></tr></tfoot></table>"
    )


def marked_text(text: str, segments: Sequence[dict[str, Any]]) -> str:
    """The text with every segment in a `<mark>` of its label; the rest as it is, escaped."""
    out = []
    pos = 0
    for seg in sorted(segments, key=lambda s: (s["start"], s["end"])):
        start, end = max(seg["start"], pos), seg["end"]
        if end <= start:
            continue
        out.append(_e(text[pos:start]))
        label = seg["label"]
        score = _score(seg)
        title = [label]
        if score is not None:
            title.append(f"confidence {score:.2f}")
        if seg.get("kind"):
            title.append(str(seg["kind"]))
        low = score is not None and score < LOW_CONFIDENCE
        if low:
            title.append(f"low confidence (below {LOW_CONFIDENCE})")
        attrs = f'class="seg l-{_e(label)}{" low" if low else ""}" data-label="{_e(label)}"'
        if score is not None:
            attrs += f' data-score="{score:.4f}"'
        out.append(f'<mark {attrs} title="{_e(" · ".join(title))}">{_e(text[start:end])}</mark>')
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


def predictions_page(records: Iterable[dict[str, Any]], title: str = "") -> str:
    """One HTML page showing labelled records (`predict_records` output) one after the other."""
    records = list(records)
    title = title or f"jobsections: {len(records)} labelled posting{'s' if len(records) != 1 else ''}"
    parts = []
    if len(records) > 1:
        items = []
        for i, r in enumerate(records):
            scores = [x for x in map(_score, r["segments"]) if x is not None]
            low = sum(x < LOW_CONFIDENCE for x in scores)
            mean = f", mean confidence {sum(scores) / len(scores):.2f}" if scores else ""
            items.append(
                f'<li><a href="#p{i}">{_e(r["id"])}</a> <span class="muted">{len(r["segments"])} segments{mean}'
                f"{f', {low} low' if low else ''}</span></li>"
            )
        parts.append(f'<ol class="toc">{"".join(items)}</ol>')
    for i, r in enumerate(records):
        source = f' <span class="muted">{_e(r["source"])}</span>' if r.get("source") else ""
        parts.append(
            f'<section class="posting" id="p{i}"><h2>{_e(r["id"])}{source}</h2>{_summary(r)}'
            f'<div class="text">{marked_text(r["text"], r["segments"])}</div></section>'
        )
    return page(title, "\n".join(parts))


# ---------------------------------------------------------------------------------------------
# evaluate --html


def segment_details(model: Any, postings: Sequence[Any], predicted: Sequence[Sequence[dict[str, Any]]]) -> list:
    """Every gold segment with the model's probabilities for it (labelled on gold segments, the
    whole posting as context: the second view) and the labels the full system gave its
    non-white-space characters (the third view, `other` where no predicted segment covers them),
    with its text and `CONTEXT` characters each side."""
    from jobsections.features import segment_rows
    from jobsections.segment import kinds_for

    triples = []
    for p in postings:
        spans = [(s["start"], s["end"]) for s in p.segments or []]
        triples.append([(a, b, k) for (a, b), k in zip(spans, kinds_for(p.text, spans, model.boundary))])
    rows = [row for i, (p, segs) in enumerate(zip(postings, triples)) for row in segment_rows(p.text, segs, i)]
    probs = model.classifier.predict_proba(rows)
    classes = [str(c) for c in model.classifier.classes_]
    out: list[dict[str, Any]] = []
    k = 0
    for posting, pred in zip(postings, predicted):
        text = posting.text
        chars = ["other"] * len(text)
        for s in pred:
            chars[s["start"] : s["end"]] = [s["label"]] * (s["end"] - s["start"])
        for seg in posting.segments or []:
            start, end = seg["start"], seg["end"]
            prob = {label: 0.0 for label in LABELS}
            prob.update({c: round(float(x), 4) for c, x in zip(classes, probs[k])})
            best = classes[int(probs[k].argmax())]  # as `label_rows` picks it, before rounding
            k += 1
            e2e = Counter(chars[i] for i in range(start, end) if not text[i].isspace())
            out.append(
                {
                    "id": posting.id,
                    "start": start,
                    "end": end,
                    "gold": seg["label"],
                    "predicted": best,
                    "gold_probability": prob[seg["label"]],
                    "probabilities": prob,
                    "end_to_end": dict(e2e.most_common()),
                    "text": text[start:end],
                    "before": text[max(0, start - CONTEXT) : start],
                    "after": text[end : end + CONTEXT],
                }
            )
    return out


VIEWS = (
    (
        "segmentation",
        "1. Segmentation (exact boundaries)",
        "A predicted segment matches a gold one when start and end are equal. Recall of a label counts "
        "its gold segments; precision counts the predicted segments the model gave that label. Support: "
        "gold segments.",
    ),
    (
        "classification",
        "2. Classification on gold segments",
        "The model labels the gold segments, the whole posting as context. Support: gold segments.",
    ),
    (
        "end_to_end",
        "3. End to end, over characters",
        "The full system on the raw text: every non-white-space character inside a gold segment, scored "
        "with the gold label and the label of the predicted segment covering it (other where none does). "
        "Support: characters.",
    ),
)


def _bar(value: float, label: str) -> str:
    return (
        f'<td class="bar"><span class="fill l-{_e(label)}" style="width: {100 * value:.1f}%"></span>'
        f'<span class="v">{value:.3f}</span></td>'
    )


def _view_table(key: str, view: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr data-label="{label}"><td class="name">{_chip(label)}{label}</td>'
        + "".join(_bar(view["per_label"][label][m], label) for m in ("precision", "recall", "f1"))
        + f"<td>{view['per_label'][label]['support']}</td></tr>"
        for label in LABELS
    )
    if key == "segmentation":
        foot = (
            f"<tr><td class='name'>overall</td><td>{view['precision']:.3f}</td><td>{view['recall']:.3f}</td>"
            f"<td>{view['f1']:.3f}</td><td>{view['n']}</td></tr>"
        )
    else:
        foot = (
            f"<tr><td class='name' colspan='4'>accuracy {view['accuracy']:.3f} · macro-F1 {view['macro_f1']:.3f}"
            f"</td><td>{view['n']}</td></tr>"
        )
    return (
        f'<table class="per-label" data-view="{key}"><thead><tr><th>label</th><th>precision</th><th>recall</th>'
        f"<th>F1</th><th>support</th></tr></thead><tbody>{rows}</tbody><tfoot>{foot}</tfoot></table>"
    )


def heatmap(confusion: Sequence[Sequence[int]], unit: str) -> str:
    """A confusion matrix (rows gold, columns predicted) as a table whose cells are shaded by
    their share of the gold row: green on the diagonal, red off it."""
    head = "".join(f"<th>{_chip(label)}{label}</th>" for label in LABELS)
    body = []
    for gold, row in zip(LABELS, confusion):
        total = sum(row)
        cells = []
        for pred, v in zip(LABELS, row):
            share = v / total if total else 0.0
            alpha = max(share, 0.08) if v else 0.0
            rgb = "27, 122, 60" if gold == pred else "190, 30, 45"
            dark = " dark" if alpha > 0.55 else ""
            title = f"gold {gold}, predicted {pred}: {v} {unit} ({100 * share:.1f}% of gold {gold})"
            cells.append(
                f'<td class="cell{dark}" style="background-color: rgba({rgb}, {alpha:.3f})" title="{_e(title)}"'
                f' data-gold="{gold}" data-predicted="{pred}">{v}<small>{100 * share:.0f}%</small></td>'
            )
        body.append(f'<tr><td class="name">{_chip(gold)}{gold}</td>{"".join(cells)}<td>{total}</td></tr>')
    columns = [sum(col) for col in zip(*confusion)] if confusion else [0] * len(LABELS)
    foot = "".join(f"<td>{v}</td>" for v in columns)
    return (
        '<table class="heat"><thead><tr><th>gold ↓ predicted →</th>'
        f"{head}<th>total</th></tr></thead><tbody>{''.join(body)}</tbody>"
        f"<tfoot><tr><td class='name'>total</td>{foot}<td>{sum(columns)}</td></tr></tfoot></table>"
    )


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _worst_list(details: Sequence[dict[str, Any]], n: int) -> str:
    """The `n` gold segments with the lowest probability of their gold label, lowest first."""
    ranked = sorted(details, key=lambda d: (d["gold_probability"], d["id"], d["start"]))[:n]
    items = []
    for d in ranked:
        before = ("…" if d["start"] > CONTEXT else "") + _squeeze(d["before"]).lstrip()
        after = _squeeze(d["after"]).rstrip() + ("…" if len(d["after"]) >= CONTEXT else "")
        text = d["text"] if len(d["text"]) <= 400 else f"{d['text'][:300]} … {d['text'][-80:]}"
        chars = sum(d["end_to_end"].values())
        e2e = ", ".join(f"{_chip(label)}{_e(label)} {100 * v / chars:.0f}%" for label, v in d["end_to_end"].items())
        p_pred = d["probabilities"][d["predicted"]]
        title = f"gold {d['gold']}; model {d['predicted']} ({p_pred:.2f}); characters {d['start']}–{d['end']}"
        items.append(
            f'<li data-gold="{_e(d["gold"])}" data-predicted="{_e(d["predicted"])}"'
            f' data-gold-probability="{d["gold_probability"]:.4f}"><div class="fields">'
            f'<span><span class="muted">posting</span> {_e(d["id"])} <span class="muted">{d["start"]}–{d["end"]}'
            f"</span></span><span><span class='muted'>gold</span> {_tag(d['gold'])}</span>"
            f"<span><span class='muted'>P(gold)</span> <b>{d['gold_probability']:.2f}</b></span>"
            f"<span><span class='muted'>model on the gold segment</span> {_tag(d['predicted'])} {p_pred:.2f}</span>"
            f"<span><span class='muted'>end to end</span> {e2e or '–'}</span></div>"
            f'<div class="context"><span class="ctx">{_e(before)}</span> '
            f'<mark class="seg l-{_e(d["gold"])}" data-label="{_e(d["gold"])}" title="{_e(title)}">'
            f'{_e(_squeeze(text))}</mark> <span class="ctx">{_e(after)}</span></div></li>'
        )
    return f'<ol class="worst">{"".join(items)}</ol>'


def evaluation_page(report: dict[str, Any], worst: int = WORST) -> str:
    """The evaluation report (`evaluate` or `cross_validate` output) as one HTML page."""
    parts = []
    about = [report.get("title", "")]
    if report.get("data"):
        about.append("data: " + ", ".join(map(str, report["data"])))
    parts.append(f'<p class="muted">{_e(" · ".join(a for a in about if a))}</p>')
    cards = [
        ("end to end accuracy", report["end_to_end"]["accuracy"]),
        ("end to end macro-F1", report["end_to_end"]["macro_f1"]),
        ("gold segments: accuracy", report["classification"]["accuracy"]),
        ("gold segments: macro-F1", report["classification"]["macro_f1"]),
        ("segmentation F1", report["segmentation"]["f1"]),
    ]
    parts.append(
        '<div class="cards">'
        + "".join(f'<div class="card"><span class="muted">{_e(k)}</span><b>{v:.3f}</b></div>' for k, v in cards)
        + f'<div class="card"><span class="muted">postings</span><b>{report.get("postings", "?")}</b></div></div>'
    )
    for key, name, what in VIEWS:
        view = report[key]
        section = [f'<section class="view" id="{key}"><h2>{_e(name)}</h2><p class="muted">{_e(what)}</p>']
        section.append(_view_table(key, view))
        if "confusion" in view:
            unit = "characters" if key == "end_to_end" else "segments"
            section.append(f"<h3>Confusion matrix ({unit}; rows gold, columns predicted)</h3>")
            section.append(heatmap(view["confusion"], unit))
        parts.append("".join(section) + "</section>")
    details = report.get("segments")
    parts.append('<section id="worst"><h2>Worst segments</h2>')
    if details:
        wrong = sum(d["gold"] != d["predicted"] for d in details)
        parts.append(
            f'<p class="muted">The {min(worst, len(details))} gold segments (of {len(details)}; {wrong} labelled '
            "wrongly on gold segments) to which the model gives the lowest probability of their gold label, "
            "lowest first. <i>model</i>: its label on the gold segment and that label's probability; "
            "<i>end to end</i>: the labels the full system gave the segment's characters; the segment is "
            f"coloured by its gold label, with up to {CONTEXT} characters each side (white space squeezed).</p>"
        )
        parts.append(_worst_list(details, worst))
    else:
        parts.append('<p class="muted">No per-segment details in this report.</p>')
    parts.append("</section>")
    return page("jobsections evaluation", "\n".join(parts))


def write_page(text: str, path: str) -> None:
    """Write a page whole or not at all (`-`: standard output)."""
    from jobsections.writers import _atomic

    with _atomic(path) as f:
        f.write(text)
