"""PDF copies of annotated postings: laid out with fpdf2, extracted with poppler's `pdftotext`.

Text copied out of a PDF is hard-wrapped at the page's width and carries each page's header,
footer and page number in its flow. This module makes that copy of an annotated posting, as a
layout variant (`jobsections evaluate --pdf`) and free supervision: the text goes onto A4 pages
with a running header and a `Page N of M` footer, `pdftotext` extracts it, and each gold segment
is moved onto the extracted text by aligning words. Lines made only of words the PDF added (the
page furniture) become `other` segments, as GUIDELINES.md labels page debris.

Needs fpdf2 (`pip install 'jobsections[pdf]'`) and `pdftotext` (Debian's poppler-utils).
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from jobsections.readers import InputError

_WORD = re.compile(r"\S+")
# A Unicode font where the system has one (Debian's fonts-dejavu-core); else a core font, which
# covers Latin-1 only, so other characters are dropped from the copy (the alignment copes).
FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf")


def _fpdf() -> Any:
    try:
        import fpdf
    except ImportError:
        raise InputError("PDF copies need fpdf2: pip install 'jobsections[pdf]'") from None
    logging.getLogger("fpdf").setLevel(logging.ERROR)  # missing glyphs are dropped, as said above
    return fpdf


def render(text: str, header: str) -> bytes:
    """The text on A4 pages, a line of the text a paragraph, with `header` atop each page and
    `Page N of M` at its foot."""
    fpdf = _fpdf()
    font = next((f for f in FONTS if Path(f).is_file()), None)

    class Pages(fpdf.FPDF):  # type: ignore[misc, name-defined]
        def header(self) -> None:
            self.set_font(size=8)
            self.cell(0, 5, header, align="R", new_x="LMARGIN", new_y="NEXT")
            self.ln(3)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(size=8)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Pages(format="A4")
    if font:
        pdf.add_font("body", fname=font)
        pdf.set_font("body", size=10)
    else:
        pdf.set_font("helvetica", size=10)
        text = text.encode("latin-1", "ignore").decode("latin-1")
    pdf.add_page()
    for line in text.splitlines():
        if line.strip():
            pdf.multi_cell(0, 5, line.strip(), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(3)
    return bytes(pdf.output())


def extract(pdf: bytes) -> str:
    """The text of a PDF as `pdftotext` gives it (reading order), page breaks as line breaks."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise InputError("PDF copies need poppler's pdftotext: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "copy.pdf"
        path.write_bytes(pdf)
        done = subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True)
    if done.returncode != 0:
        raise InputError(f"pdftotext failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout.decode("utf-8").replace("\f", "\n")


def align(text: str, segments: Sequence[dict[str, Any]], copy: str) -> list[dict[str, Any]]:
    """The segments of `text` moved onto `copy`, the same words laid out again: each spans the
    words of its own that the copy kept, and each line of the copy with none of the text's words
    (page furniture) is an `other` segment, unless it falls inside a segment that a page break
    cuts. A segment none of whose words survived is dropped."""
    old = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    new = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(copy)]
    matcher = SequenceMatcher(None, [w for *_, w in old], [w for *_, w in new], autojunk=False)
    pairs = [(a + k, b + k) for a, b, size in matcher.get_matching_blocks() for k in range(size)]
    old_starts = [s for s, _, _ in old]
    matched_old = [i for i, _ in pairs]
    out: list[dict[str, Any]] = []
    for seg in segments:
        # the matched words that overlap the segment
        first_word = bisect.bisect_right(old_starts, seg["start"]) - 1
        if first_word < 0 or old[first_word][1] <= seg["start"]:
            first_word += 1
        lo = bisect.bisect_left(matched_old, first_word)
        hi = bisect.bisect_left(matched_old, bisect.bisect_left(old_starts, seg["end"]))
        if lo == hi:
            continue
        (i, j), (k, m) = pairs[lo], pairs[hi - 1]
        # a segment cut inside a word (at `;` with no space) keeps its offset in that word
        start = new[j][0] + max(0, seg["start"] - old[i][0])
        end = new[m][1] - max(0, old[k][1] - seg["end"])
        start = max(start, out[-1]["end"] if out else 0)
        if start < end:
            out.append({**seg, "start": start, "end": end})
    matched_new = {j for _, j in pairs}
    spans = [(s["start"], s["end"]) for s in out]
    pos = 0
    for line in copy.splitlines(keepends=True):
        words = range(bisect.bisect_left(new, (pos,)), bisect.bisect_left(new, (pos + len(line),)))
        if words and matched_new.isdisjoint(words):
            start, end = new[words[0]][0], new[words[-1]][1]
            inside = bisect.bisect_right(spans, (start, len(copy))) - 1
            if inside < 0 or spans[inside][1] <= start:  # furniture inside a segment (a page break) stays in it
                out.append({"start": start, "end": end, "label": "other"})
        pos += len(line)
    return sorted(out, key=lambda s: s["start"])


def pdf_copy(text: str, segments: Sequence[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The posting as text copied out of a PDF of it, with its segments moved onto that text."""
    header = f"Vacancy notice · ref. {hashlib.sha1(text.encode('utf-8')).hexdigest()[:6].upper()}"
    copy = extract(render(text, header))
    return copy, align(text, segments, copy)
