"""The HTML pages of `jobsections.report`: `predict --format html` and `evaluate --html`.

The first tests read the HTML in Python (escaping, white space, low-confidence marks, the
report's details). The `chromium` tests render both pages in headless Chromium through
Playwright's Python package, pointed at the system's `chromium` (Debian's package; Playwright's
own browser download is never used), and check what a person sees: the legend and every label
colour (computed styles), no horizontal overflow at a desktop and a phone width, no console
errors, no requests beyond the page itself, and the text exactly as given. They are skipped
when Playwright or Chromium is missing, unless JOBSECTIONS_REQUIRE_BROWSER=1 (as `.ci/run`
sets), which makes a missing browser a failure. With JOBSECTIONS_SCREENSHOTS=DIR the
screenshots go to DIR (`docs/` holds the README's), else to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEEDS, read_jsonl

from jobsections.annotations import LABELS, load_annotations, postings_of
from jobsections.cli import main
from jobsections.evaluation import cross_validate, evaluate
from jobsections.model import load_model
from jobsections.predict import predict_records
from jobsections.readers import Posting
from jobsections.report import COLOURS, LOW_CONFIDENCE, WORST, evaluation_page, predictions_page
from jobsections.writers import format_for, write_records

NASTY = (
    'ABOUT US\n\n<script>alert("owned")</script> & <b>bold</b> &amp; "double" \'single\'\n'
    "  indented   line\twith\ttabs\n\nApply: <img src=x onerror=alert(1)> jobs@example.org\n"
    + "x"
    * 400  # one long unbroken word: must wrap, not overflow
)
NASTY_RECORD: dict[str, Any] = {
    "id": 'nasty <"id">',
    "source": "made/in/the/test.txt",
    "text": NASTY,
    "segments": [
        {"start": 0, "end": 8, "label": "other", "score": 0.97, "kind": "heading"},
        {"start": 10, "end": 79, "label": "benefit", "score": 0.31, "kind": "sentence"},
        {"start": 82, "end": 107, "label": "qualification", "score": 0.8, "kind": "sentence"},
        {"start": 109, "end": len(NASTY), "label": "application", "score": 0.49, "kind": "field"},
    ],
}


class _Texts(HTMLParser):
    """The text inside each `<div class="text">` of a page, as a browser would read it, and the
    tags found in there."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.depth = 0
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.tags.append(tag)
            self.depth += tag == "div"
        elif tag == "div" and ("class", "text") in attrs:
            self.depth = 1
            self.texts.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "div":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.texts[-1] += data


def test_posting_text_is_escaped_and_kept_exactly() -> None:
    page = predictions_page([NASTY_RECORD])
    parser = _Texts()
    parser.feed(page)
    assert parser.texts == [NASTY]
    assert set(parser.tags) == {"mark"}
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in page
    assert "&amp;amp;" in page  # a literal "&amp;" in the posting stays literal
    assert "nasty &lt;&quot;id&quot;&gt;" in page


def test_segments_have_label_score_and_low_confidence_marks() -> None:
    page = predictions_page([NASTY_RECORD])
    assert 'class="seg l-benefit low" data-label="benefit" data-score="0.3100"' in page
    assert 'class="seg l-qualification" data-label="qualification" data-score="0.8000"' in page
    assert f"benefit · confidence 0.31 · sentence · low confidence (below {LOW_CONFIDENCE})" in page
    assert "4 segments," in page and "mean confidence 0.64, 2 below 0.5" in page  # (0.97+0.31+0.8+0.49)/4


def test_summary_counts_segments_and_characters_per_label() -> None:
    record = {
        "id": "p",
        "source": "",
        "text": "Duties\nLead teams. Plan work.\nPension.",
        "segments": [
            {"start": 0, "end": 6, "label": "other", "score": 0.9},
            {"start": 7, "end": 18, "label": "responsibility", "score": 0.8},
            {"start": 19, "end": 29, "label": "responsibility", "score": 0.6},
            {"start": 30, "end": 38, "label": "benefit", "score": 0.7},
        ],
    }
    page = predictions_page([record])
    assert '<tr data-label="responsibility"><td class="name"><span class="chip l-responsibility"></span>' in page
    assert "responsibility</td><td>2</td><td>21</td><td>60%</td><td>0.70</td>" in page
    assert "benefit</td><td>1</td><td>8</td><td>23%</td><td>0.70</td>" in page
    assert "qualification</td><td>0</td><td>0</td><td>0%</td><td>–</td>" in page


