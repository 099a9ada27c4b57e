"""Run a model over postings: the full system on raw text, or relabelling given segments."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from spacy.language import Language

from jobsections.labeller import doc_segments, label_rows
from jobsections.model import SectionModel
from jobsections.readers import Posting
from jobsections.segmenter import kinds_for

Record = dict[str, Any]


def _record(posting: Posting, segments: list[dict[str, Any]]) -> Record:
    record: Record = {"id": posting.id, "source": posting.source, "text": posting.text, "segments": segments}
    if posting.meta:
        record["meta"] = posting.meta
    return record


def predict_records(nlp: Language, postings: Iterable[Posting], batch_size: int = 64) -> Iterator[Record]:
    """Segment and label each posting with a `jobsections.load()` pipeline, in batches."""
    pairs = ((p.text, p) for p in postings)
    for doc, posting in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        yield _record(posting, doc_segments(doc))


def relabel_records(model: SectionModel, postings: Sequence[Posting]) -> list[Record]:
    """Label the segments each posting already has (FORMAT.md's second view), whole posting as context."""
    texts = [p.text for p in postings]
    spans = [[(s["start"], s["end"]) for s in p.segments or []] for p in postings]
    triples = [[(a, b, k) for (a, b), k in zip(sp, kinds_for(t, sp))] for t, sp in zip(texts, spans)]
    labelled = label_rows(model, texts, triples)
    return [
        _record(
            p,
            [
                {"start": a, "end": b, "label": lab, "score": round(score, 4), "kind": kind}
                for (a, b, kind), (lab, score) in zip(segs, labs)
            ],
        )
        for p, segs, labs in zip(postings, triples, labelled)
    ]
