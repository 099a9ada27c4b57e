"""PDF copies: the word alignment that carries the gold (always), and real PDFs made with fpdf2
and read back with pdftotext (the `pdf_tools` fixture of conftest.py: skipped without them, except
in CI)."""

from __future__ import annotations

import json

from jobsections.annotations import check_segments
from jobsections.cli import main
from jobsections.segment.pdf import align, pdf_copy

TEXT = (
    "Field Officer\n\nResponsibilities\n- Visit partner schools every week;report to the lead\n"
    "- Keep records\n\nApply by 3 May.\n"
)


def _span(piece: str, label: str) -> dict:
    start = TEXT.index(piece)
    return {"start": start, "end": start + len(piece), "label": label}


SEGMENTS = [
    _span("Field Officer", "other"),
    _span("Responsibilities", "other"),
    _span("Visit partner schools every week;", "responsibility"),
    _span("report to the lead", "responsibility"),
    _span("Keep records", "responsibility"),
    _span("Apply by 3 May.", "application"),
]


def _words(text: str, segments: list[dict]) -> list[tuple[str, str]]:
    return [(" ".join(text[s["start"] : s["end"]].split()), s["label"]) for s in segments]


def test_alignment_carries_the_gold_over_new_line_breaks_and_page_furniture() -> None:
    assert [TEXT[s["start"] : s["end"]] for s in SEGMENTS][2:4] == [
        "Visit partner schools every week;",
        "report to the lead",
    ]
    copy = "Header line\nField Officer\nResponsibilities\n- Visit partner schools\nevery week;report to the lead\n"
    copy += "Page 1 of 2\n- Keep records\nApply by 3 May.\nPage 2 of 2\n"
    moved = align(TEXT, SEGMENTS, copy)
    check_segments(copy, moved, "copy")
    assert _words(copy, moved) == [
        ("Header line", "other"),
        *_words(TEXT, SEGMENTS[:4]),
        ("Page 1 of 2", "other"),
        *_words(TEXT, SEGMENTS[4:]),
        ("Page 2 of 2", "other"),
    ]


def test_a_segment_whose_words_are_all_lost_is_dropped() -> None:
    copy = TEXT.replace("Keep records", "")
    moved = align(TEXT, SEGMENTS, copy)
    assert "Keep records" not in [w for w, _ in _words(copy, moved)]
    assert len(moved) == len(SEGMENTS) - 1


def test_a_real_pdf_copy_keeps_every_segment_and_labels_the_furniture_other(pdf_tools: None) -> None:
    long_text = TEXT + "\n".join(f"- Duty number {i} of the field officer in the district." for i in range(80))
    segments = [*SEGMENTS]
    pos = len(TEXT)
    for line in long_text[len(TEXT) :].split("\n"):
        segments.append({"start": pos + 2, "end": pos + len(line), "label": "responsibility"})
        pos += len(line) + 1
    copy, moved = pdf_copy(long_text, segments)
    check_segments(copy, moved, "pdf copy")
    furniture = [w for w, label in _words(copy, moved) if w.startswith(("Page ", "Vacancy notice"))]
    assert "Page 1 of 2" in furniture and "Page 2 of 2" in furniture and len(furniture) == 4
    assert [x for x in _words(copy, moved) if x[0] not in furniture] == _words(long_text, segments)


def test_evaluate_pdf_scores_the_copies(pdf_tools: None, tmp_path, capsys) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "p1", "text": TEXT, "segments": SEGMENTS}) + "\n", encoding="utf-8")
    assert main(["evaluate", str(gold), "--pdf"]) == 0
    out = capsys.readouterr().out
    assert "copied out of a PDF" in out.splitlines()[0]
