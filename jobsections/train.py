"""Fit a `SectionModel` on annotated postings: the boundary model, then the segment classifier.

The boundary model learns where segments end in the long lines of each posting's layout
variants (`jobsections.segment.variants`), its gold offsets carried through: collapsed white
space, markers stripped, items glued. The classifier learns each posting's rows, again
with its headings left out, and (`section_copies`) once more with its sections reordered; its
rows take their layout kind from the segmenter with that boundary model, so training sees what
prediction sees; one posting in `MASKED_EVERY` it learns with its numbers masked instead.
"""

from __future__ import annotations

import random
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from jobsections.annotations import data_hash, repeated
from jobsections.classifier import SegmentClassifier
from jobsections.features import Row, segment_rows
from jobsections.model import BOUNDARY, SectionModel
from jobsections.readers import InputError, Posting
from jobsections.segment import kinds_for
from jobsections.segment.boundary import BoundaryModel, training_lines, wrapped_training_lines
from jobsections.segment.variants import variant

# The layout variants each posting is also learned in. The classifier learns none by default:
# with heading copies, its rows with white space collapsed (`COLLAPSED_COPY`, `train
# --collapsed-copies`) cost about a point on real postings (README). The boundary model learns
# all of `BOUNDARY_COPIES`.
CLASSIFIER_COPIES: tuple[str, ...] = ()
COLLAPSED_COPY = ("flatten",)
BOUNDARY_COPIES = ("flatten", "strip-flatten", "scraped", "shouted")
# One posting in `MASKED_EVERY` (by a hash of its id) is learned by the classifier with its
# numbers masked (`****`) instead of as written, as job boards pass on their ads: pay, dates
# and counts are then read in both forms (README, *Results*: a quarter, not an eighth, a third or a half).
MASKED_EVERY = 4


def _id_hash(posting: Posting) -> int:
    """A number fixed by the posting's id, the same on every run (unlike `hash`): what picks the
    posting's copies (its masking, its sections' order, its re-wrap width)."""
    return zlib.crc32(posting.id.encode("utf-8"))


def gold_rows(posting: Posting, doc: int | str, boundary: BoundaryModel | None = None) -> tuple[list[Row], list[str]]:
    """Feature rows and labels of a posting's gold segments, kinds as the segmenter gives them."""
    segments = posting.segments or []
    kinds = kinds_for(posting.text, [(s["start"], s["end"]) for s in segments], boundary)
    triples = [(s["start"], s["end"], kind) for s, kind in zip(segments, kinds)]
    return segment_rows(posting.text, triples, doc), [s["label"] for s in segments]


def _with_copies(postings: Sequence[Posting], copies: Sequence[str]) -> list[Posting]:
    """The postings, each followed by its layout variants (a variant equal to its original is left out)."""
    out: list[Posting] = []
    for posting in postings:
        out.append(posting)
        out += [v for v in (variant(posting, name) for name in copies) if v.text != posting.text]
    return out


def without_headings(rows: Sequence[Row], labels: Sequence[str]) -> tuple[list[Row], list[str]]:
    """A posting's rows with its headings left out (nothing for a posting with no heading): a
    copy that teaches the classifier to read a segment's own words first, since real postings'
    headings mislead (a list of requirements under a duties heading, a heading the segmenter
    missed) far more often than the written corpus's do."""
    if not any(row["kind"] == "heading" for row in rows):
        return [], []
    kept = [i for i, row in enumerate(rows) if row["kind"] != "heading"]
    return [dict(rows[i], heading="", heading2="") for i in kept], [labels[i] for i in kept]


def reordered_sections(posting: Posting) -> Posting | None:
    """The posting with its sections (a heading and the segments up to the next heading; what
    comes before the first heading) in another order, fixed by its id, joined by blank lines; None
    for a posting of fewer than three sections. Real postings put their sections in any order,
    and one-line ads have none to speak of; our writers mostly keep one."""
    segments = sorted(posting.segments or [], key=lambda s: s["start"])
    kinds = kinds_for(posting.text, [(s["start"], s["end"]) for s in segments])
    sections: list[list[dict[str, Any]]] = []
    for segment, kind in zip(segments, kinds):
        if kind == "heading" or not sections:
            sections.append([])
        sections[-1].append(segment)
    if len(sections) < 3:
        return None
    random.Random(_id_hash(posting)).shuffle(sections)
    pieces: list[str] = []
    moved: list[dict[str, Any]] = []
    at = 0
    for section in sections:
        start, end = section[0]["start"], section[-1]["end"]
        moved += [dict(s, start=s["start"] - start + at, end=s["end"] - start + at) for s in section]
        pieces.append(posting.text[start:end])
        at += end - start + 2
    return replace(posting, id=f"{posting.id}~reordered", text="\n\n".join(pieces), segments=moved)


