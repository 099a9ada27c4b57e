"""The segmentation rules: a posting's raw text → segments (headings, list items, sentences,
field lines), each with its layout kind.

`segment_text` works from the layout: physical lines, list markers (also inline and alone on a
line), hard-wrapped lines joined back, blank lines, headings, field lines and sentences; long
lines without layout, and a hard-wrapped text whole, go to the learned `BoundaryModel` when
one is given. No spaCy here, and nothing knows about labels.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import pairwise
from typing import TYPE_CHECKING

from jobsections.annotations import MARKER

if TYPE_CHECKING:
    from jobsections.segment.boundary import BoundaryModel

Segment = tuple[int, int, str]  # start, end (code points, end exclusive), kind

_WS = " \t\r\n\f\v\xa0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_MASKED_RUN = r"\*{3,}"  # a number masked by a job board (`Pay **** to **** a year`): a word, no marker
_MASKED = re.compile(_MASKED_RUN)
# A list marker at the start of a line or piece, as FORMAT.md allows it outside segments.
_LEAD_MARKER = re.compile(
    r"[•▪►✓\uf0b7\u25cf\u25aa]+"  # a bullet needs no space after it
    r"|(?:(?!" + _MASKED_RUN + r")[·\-*–—>#|§]+|o|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)])(?=[\s\xa0]|$)"
)
# Bullets that start a new item wherever they stand (text scraped with no line breaks).
# Each match begins with one character set, so that `re` scans for it fast; the look-behinds then
# decide: a bullet counts anywhere, `·` between spaces, a dash after `: `.
_INLINE_BULLET = re.compile(
    r"[•▪►✓\uf0b7\u25cf\u25aa·–—-]"
    r"(?:(?<=[•▪►✓\uf0b7\u25cf\u25aa])|(?<=[\s\xa0]·)(?=[\s\xa0])|(?<=:[\s\xa0][–—-])(?=[\s\xa0]))"
)
_WRAP_MAX = 120  # a text wrapped wider than this is no hard-wrapped text
_WRAP_SHARE = 0.4  # of a wrapped text's longer lines, the least share near its wrap width
_SOFT_BREAK = re.compile(r"[ \t\xa0]{2,}")  # a gap of two spaces or more inside a long line
_LONG_LINE = 200
# In a long scraped line, a run of capitals naming a section is a heading run into the text.
_CAPS_RUN = re.compile(r"(?<![^\s\xa0.!?;:])(?:[A-Z][A-Z&/'’-]*[ \t\xa0]+){0,5}[A-Z][A-Z&/'’-]+:?(?=[\s\xa0]|$)")
_SECTION_WORDS = frozenset(
    "ABOUT BACKGROUND INTRODUCTION OVERVIEW SUMMARY DESCRIPTION ROLE RESPONSIBILITIES DUTIES TASKS ACTIVITIES "
    "QUALIFICATIONS REQUIREMENTS REQUIRED SKILLS EXPERIENCE EDUCATION PROFILE COMPETENCIES COMPETENCES LANGUAGES "
    "BENEFITS OFFER PERKS SALARY REMUNERATION COMPENSATION PACKAGE TERMS CONDITIONS CONTRACT APPLY APPLICATION "
    "APPLICATIONS HOW SELECTION PROCEDURE PROCESS DEADLINE CONTACT ELIGIBILITY".split()
)
_DECOR = "*#|>"  # `_` is no marker in FORMAT.md: it would leave a word uncovered
_RULE = re.compile(r"[_=~]{3,}")
_NEXT_FIELD = re.compile(r"[ \t\xa0]+(?=[A-Z][a-z]+(?: [a-z]+){0,2}[ \t\xa0]*:[ \t\xa0]*\S)")
# a name in emphasis marks (`_Closing Date:_ _2020-04-07_`, `**Salary:** £30,000`) is a name too
_FIELD = re.compile(r"[_*]{0,2}([^\W\d_][^:\n]{0,40}?)[ \t\xa0]*:[_*]{0,2}[ \t\xa0]*(?=\S)")
_RUNIN_CAPS = re.compile(r"((?:[A-Z][A-Z&'’/,()-]*[ \t\xa0]+){1,6}[A-Z][A-Z&'’/,()-]+:?)[ \t\xa0]+(?=[A-Z][a-z])")
_ABBREV = frozenset(
    "e.g i.e etc vs no nos nr art dr mr mrs ms prof st approx dept inc ltd co jr sr ref tel fig ca cf "
    "min max incl excl est p.a a.m p.m mon tue wed thu fri sat sun jan feb mar apr jun jul aug sep sept "
    "oct nov dec govt univ assoc int'l dip hons b.sc m.sc b.a m.a ph.d".split()
)
_SENT_END = re.compile(r"[.!?]+[\"'”’)\]]*")
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")  # `u.s`, `e.g`
_TWO_SMALL = re.compile(r"[a-z]{2}")
_CAPITALISED = re.compile(r"[A-Z][a-z]")
_OPENERS = "\"'“‘([¿¡"
_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LOWER = bytes(range(ord("a"), ord("z") + 1))


@dataclass(slots=True)
class _Unit:
    """A piece of one physical line: its text span and how it begins."""

    start: int
    end: int
    marker: bool  # it began with a list marker
    new_block: bool  # a blank line, an inline bullet or a soft break stands before it
    learned: bool = False  # cut by the boundary model: a whole segment, never joined or split again


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """`start, end` moved inwards past white space."""
    return _trim(text[start:end], start)


def _trim(piece: str, start: int) -> tuple[int, int]:
    """The offsets of `piece` without its outer white space, `piece` standing at `start`."""
    left = piece.lstrip(_WS)
    start += len(piece) - len(left)
    return start, start + len(left.rstrip(_WS))


def _cuts(text: str, ls: int, le: int, inline: list[int]) -> list[int]:
    """Where line `text[ls:le]` breaks into pieces: its inline bullets and, in a long line, soft
    breaks and capitalised section names run into the text; `ls` and `le` included."""
    cuts = [ls, *inline]
    if le - ls > _LONG_LINE:
        line_text = text[ls:le]
        cuts += [ls + m.end() for m in _SOFT_BREAK.finditer(line_text)]
        for m in _CAPS_RUN.finditer(line_text):
            if _SECTION_WORDS.intersection(m.group().rstrip(":").split()):
                cuts += [ls + m.start(), ls + m.end()]
    return [*sorted(set(cuts)), le]


def is_flat(text: str) -> bool:
    """Whether the text has lost its layout: no line break inside it."""
    return "\n" not in text.strip()


def _units(text: str, boundaries: BoundaryModel | None = None) -> list[_Unit]:
    """Split the text into line pieces, marking list items and hard boundaries; with a boundary
    model, the long lines it `applies` to are cut by the model instead of the long-line rules."""
    units: list[_Unit] = []
    blank = True
    pending_marker = False
    pos = 0
    bullets = [m.start() for m in _INLINE_BULLET.finditer(text)]
    limit = boundaries.line_limit(is_flat(text)) if boundaries is not None else 0
    for line in text.splitlines(keepends=True):
        ls, le = _trim(line, pos)
        pos += len(line)
        if ls == le:
            blank = True
            continue
        inline = bullets[bisect.bisect_right(bullets, ls) : bisect.bisect_left(bullets, le)]
        learned = boundaries is not None and le - ls > limit
        if learned:
            pieces = boundaries.cuts(text, ls, le, forced=inline)  # inline bullets cut exactly
        elif inline or le - ls > _LONG_LINE:
            pieces = [_strip(text, a, b) for a, b in pairwise(_cuts(text, ls, le, inline))]
        else:
            pieces = [(ls, le)]  # the common case: one piece, already stripped
        for i, (ps, pe) in enumerate(pieces):
            if ps == pe:
                continue
            start = ps
            m = _LEAD_MARKER.match(text, ps, pe)
            while m:
                ps, pe = _strip(text, m.end(), pe)
                m = _LEAD_MARKER.match(text, ps, pe) if ps < pe else None
            if ps > start and not all(MARKER.match(word) for word in text[start:ps].split()):
                ps = start  # glued markers such as `•1.` are no marker FORMAT.md knows: keep them
            if ps == pe and not _whole_word_is_marker(text, start, pe):
                ps = start  # `a.` cut from `a.•` by the inline bullet: together no marker, keep it
            marker = ps > start
            if ps == pe:  # a marker alone: the item's text follows on the next line
                pending_marker = True
                continue
            units.append(_Unit(ps, pe, marker or pending_marker, blank or i > 0, learned))
            pending_marker = False
            blank = False
    return units


def _whole_word_is_marker(text: str, start: int, end: int) -> bool:
    """Whether the white-space-delimited word(s) around `text[start:end]` are all list markers."""
    while start > 0 and text[start - 1] not in _WS:
        start -= 1
    while end < len(text) and text[end] not in _WS:
        end += 1
    return all(MARKER.match(word) for word in text[start:end].split())


def _is_field(text: str) -> bool:
    """`Name: short value` (`Grade: P3`, `Deadline for applications: 8 April 2019.`)."""
    if ":" not in text:  # the common case, found faster than by the pattern
        return False
    m = _FIELD.match(text)
    return bool(m) and len(m.group(1).split()) <= 5 and len(text[m.end() :].split()) <= 12 and not _run_in_field(text)


def _is_caps(text: str) -> bool:
    """Mostly capitals: at least two, and four capitals for every small letter."""
    if text.isascii():  # counted by deleting the letters of a case, in C
        data = text.encode("ascii")
        lower = len(data) - len(data.translate(None, _ASCII_LOWER))
        if 5 * lower > len(data):  # the other letters are too few to be four capitals for each small one
            return False
        upper = len(data) - len(data.translate(None, _ASCII_UPPER))
    else:
        upper, lower = sum(map(str.isupper, text)), sum(map(str.islower, text))
    return upper >= 2 and upper >= 4 * lower


def _is_heading(text: str) -> bool:
    """A line that names a section: ends with a colon, is in capitals, or is short and bare."""
    words = text.split(None, 13)  # enough to tell 12 words or fewer from more
    if text.endswith(":") and len(words) <= 12:
        return True
    if "\n" in text:
        return False
    if len(words) <= 12 and not text.endswith((".", ";")) and _is_caps(text):
        return True
    closed = text[-1] in ".!?;," or (text[-1] == ")" and text[0] == "(")
    return len(words) <= 6 and not closed and not _is_field(text)


def _strong_heading(text: str) -> bool:
    return len(text) < 80 and ((text.endswith(":") and text[0].isupper()) or _is_caps(text[:40]))


@lru_cache(maxsize=8)  # asked by the segmenter and by the line joins of the same text
def _wrapping(text: str) -> bool | None:
    """Whether the text is hard-wrapped: True when most of its longer lines cluster at one wrap
    width (an e-mail at 72 columns, a PDF column), False when they do not (a posting whose list
    markers were stripped has lines of every length, one item each), None with fewer than four
    longer lines to tell by."""
    right = [line.rstrip(_WS) for line in text.splitlines()]
    lengths = sorted(len(r) for r in right if len(r) >= 20 and len(r.lstrip(_WS)) >= 20)
    if len(lengths) < 4:
        return None
    width = lengths[int(0.9 * (len(lengths) - 1))]
    near = bisect.bisect_right(lengths, width + 4) - bisect.bisect_left(lengths, width - 12)
    return width <= _WRAP_MAX and near >= _WRAP_SHARE * len(lengths)


def _unwrapped(text: str) -> bool:
    """Whether the text's lines are known to be whole; there a line starting with a capital
    begins a new segment."""
    return _wrapping(text) is False


def _joins(text: str, prev: _Unit, nxt: _Unit, in_item: bool, unwrapped: Callable[[], bool] = bool) -> bool:
    """Whether line `nxt` continues the sentence or item of line `prev` (a hard wrap); in a text
    whose lines are whole (`unwrapped()`, asked only when needed), a line starting with a capital
    never does."""
    if nxt.marker or nxt.new_block or prev.learned:
        return False
    before, after = text[prev.start : prev.end], text[nxt.start : nxt.end]
    if _RULE.fullmatch(before) or _RULE.fullmatch(after):  # a rule line `_____` stands alone
        return False
    if before[-1] in ".!?:;" or _strong_heading(after) or _is_field(after):
        return False
    if _is_field(before) and len(before) < 60:
        return False
    first = after[0]
    words = after.split()
    if len(words) <= 3 and all(w[0].isupper() for w in words) and after[-1].isalnum() and not in_item:
        return False
    if first.islower() or first in ",;)–—-&":
        return True
    if unwrapped():
        return False
    if in_item:  # a wrapped item: its line was long, and the next line is no heading
        return len(before) >= 25 and not _is_heading(after)
    if len(before) >= 40 and (before[-1].islower() or before[-1] in ",“‘\"'("):
        return True
    return len(before) >= 40 and not _is_heading(after)


def _blocks(text: str, units: list[_Unit], join_all: bool = False) -> list[tuple[int, int, bool, bool]]:
    """Group line pieces into blocks (start, end, is_item, learned): wrapped lines joined back,
    or with `join_all` every line that no blank line or marker parts from the one before (for the
    boundary model to cut)."""
    blocks: list[tuple[int, int, bool, bool]] = []
    prev: _Unit | None = None
    unwrapped = partial(_unwrapped, text)  # asked at most once a line; `_wrapping` is cached
    for u in units:
        if join_all and prev is not None:
            joined = not (u.marker or u.new_block or prev.learned)
        else:
            joined = prev is not None and _joins(text, prev, u, blocks[-1][2], unwrapped)
        if joined:
            start, _, item, _ = blocks[-1]
            blocks[-1] = (start, u.end, item, False)
        else:
            blocks.append((u.start, u.end, u.marker, u.learned))
        prev = u
    return blocks


def _is_abbreviation(text: str, end: int) -> bool:
    """Whether the full stop at `end` closes an abbreviation or initial rather than a sentence."""
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in ".'"):
        start -= 1
    word = text[start:end].lower()
    return word in _ABBREV or (len(word) == 1 and word.isalpha()) or bool(_INITIALS.fullmatch(word))


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of `text[start:end]`, split after `.!?` before a capital or a digit.

    Also splits a full stop with no space after it (`adopts.This`), but not at abbreviations,
    initials, decimals, e-mail addresses or web addresses.
    """
    spans = []
    cur = start
    for m in _SENT_END.finditer(text, start, end):
        stop = m.end()
        nxt = stop
        while nxt < end and text[nxt] in _WS:
            nxt += 1
        if nxt >= end:
            break
        follower = text[nxt]
        if follower in _OPENERS and nxt + 1 < end:
            follower = text[nxt + 1]
        if nxt == stop:  # no space: only `word.Word` counts
            if not (m.group()[0] == "." and _TWO_SMALL.match(text, m.start() - 2, m.start())):
                continue
            if not _CAPITALISED.match(text, nxt, nxt + 2):
                continue
        elif not (follower.isupper() or follower.isdigit()):
            continue
        if m.group()[0] == "." and len(m.group()) == 1 and _is_abbreviation(text, m.start()):
            continue
        spans.append(_strip(text, cur, stop))
        cur = nxt
    if cur == start < end and text[start] not in _WS and text[end - 1] not in _WS:
        return [(start, end)]  # one sentence, already trimmed: the common case
    spans.append(_strip(text, cur, end))
    return [s for s in spans if s[0] < s[1]]


