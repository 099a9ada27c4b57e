"""Layout variants of an annotated posting, with the gold segments carried through each change.

Text users hold has often lost its layout: scrapes collapse every white-space run to one space
and glue list items to the next word, exports strip list markers, e-mail and PDF copies are
hard-wrapped, job-board ads shout a sentence or two in capitals, and boards mask the numbers of
the ads they pass on. Each function here makes that copy of an annotated posting and moves its
segment offsets with the text, so every annotation yields training and test text with known
boundaries ("free supervision") and `jobsections evaluate` can score the same postings in each
condition.

A change is a list of edits `(start, end, replacement)` on the text outside or inside segments,
never across a segment's edge; `_apply` makes the new text and the offset map.
"""

from __future__ import annotations

import bisect
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from jobsections.readers import Posting

Segments = list[dict[str, Any]]
Edit = tuple[int, int, str]

_WS_RUN = re.compile(r"\s+")
_OUTSIDE_RUN = re.compile(r"\S+")
_NUMBER = re.compile(r"[$€£]?\d[\d,.]*\d(?![\d%])")  # two digits or more, not a percentage


def _apply(text: str, segments: Sequence[dict[str, Any]], edits: Sequence[Edit]) -> tuple[str, Segments]:
    """The text with the edits made (sorted, non-overlapping) and the segments moved with it."""
    pieces: list[str] = []
    ends: list[int] = []  # old offset where each edit ends
    shifts: list[int] = []  # cumulative length change after each edit
    pos = shift = 0
    for start, end, new in edits:
        pieces += [text[pos:start], new]
        shift += len(new) - (end - start)
        ends.append(end)
        shifts.append(shift)
        pos = end
    pieces.append(text[pos:])

    def moved(offset: int) -> int:
        done = bisect.bisect_right(ends, offset)  # the edits ending at or before `offset` move it
        return offset + (shifts[done - 1] if done else 0)

    new_segments = []
    for s in segments:
        # an edit inside a segment's edge moves its end with it: the edits ending at or before it count
        new_segments.append({**s, "start": moved(s["start"]), "end": moved(s["end"])})
    return "".join(pieces), new_segments