def test_html_is_a_format_of_predict(tmp_path: Path) -> None:
    assert format_for("page.html", None) == "html" and format_for("page.json", "html") == "html"
    out = tmp_path / "page.html"
    posting = tmp_path / "nurse.txt"
    posting.write_text("WHAT WE OFFER\n\n• A pension & <more>\n\nApply by 3 May.", encoding="utf-8")
    assert main(["predict", str(posting), "-o", str(out), "--model", str(ROOT / "model")]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "A pension &amp; &lt;more" in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")


def test_help_names_the_new_options(capsys: pytest.CaptureFixture) -> None:
    for command, option in (("predict", "html: one self-contained page"), ("evaluate", "--html REPORT.html")):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert option in " ".join(capsys.readouterr().out.split())


def test_details_add_segments_and_change_nothing_else(small_model) -> None:
    postings = [Posting(r["id"], r["text"], r["source"], r["segments"]) for r in read_jsonl(SEEDS, 2)]
    plain = evaluate(small_model, postings)
    report = evaluate(small_model, postings, details=True)
    details = report.pop("segments")
    assert report == plain
    assert len(details) == plain["classification"]["n"] == sum(len(p.segments) for p in postings)
    for d, seg in zip(details, [s for p in postings for s in p.segments]):
        assert (d["start"], d["end"], d["gold"]) == (seg["start"], seg["end"], seg["label"])
        assert d["gold_probability"] == d["probabilities"][d["gold"]]
        assert sum(d["end_to_end"].values()) == sum(not c.isspace() for c in d["text"])
    # the labels of the details are those of view 2, their characters those of view 3
    accuracy = sum(d["gold"] == d["predicted"] for d in details) / len(details)
    assert accuracy == pytest.approx(plain["classification"]["accuracy"])
    e2e = sum(d["end_to_end"].get(d["gold"], 0) for d in details) / plain["end_to_end"]["n"]
    assert e2e == pytest.approx(plain["end_to_end"]["accuracy"])


def test_cross_validation_details_cover_every_gold_segment(small_corpus: Path) -> None:
    dataset = load_annotations([small_corpus]).select(range(6))
    report = cross_validate(dataset, 2, seed=0, details=True)
    assert len(report["segments"]) == report["classification"]["n"]
    assert {d["id"] for d in report["segments"]} == set(dataset["id"])


def test_evaluation_page_without_details_still_renders(small_model) -> None:
    postings = [Posting(r["id"], r["text"], r["source"], r["segments"]) for r in read_jsonl(SEEDS, 1)]
    page = evaluation_page(evaluate(small_model, postings))
    assert "No per-segment details" in page and "3. End to end, over characters" in page


# --------------------------------------------------------------------------------- in Chromium

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (1280, 420)


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Any:
    required = os.environ.get("JOBSECTIONS_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            raise
        pytest.skip("playwright is not installed (pip install playwright)")
    executable = _chromium()
    if executable is None:
        if required:
            pytest.fail("JOBSECTIONS_REQUIRE_BROWSER=1 but no chromium on PATH")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both pages of the shipped model on the five seeds (the predictions with a hostile posting
    added), written by the command line."""
    folder = tmp_path_factory.mktemp("pages")
    model = load_model(ROOT / "model")
    records = [*predict_records(model, postings_of(load_annotations([SEEDS]))), NASTY_RECORD]
    write_records(records, str(folder / "predictions.html"), "html")
    assert main(["evaluate", str(SEEDS), "--model", str(ROOT / "model"), "--html", str(folder / "report.html")]) == 0
    return {"predictions": folder / "predictions.html", "evaluation": folder / "report.html", "records": records}


def _open(browser: Any, path: Path, width: int) -> tuple[Any, list[str]]:
    """The page at a viewport width, and the problems seen while loading it."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"request {r.url}") if r.url != path.as_uri() else None)
    page.on("dialog", lambda d: problems.append(f"dialog {d.message}"))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _check_legend_and_width(page: Any, width: int) -> None:
    legend = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.legend [data-legend]')].map(
               e => [e.dataset.legend, [getComputedStyle(e).backgroundColor, e.getBoundingClientRect().width]]))"""
    )
    for label in LABELS:
        colour, shown = legend[label]
        assert colour == _rgb(COLOURS[label]) and shown > 20, (label, legend[label])
    low = page.locator('.legend [data-legend="low"]')
    assert low.evaluate("e => getComputedStyle(e).outlineStyle") == "dashed"
    assert len(set(_rgb(c) for c in COLOURS.values())) == len(LABELS)  # five different colours
    scroll = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(scroll[:2]) <= scroll[2] == width, f"horizontal overflow at {width}px: {scroll}"


def _screenshot(page: Any, name: str, tmp_path: Path, scroll: str) -> Path:
    """A 1100 x 800 screenshot of the page after running the `scroll` script."""
    page.set_viewport_size({"width": 1100, "height": 800})
    page.evaluate(scroll)
    folder = Path(os.environ.get("JOBSECTIONS_SCREENSHOTS") or tmp_path)
    if not folder.is_absolute():
        folder = ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    return path


@pytest.mark.chromium
def test_predictions_page_in_chromium(browser: Any, pages: dict[str, Any], tmp_path: Path) -> None:
    records = pages["records"]
    for width in WIDTHS:
        page, problems = _open(browser, pages["predictions"], width)
        _check_legend_and_width(page, width)
        assert problems == []
        assert page.evaluate("document.querySelectorAll('script, img, iframe, object, embed, link').length") == 0
        texts = page.evaluate("[...document.querySelectorAll('.posting .text')].map(e => e.textContent)")
        assert texts == [r["text"] for r in records]  # every character, escaped and in place
        assert page.locator(".posting .text").first.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
        marks = page.evaluate(
            """() => [...document.querySelectorAll('.posting .text mark')].map(e => ({
                   label: e.dataset.label, score: e.dataset.score, title: e.title,
                   background: getComputedStyle(e).backgroundColor, outline: getComputedStyle(e).outlineStyle,
                   tag: getComputedStyle(e, '::after').content}))"""
        )
        segments = [s for r in records for s in r["segments"]]
        assert len(marks) == len(segments)
        for mark, seg in zip(marks, segments):
            assert mark["label"] == seg["label"] and mark["background"] == _rgb(COLOURS[seg["label"]])
            assert f"confidence {seg['score']:.2f}" in mark["title"]  # shown on hover
            low = seg["score"] < LOW_CONFIDENCE
            assert mark["outline"] == ("dashed" if low else "none"), mark
            assert mark["tag"] == (f'"{seg["label"]} ?"' if low else f'"{seg["label"]}"')
        assert {m["background"] for m in marks} == {_rgb(c) for c in COLOURS.values()}
        summaries = page.locator(".posting table.summary").count()
        assert summaries == len(records)
        if width == WIDTHS[0]:
            # the end of the first seed (a low-confidence segment there) and the second's heading and summary
            scroll = "window.scrollTo(0, document.querySelectorAll('.posting')[1].offsetTop - 330)"
            _screenshot(page, "predictions", tmp_path, scroll)
        page.close()


@pytest.mark.chromium
def test_evaluation_page_in_chromium(browser: Any, pages: dict[str, Any], tmp_path: Path) -> None:
    for width in WIDTHS:
        page, problems = _open(browser, pages["evaluation"], width)
        _check_legend_and_width(page, width)
        assert problems == []
        views = page.evaluate("[...document.querySelectorAll('section.view h2')].map(e => e.textContent)")
        assert [v.split(" ")[0] for v in views] == ["1.", "2.", "3."]
        # per-label bars: a bar in the label's colour, as wide as the value
        bars = page.evaluate(
            """() => [...document.querySelectorAll('table.per-label td.bar')].map(td => {
                   const fill = td.querySelector('.fill');
                   return [getComputedStyle(fill).backgroundColor, fill.getBoundingClientRect().width / td.clientWidth,
                           parseFloat(td.textContent), td.closest('tr').dataset.label]; })"""
        )
        assert len(bars) == 3 * 3 * len(LABELS)
        for colour, share, value, label in bars:
            assert colour == _rgb(COLOURS[label]) and share == pytest.approx(value, abs=0.02)
        # heat maps: each cell as dark as its share of the gold row, green on the diagonal
        cells = page.evaluate(
            """() => [...document.querySelectorAll('table.heat td.cell')].map(td => [
                   td.dataset.gold, td.dataset.predicted, parseInt(td.firstChild.textContent),
                   getComputedStyle(td).backgroundColor])"""
        )
        assert len(cells) == 2 * len(LABELS) ** 2
        rows: dict[tuple[int, str], int] = {}
        for i, (gold, _, count, _) in enumerate(cells):
            rows[(i // 25, gold)] = rows.get((i // 25, gold), 0) + count
        for i, (gold, predicted, count, colour) in enumerate(cells):
            *rgb, alpha = (float(x) for x in colour[colour.index("(") + 1 : -1].split(","))
            assert rgb == ([27, 122, 60] if gold == predicted else [190, 30, 45])
            expected = max(count / rows[(i // 25, gold)], 0.08) if count else 0.0
            assert alpha == pytest.approx(expected, abs=0.01)
        # the worst segments: lowest probability of the gold label first, each in its gold colour
        worst = page.evaluate(
            """() => [...document.querySelectorAll('ol.worst > li')].map(li => [
                   parseFloat(li.dataset.goldProbability), li.dataset.gold,
                   getComputedStyle(li.querySelector('.context mark')).backgroundColor])"""
        )
        assert len(worst) == WORST
        assert [w[0] for w in worst] == sorted(w[0] for w in worst) and worst[0][0] < 0.5
        assert all(colour == _rgb(COLOURS[gold]) for _, gold, colour in worst)
        if width == WIDTHS[0]:
            _screenshot(page, "evaluation", tmp_path, "document.getElementById('end_to_end').scrollIntoView()")
        page.close()
