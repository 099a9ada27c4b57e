"""Fit a `SectionModel` on annotated postings.

Each gold segment becomes a feature row; its layout kind is the one the segmenter gives the
text there, so training sees what prediction will see. With `flatten`, every posting is also
learned with its line breaks turned into spaces (offsets unchanged), as scraped text arrives.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from jobsections.annotations import data_hash
from jobsections.classifier import SegmentClassifier
from jobsections.features import Row, segment_rows
from jobsections.model import SectionModel
from jobsections.readers import InputError, Posting
from jobsections.segmenter import kinds_for


def flatten(text: str) -> str:
    """The text with every line break replaced by a space: same length, same offsets."""
    return text.replace("\r", " ").replace("\n", " ")


def flattened(posting: Posting) -> Posting:
    """The posting with its text flattened; its annotations still fit, the offsets being unchanged."""
    return replace(posting, text=flatten(posting.text))


def gold_rows(posting: Posting, doc: int | str, text: str | None = None) -> tuple[list[Row], list[str]]:
    """Feature rows and labels of a posting's gold segments (optionally over another `text`
    of the same length, such as its flattened form)."""
    text = posting.text if text is None else text
    segments = posting.segments or []
    kinds = kinds_for(text, [(s["start"], s["end"]) for s in segments])
    triples = [(s["start"], s["end"], kind) for s, kind in zip(segments, kinds)]
    return segment_rows(text, triples, doc), [s["label"] for s in segments]


def training_rows(postings: Sequence[Posting], flatten_copies: bool = True) -> tuple[list[Row], list[str]]:
    """All rows and labels of the postings, plus their flattened copies when asked."""
    rows: list[Row] = []
    labels: list[str] = []
    for i, posting in enumerate(postings):
        r, y = gold_rows(posting, f"{i}")
        rows += r
        labels += y
        if flatten_copies and "\n" in posting.text:
            r, y = gold_rows(posting, f"{i}-flat", flatten(posting.text))
            rows += r
            labels += y
    return rows, labels


MIN_SEGMENTS_PER_LABEL = 3  # the calibration of the default learner splits each label three ways


def _check_enough(counts: Counter[str]) -> None:
    """Raise `InputError` for data that no classifier here can be fitted on (else scikit-learn's traceback)."""
    if len(counts) < 2 or min(counts.values()) < MIN_SEGMENTS_PER_LABEL:
        found = ", ".join(f"{label!r}: {n}" for label, n in sorted(counts.items()))
        raise InputError(
            f"too little data to train: segments per label {{{found}}} (flattened copies counted); a model needs "
            f"at least two labels with {MIN_SEGMENTS_PER_LABEL} segments or more each"
        )


def train_model(postings: Sequence[Posting], seed: int = 0, flatten_copies: bool = True, **params: Any) -> SectionModel:
    """Fit a classifier on the postings' gold segments; the card records data and settings."""
    if not postings:
        raise ValueError("no annotated postings to train on")
    started = time.perf_counter()
    rows, labels = training_rows(postings, flatten_copies)
    _check_enough(Counter(labels))
    classifier = SegmentClassifier(random_state=seed, **params).fit(rows, labels)
    card = {
        "training_data": {
            "postings": len(postings),
            "segments": sum(len(p.segments or []) for p in postings),
            "label_counts": dict(Counter(s["label"] for p in postings for s in p.segments or [])),
            "hash": data_hash(postings),
            "source_folders": sorted({str(Path(p.source.split(":")[0]).parent) for p in postings}),
        },
        "settings": {"seed": seed, "flatten_copies": flatten_copies, **classifier.get_params()},
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return SectionModel(classifier, card)