def _outside(text: str, segments: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """The stretches of text between segments (before the first and after the last included)."""
    gaps, pos = [], 0
    for s in segments:
        gaps.append((pos, s["start"]))
        pos = s["end"]
    gaps.append((pos, len(text)))
    return gaps


def collapse_whitespace(text: str, segments: Sequence[dict[str, Any]]) -> tuple[str, Segments]:
    """Every white-space run becomes one space, as scraped job-board text arrives; the text is stripped."""
    edits: list[Edit] = []
    for m in _WS_RUN.finditer(text):
        a, b = m.span()
        new = "" if a == 0 or b == len(text) else " "
        if text[a:b] != new:
            edits.append((a, b, new))
    return _apply(text, segments, edits)


def strip_markers(text: str, segments: Sequence[dict[str, Any]]) -> tuple[str, Segments]:
    """List markers and decoration outside the segments removed, with the space that follows them."""
    edits: list[Edit] = []
    for a, b in _outside(text, segments):
        for m in _OUTSIDE_RUN.finditer(text, a, b):
            end = m.end()
            while end < b and text[end] in " \t\xa0":
                end += 1
            edits.append((m.start(), end, ""))
    return _apply(text, segments, edits)


def glue_lines(text: str, segments: Sequence[dict[str, Any]]) -> tuple[str, Segments]:
    """Segments separated by a line break run into each other with no space (`…data setsExperience…`),
    as scrapers that drop `<li>` and `<br>` leave them; markers between them go too."""
    edits: list[Edit] = []
    for a, b in _outside(text, segments)[1:-1]:
        if "\n" in text[a:b]:
            edits.append((a, b, ""))
    return _apply(text, segments, edits)


def rewrap(text: str, segments: Sequence[dict[str, Any]], width: int = 72) -> tuple[str, Segments]:
    """Lines longer than `width` hard-wrapped at spaces, as e-mail and PDF copies are (same length)."""
    chars = list(text)
    line_start = 0
    last_space = -1
    for i, c in enumerate(text):
        if c == "\n":
            line_start, last_space = i + 1, -1
            continue
        if c == " ":
            last_space = i
        if i - line_start >= width and last_space > line_start:
            chars[last_space] = "\n"
            line_start, last_space = last_space + 1, -1
    return "".join(chars), [dict(s) for s in segments]


def flatten_lines(text: str, segments: Sequence[dict[str, Any]]) -> tuple[str, Segments]:
    """Line breaks replaced by spaces, other white space kept (round 1's flattened view)."""
    return text.replace("\r", " ").replace("\n", " "), [dict(s) for s in segments]


def scraped(text: str, segments: Sequence[dict[str, Any]]) -> tuple[str, Segments]:
    """Markers stripped, items glued, white space collapsed: the worst job-board dump."""
    return collapse_whitespace(*glue_lines(*strip_markers(text, segments)))


def stripped_flat(text: str, segments: Sequence[dict[str, Any]]) -> tuple[str, Segments]:
    """Markers stripped and white space collapsed: a one-item-a-line export, then scraped."""
    return collapse_whitespace(*strip_markers(text, segments))


def _capitals(text: str) -> str:
    """The text in capitals, letter for letter (`ß` and ligatures, whose capitals are longer, kept)."""
    return "".join(c if len(u := c.upper()) != 1 else u for c in text)


def shouted(text: str, segments: Sequence[dict[str, Any]], every: int = 6) -> tuple[str, Segments]:
    """About one segment in `every` written in capitals (chosen by a hash of its text and place),
    then white space collapsed: a job-board ad that shouts its hook and its call to apply."""
    chars = list(text)
    for i, s in enumerate(segments):
        piece = text[s["start"] : s["end"]]
        if zlib.crc32(f"{i}:{piece}".encode()) % every == 0:
            chars[s["start"] : s["end"]] = _capitals(piece)
    return collapse_whitespace("".join(chars), segments)


def masked(text: str, segments: Sequence[dict[str, Any]]) -> tuple[str, Segments]:
    """Every number of two digits or more (its separators and a currency sign before it
    included) written `****`, as job boards mask pay, dates and counts in the ads they pass on."""
    edges = sorted({s["start"] for s in segments} | {s["end"] for s in segments})
    edits: list[Edit] = []
    for m in _NUMBER.finditer(text):
        a, b = m.span()
        if bisect.bisect_right(edges, a) == bisect.bisect_left(edges, b):  # no edge inside
            edits.append((a, b, "****"))
    return _apply(text, segments, edits)


def pdf_copy(text: str, segments: Sequence[dict[str, Any]]) -> tuple[str, Segments]:
    """The text as copied out of a PDF of it (`jobsections.segment.pdf`: fpdf2 and pdftotext)."""
    from jobsections.segment.pdf import pdf_copy as copy

    return copy(text, segments)


VARIANTS: dict[str, Callable[[str, Sequence[dict[str, Any]]], tuple[str, Segments]]] = {
    "flatten": collapse_whitespace,
    "flatten-lines": flatten_lines,
    "strip-markers": strip_markers,
    "glue": glue_lines,
    "strip-flatten": stripped_flat,
    "scraped": scraped,
    "shouted": shouted,
    "masked": masked,
    "pdf": pdf_copy,
}


def variant(posting: Posting, name: str, width: int = 72) -> Posting:
    """The posting in layout variant `name` (`rewrap` takes `width`), its id suffixed with the name."""
    if name == "rewrap":
        text, segments = rewrap(posting.text, posting.segments or [], width)
    else:
        text, segments = VARIANTS[name](posting.text, posting.segments or [])
    return replace(posting, id=f"{posting.id}~{name}", text=text, segments=segments)


def apply_steps(text: str, segments: Sequence[dict[str, Any]], steps: Sequence[Sequence[Any]]) -> tuple[str, Segments]:
    """The text and segments after each step `(name, *args)` in turn (`("rewrap", 72)`, `("flatten",)`)."""
    segs: Segments = [dict(s) for s in segments]
    for name, *args in steps:
        text, segs = rewrap(text, segs, *args) if name == "rewrap" else VARIANTS[name](text, segs)
    return text, segs
