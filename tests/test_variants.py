"""Layout variants carry the gold offsets through every change (free supervision, evaluate flags)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from jobsections.annotations import check_segments, load_annotations, postings_of
from jobsections.readers import Posting
from jobsections.segment.variants import (
    VARIANTS,
    apply_steps,
    collapse_whitespace,
    glue_lines,
    masked,
    rewrap,
    shouted,
    strip_markers,
    variant,
)

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Duties:\n\n- Lead  teams.\n- Speak French\n\n1. Apply now.\r\n"
SEGMENTS = [
    {"start": 0, "end": 7, "label": "other"},
    {"start": 11, "end": 23, "label": "responsibility"},
    {"start": 26, "end": 38, "label": "qualification"},
    {"start": 43, "end": 53, "label": "application"},
]


def _texts(text: str, segments: list[dict]) -> list[str]:
    return [text[s["start"] : s["end"]] for s in segments]


def test_collapse_whitespace_moves_every_offset() -> None:
    text, segs = collapse_whitespace(TEXT, SEGMENTS)
    assert text == "Duties: - Lead teams. - Speak French 1. Apply now."
    assert _texts(text, segs) == ["Duties:", "Lead teams.", "Speak French", "Apply now."]
    assert [s["label"] for s in segs] == [s["label"] for s in SEGMENTS]


def test_strip_markers_then_glue() -> None:
    text, segs = strip_markers(TEXT, SEGMENTS)
    assert text == "Duties:\n\nLead  teams.\nSpeak French\n\nApply now.\r\n"
    glued, segs = glue_lines(text, segs)
    assert glued == "Duties:Lead  teams.Speak FrenchApply now.\r\n"
    assert _texts(glued, segs) == ["Duties:", "Lead  teams.", "Speak French", "Apply now."]


def test_rewrap_keeps_length_and_offsets() -> None:
    text = "word " * 30
    wrapped, segs = rewrap(text.strip(), [{"start": 0, "end": 149, "label": "other"}], width=20)
    assert len(wrapped) == 149 and max(len(line) for line in wrapped.splitlines()) <= 20
    assert segs == [{"start": 0, "end": 149, "label": "other"}]


def test_steps_apply_in_order() -> None:
    text, segs = apply_steps(TEXT, SEGMENTS, [("strip-markers",), ("flatten",), ("rewrap", 12)])
    assert text == "Duties: Lead\nteams. Speak\nFrench Apply\nnow."
    assert [" ".join(t.split()) for t in _texts(text, segs)] == ["Duties:", "Lead teams.", "Speak French", "Apply now."]


@pytest.mark.parametrize("name", [*VARIANTS, "rewrap"])
def test_every_variant_of_the_seeds_is_a_valid_annotation(name: str, request: pytest.FixtureRequest) -> None:
    if name == "pdf":
        request.getfixturevalue("pdf_tools")
    for posting in postings_of(load_annotations([ROOT / "annotations/seeds.jsonl"])):
        v = variant(posting, name)
        assert v.id == f"{posting.id}~{name}"
        check_segments(v.text, v.segments, v.id, full_cover=True)
        before = [" ".join(t.split()) for t in _texts(posting.text, posting.segments or [])]
        after = [" ".join(t.split()) for t in _texts(v.text, v.segments or [])]
        if name in ("glue", "scraped"):  # the glued join may take the space between two words of a segment
            assert [t.replace(" ", "") for t in before] == [t.replace(" ", "") for t in after]
        elif name == "pdf":  # page furniture added, and pdftotext's reading order moves a word now and then
            furniture = re.compile(r" ?(Vacancy notice · ref\. \w+|Page \d+ of \d+)")
            kept = [t for t in (furniture.sub("", t).strip() for t in after) if t]
            assert SequenceMatcher(None, before, kept, autojunk=False).ratio() > 0.95
        elif name == "shouted":  # some segments in capitals
            assert [t.upper() for t in before] == [t.upper() for t in after] and before != after
        elif name == "masked":  # numbers of two digits or more masked
            number = re.compile(r"[$€£]?\d[\d,.]*\d(?![\d%])")
            assert [number.sub("#", t) for t in before] == [t.replace("****", "#") for t in after] != before
        else:
            assert before == after


def test_shouted_copy_writes_some_segments_in_capitals() -> None:
    items = [f"Item number {i} is straße." for i in range(60)]
    text = "\n\n".join(items)
    starts = [m.start() for m in re.finditer("Item", text)]
    segments = [{"start": a, "end": a + len(item), "label": "other"} for a, item in zip(starts, items)]
    assert _texts(text, segments) == items
    loud, moved = shouted(text, segments)
    pieces = _texts(loud, moved)
    assert "\n" not in loud and [p.lower() for p in pieces] == [i.lower() for i in items]
    capitals = [p for p in pieces if p.startswith("ITEM")]
    assert 5 <= len(capitals) <= 15 and all(p.endswith("STRAßE.") for p in capitals)  # `ß` has no one-letter capital
    assert shouted(text, segments) == (loud, moved)


def test_masked_copy_masks_numbers_as_job_boards_do() -> None:
    lines = [
        "Salary £25,000 to £30,000.",
        "Closing 12/03/2019",
        "2 days a week, 30% travel, 401k plan",
        "Call 0123 456",
    ]
    text = "\n".join(lines)
    starts = [text.index(line) for line in lines]
    segments = [{"start": a, "end": a + len(line), "label": "other"} for a, line in zip(starts, lines)]
    out, moved = masked(text, segments)
    assert _texts(out, moved) == [
        "Salary **** to ****.",  # the full stop stays a full stop
        "Closing ****/****/****",  # a number at a segment's end moves the end
        "2 days a week, 30% travel, ****k plan",  # one digit and percentages kept
        "Call **** ****",
    ]
    check_segments(out, moved, "masked", full_cover=True)


def test_variant_keeps_source_and_meta() -> None:
    posting = Posting("p", TEXT, "p.txt", SEGMENTS, {"sector": "ngo"})
    v = variant(posting, "flatten")
    assert (v.source, v.meta) == ("p.txt", {"sector": "ngo"})