def _edge_run(text: str, start: int, end: int, at_end: bool) -> int:
    """Length of the run of decoration characters at the start (or end) of `text[start:end]`."""
    n = 0
    if at_end:
        while end - n > start and text[end - n - 1] in _DECOR:
            n += 1
    else:
        while start + n < end and text[start + n] in _DECOR:
            n += 1
    return n


def _is_decor_run(text: str, start: int, end: int, run: str, at_end: bool) -> bool:
    """Whether `run`, at the start (or end) of `text[start:end]`, is a marker rather than part of a word.

    A run standing apart (white space between it and the text: `## Title`, `cell |`) is a marker;
    so is a table border `|`, an emphasis `*`/`**` that the same run closes (or opens) further
    on (`**Salary:** EUR`, `*Role*`), and a `**` that ends a line (`*Minimum Qualifications**`).
    `C#`, `F#`, `<negotiable>`, `</script>`, `#Hybrid`, `>5 years` and a required-field `Name*`
    keep their characters, and so does a masked number (`****`).
    """
    if _MASKED.fullmatch(run):
        return False
    apart = text[end - len(run) - 1] in _WS if at_end else text[start + len(run)] in _WS
    if apart or set(run) == {"|"}:
        return True
    if set(run) != {"*"}:
        return False
    if at_end and len(run) == 2 and text[end : end + 1] in ("", "\n", "\r"):
        return True  # `**` ending a line closes an emphasis whose opener an export mangled (`*Title**`)
    # the closing (opening) run may lie beyond this piece, on the same line: `*Full-time · Permanent*`
    if at_end:
        rest = text[text.rfind("\n", 0, start) + 1 : end - len(run)]
    else:
        line_end = text.find("\n", end)
        rest = text[start + len(run) : len(text) if line_end < 0 else line_end]
    return run in rest