def training_rows(
    postings: Sequence[Posting],
    copies: Sequence[str] = CLASSIFIER_COPIES,
    boundary: BoundaryModel | None = None,
    heading_copies: bool = True,
    section_copies: bool = True,
    masked_every: int = MASKED_EVERY,
) -> tuple[list[Row], list[str]]:
    """All rows and labels of the postings, of their layout variants `copies`, (with
    `heading_copies`) of their rows `without_headings` and (with `section_copies`) of their
    `reordered_sections`; each copy is a posting (`doc`) of its own, its `group` the posting's id
    (shared by a posting's copies and repeats). One posting in `masked_every` (0: none) is
    learned with its numbers masked instead of as written."""
    rows: list[Row] = []
    labels: list[str] = []
    doc = 0
    for original in postings:
        posting = original
        if masked_every and _id_hash(original) % masked_every == 0:
            posting = variant(original, "masked")
        reordered = reordered_sections(posting) if section_copies else None
        for copy in _with_copies([posting], copies) + ([reordered] if reordered else []):
            parts = [gold_rows(copy, doc, boundary)]
            if copy is posting and heading_copies:
                parts.append(without_headings(*parts[0]))
            for part_rows, part_labels in parts:
                if part_rows:
                    rows += [dict(row, doc=doc, group=original.id) for row in part_rows]
                    labels += part_labels
                    doc += 1
    return rows, labels


MIN_SEGMENTS_PER_LABEL = 3  # the calibration of the default learner splits each label three ways


def _check_enough(counts: Counter[str]) -> None:
    """Raise `InputError` for data that no classifier here can be fitted on (else scikit-learn's traceback)."""
    if len(counts) < 2 or min(counts.values()) < MIN_SEGMENTS_PER_LABEL:
        found = ", ".join(f"{label!r}: {n}" for label, n in sorted(counts.items()))
        raise InputError(
            f"too little data to train: segments per label {{{found}}} ; a model needs "
            f"at least two labels with {MIN_SEGMENTS_PER_LABEL} segments or more each"
        )


def train_boundary(
    postings: Sequence[Posting], copies: Sequence[str] = BOUNDARY_COPIES, **params: Any
) -> BoundaryModel:
    """Fit the boundary model on the long lines of the postings and of their layout variants, and
    a `wrapped` model also on each hard-wrapped posting, and a copy of each re-wrapped at 60 to 80
    columns (the width from the posting's id), as the segmenter hands them to it: whole."""
    model = BoundaryModel(**params)
    lines = [
        line
        for p in _with_copies(postings, copies)
        for line in training_lines(p.text, p.segments or [], model.min_line)
    ]
    if model.wrapped:
        for p in postings:
            for q in (p, variant(p, "rewrap", width=60 + _id_hash(p) % 21)):
                lines += wrapped_training_lines(q.text, q.segments or [])
    return model.fit(lines)


def train_model(
    postings: Sequence[Posting],
    seed: int = 0,
    copies: Sequence[str] = CLASSIFIER_COPIES,
    boundary: bool = True,
    heading_copies: bool = True,
    smoothing: bool = True,
    section_copies: bool = True,
    masked_every: int = MASKED_EVERY,
    **params: Any,
) -> SectionModel:
    """Fit the boundary model (unless `boundary` is false) and the classifier on the postings'
    gold segments, each posting counted as many times as its `meta.weight`, with the classifier's
    second stage unless `smoothing` is false and each posting also with its sections reordered
    unless `section_copies` is false; the card records data and settings."""
    if not postings:
        raise ValueError("no annotated postings to train on")
    postings = repeated(postings)
    started = time.perf_counter()
    label_counts = Counter(s["label"] for p in postings for s in p.segments or [])
    _check_enough(label_counts)
    boundaries = train_boundary(postings) if boundary else None
    rows, labels = training_rows(postings, copies, boundaries, heading_copies, section_copies, masked_every)
    classifier = SegmentClassifier(random_state=seed, smoothing=smoothing, **params).fit(rows, labels)
    card = {
        "training_data": {
            "postings": len(postings),  # a posting of weight W counts W times
            "distinct_postings": len({p.id for p in postings}),
            "segments": sum(len(p.segments or []) for p in postings),
            "label_counts": dict(label_counts),
            "hash": data_hash(postings),
            "source_folders": sorted({str(Path(p.source.split(":")[0]).parent) for p in postings}),
        },
        "settings": {
            "seed": seed,
            "copies": list(copies),
            "heading_copies": heading_copies,
            "section_copies": section_copies,
            "masked_every": masked_every,
            "boundary": boundaries.get_params() if boundaries else None,
            **classifier.get_params(),
        },
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return SectionModel(classifier, card, {BOUNDARY: boundaries} if boundaries else {})
