"""Run a model over postings: the full system on raw text, or relabelling given segments.

Batch prediction works on the raw text: `segment_text` and the classifier need no spaCy `Doc`,
so no tokenizer runs. `jobsections.load()` gives the same segments and labels as spaCy
components (`tests/test_predict.py` pins that the two agree).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from jobsections.labeller import label_rows
from jobsections.model import SectionModel
from jobsections.readers import Posting
from jobsections.segment import is_flat, kinds_for, segment_text

Record = dict[str, Any]


def _record(posting: Posting, segments: list[dict[str, Any]]) -> Record:
    record: Record = {"id": posting.id, "source": posting.source, "text": posting.text, "segments": segments}
    # "none": the text had no line breaks and was segmented as layout-less text
    record["layout"] = "none" if is_flat(posting.text) else "lines"
    if posting.meta:
        record["meta"] = posting.meta
    return record


def predict_records(model: SectionModel, postings: Iterable[Posting], batch_size: int = 64) -> Iterator[Record]:
    """Segment and label each posting, classifying a batch of postings per call."""
    it = iter(postings)
    while batch := list(islice(it, batch_size)):
        texts = [p.text for p in batch]
        segments = [segment_text(t, model.boundary) for t in texts]
        for posting, segs, labels in zip(batch, segments, label_rows(model, texts, segments)):
            yield _record(
                posting, [_segment(s, e, kind, label, score) for (s, e, kind), (label, score) in zip(segs, labels)]
            )


def _segment(start: int, end: int, kind: str, label: str, score: float) -> dict[str, Any]:
    return {"start": start, "end": end, "label": label, "score": round(score, 4), "kind": kind}


def relabel_records(model: SectionModel, postings: Sequence[Posting]) -> list[Record]:
    """Label the segments each posting already has (FORMAT.md's second view), whole posting as context."""
    texts = [p.text for p in postings]
    spans = [[(s["start"], s["end"]) for s in p.segments or []] for p in postings]
    triples = [[(a, b, k) for (a, b), k in zip(sp, kinds_for(t, sp, model.boundary))] for t, sp in zip(texts, spans)]
    labelled = label_rows(model, texts, triples)
    return [
        _record(p, [_segment(a, b, kind, lab, score) for (a, b, kind), (lab, score) in zip(segs, labs)])
        for p, segs, labs in zip(postings, triples, labelled)
    ]