def _trim_decor(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop decorative runs (`**`, `##`, `|`) at the edges, which FORMAT.md leaves outside, where
    they are markers; a block that is nothing but decoration is kept whole."""
    if text[start] not in _DECOR and text[end - 1] not in _DECOR:
        return start, end  # the common case: nothing to drop
    s, e = start, end
    opened = ""  # an emphasis run stripped at the start, which a run at the end may close
    changed = True
    while changed and s < e:
        changed = False
        n = _edge_run(text, s, e, at_end=False)
        if 0 < n < e - s and _is_decor_run(text, s, e, text[s : s + n], at_end=False):
            opened = text[s : s + n]
            s, e = _strip(text, s + n, e)
            changed = True
        n = _edge_run(text, s, e, at_end=True)
        run = text[e - n : e]
        if 0 < n < e - s and (run == opened or _is_decor_run(text, s, e, run, at_end=True)):
            s, e = _strip(text, s, e - n)
            changed = True
    if s >= e:
        return start, end
    return s, e


def _heading_kind(block: str) -> str:
    """`heading`, or `line` for a short bare line that names no section: with the markers gone
    (`Child Care Subsidy Program`, `Strong SQL`), such a line is as often a list item as a heading."""
    if block.endswith(":") or _is_caps(block):
        return "heading"
    words = block.upper().split()
    return "heading" if len(words) <= 4 and _SECTION_WORDS.intersection(words) else "line"


def _learned_kind(block: str, is_item: bool) -> str:
    """The layout kind of a segment cut by the boundary model: as for a line of its own, except
    that a short bare phrase naming no section is a `line` (a heading or an item run in)."""
    if _is_field(block):
        return "field"
    if _is_heading(block):
        return _heading_kind(block)
    return "item" if is_item or block[-1] not in ".!?" else "sentence"


def _learned_segments(text: str, start: int, end: int, is_item: bool) -> list[Segment]:
    """A piece the boundary model cut, cut again where the rules end a sentence (exact where
    they cut; the model, weighing every gap alike, leaves some sentences together)."""
    return [seg for s, e in split_sentences(text, start, end) for seg in _typed_piece(text, s, e, is_item)]


def _typed_piece(text: str, start: int, end: int, is_item: bool) -> list[Segment]:
    """A piece typed as its words on one line would be. A run of fields on one line
    (`Grade: P3 Closing date: 8 April 2019`) is cut before each further field name, as the rules
    cut a field line."""
    out: list[Segment] = []
    m = _FIELD.match(text, start, end) if "\n" not in text[start:end] else None
    while m:
        second = _NEXT_FIELD.search(text, m.end(), end)
        if not second:
            break
        first = _strip(text, start, second.start())
        if not _is_field(text[first[0] : first[1]]):
            break
        out.append((*first, "field"))
        start, _ = _strip(text, second.end(), end)
        m = _FIELD.match(text, start, end)
    return [*out, (start, end, _learned_kind(" ".join(text[start:end].split()), is_item))]


def segment_text(text: str, boundaries: BoundaryModel | None = None) -> list[Segment]:
    """Segments of a posting as `(start, end, kind)`, sorted, non-overlapping, trimmed.

    With a `BoundaryModel`, the long lines without layout that it `applies` to are cut by it, and
    so are the blocks of hard-wrapped lines joined back that are as long as such a line (a one-line
    ad re-wrapped by an e-mail client); a `wrapped` model cuts a hard-wrapped text (an e-mail, a
    PDF copy) whole, the rules' own cuts given to it as hints.
    """
    units = _units(text, boundaries)
    if boundaries is not None and hard_wrapped(text, boundaries):
        return _wrapped_segments(text, units, boundaries)
    segments: list[Segment] = []
    for bs, be, is_item, learned in _blocks(text, units):
        bs, be = _trim_decor(text, bs, be)
        block = text[bs:be]
        if learned:
            segments += _learned_segments(text, bs, be, is_item)
            continue
        if boundaries is not None and "\n" in block and boundaries.applies(be - bs, flat=False):
            # hard-wrapped lines joined back into one as long as a line the model cuts: cut it so,
            # each piece typed as the same words on one line would be
            for s, e in boundaries.cuts(text, bs, be):
                segments += _learned_segments(text, s, e, is_item)
            continue
        if is_item:
            segments += [(s, e, "item") for s, e in split_sentences(text, bs, be)]
            continue
        if _is_field(block) and "\n" not in block:
            m = _FIELD.match(block)
            second = _NEXT_FIELD.search(block, m.end() if m else 0)
            if second:
                segments.append((*_strip(text, bs, bs + second.start()), "field"))
                bs, _ = _strip(text, bs + second.end(), be)
            segments.append((bs, be, "field"))
            continue
        if _is_heading(block):
            segments.append((bs, be, _heading_kind(block)))
            continue
        m = _RUNIN_CAPS.match(block) or _run_in_field(block)
        if m:
            hs, he = _strip(text, bs, bs + m.end(1))
            segments.append((hs, he, "heading"))
            bs, _ = _strip(text, bs + m.end(1), be)
        segments += [(s, e, "sentence") for s, e in split_sentences(text, bs, be)]
    return segments


def hard_wrapped(text: str, boundaries: BoundaryModel | None) -> bool:
    """Whether the boundary model cuts the text (a model trained on wrapped copies, and a text
    whose longer lines cluster at one width)."""
    return bool(boundaries is not None and boundaries.wrapped and _wrapping(text))


def _wrapped_span(text: str, units: list[_Unit]) -> tuple[list[tuple[int, int, bool, bool]], list[int]]:
    """The blocks of a hard-wrapped text (lines that no blank line or marker parts), and where
    the rules would start a block (the boundary model's hints)."""
    return _blocks(text, units, join_all=True), [bs for bs, *_ in _blocks(text, units)]


def _wrapped_segments(text: str, units: list[_Unit], boundaries: BoundaryModel) -> list[Segment]:
    """A hard-wrapped text cut by the boundary model in one pass, always cut where a block
    starts; each piece typed as the same words on one line would be."""
    blocks, hints = _wrapped_span(text, units)
    if not blocks:
        return []
    starts = [bs for bs, *_ in blocks]
    segments: list[Segment] = []
    for s, e in boundaries.cuts(text, starts[0], blocks[-1][1], forced=starts, hints=hints):
        _, block_end, is_item, _ = blocks[bisect.bisect_right(starts, s) - 1]
        s, e = _trim_decor(text, s, min(e, block_end))  # a marker between blocks is no part of either
        if s < e:
            segments += _learned_segments(text, s, e, is_item)
    return segments


def wrapped_training_span(text: str) -> tuple[int, int, list[int]] | None:
    """For a hard-wrapped text, the span a wrapped boundary model cuts and its hints (else None)."""
    if not _wrapping(text):
        return None
    blocks, hints = _wrapped_span(text, _units(text))
    return (blocks[0][0], blocks[-1][1], hints) if blocks else None


def _run_in_field(block: str) -> re.Match[str] | None:
    """`JOB DESCRIPTION: World Vision announces ...`: a capitalised name run into a sentence."""
    m = _FIELD.match(block)
    if not m or not _is_caps(m.group(1)):
        return None
    value = block[m.end() :].split()
    if len(value) > 12 or (len(value) >= 6 and value[-1][-1] in ".!?"):
        return re.match(r"(.*?:)", block)
    return None


def kinds_for(text: str, spans: Iterable[tuple[int, int]], boundaries: BoundaryModel | None = None) -> list[str]:
    """The layout kind of given spans (gold segments): that of the segment covering each start."""
    found = segment_text(text, boundaries)
    starts = [s for s, _, _ in found]
    kinds = []
    for start, _ in spans:
        i = bisect.bisect_right(starts, start) - 1
        kinds.append(found[i][2] if i >= 0 and found[i][1] > start else "sentence")
    return kinds
