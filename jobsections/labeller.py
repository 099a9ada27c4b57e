"""The spaCy component that labels segments with a trained `SectionModel`.

It reads `doc.spans["segments"]` (written by the segmenter), classifies every segment of a
batch of docs in one call, and writes `doc.spans["sections"]`: the same spans with the section
label as `span.label_`, the probability as `span._.score` and the layout kind as `span._.kind`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span

from jobsections.features import segment_rows
from jobsections.model import ModelError, SectionModel, load_model, save_model

for _name in ("score", "kind"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


def label_rows(
    model: SectionModel, texts: Sequence[str], segments: Sequence[Sequence[tuple[int, int, str]]]
) -> list[list[tuple[str, float]]]:
    """`(label, probability)` for every segment of every text, classified in one batch."""
    rows = [row for i, (text, segs) in enumerate(zip(texts, segments)) for row in segment_rows(text, segs, i)]
    probs = model.classifier.predict_proba(rows)
    best = probs.argmax(axis=1)
    labels = [str(c) for c in model.classifier.classes_]
    pairs = list(zip(map(labels.__getitem__, best.tolist()), probs[np.arange(len(best)), best].tolist()))
    ends = np.cumsum([len(segs) for segs in segments]).tolist()
    return [pairs[end - len(segs) : end] for segs, end in zip(segments, ends)]


class Labeller:
    """spaCy component: section labels and probabilities for the segmenter's spans."""

    def __init__(
        self, nlp: Language, name: str, model: str | None, segments_key: str, spans_key: str, batch_size: int
    ) -> None:
        self.name = name
        self.segments_key = segments_key
        self.spans_key = spans_key
        self.batch_size = batch_size
        # "" leaves the model to be set later (`jobsections.load` with a model in memory).
        self.model: SectionModel | None = load_model(model) if model != "" else None

    def __call__(self, doc: Doc) -> Doc:
        return self.label([doc])[0]

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        """Label docs in batches, one classifier call per batch."""
        it = iter(docs)
        while batch := list(islice(it, batch_size or self.batch_size)):
            yield from self.label(batch)

    def label(self, docs: Sequence[Doc]) -> Sequence[Doc]:
        """Write `doc.spans[spans_key]` for every doc of the batch."""
        if self.model is None:
            raise ModelError(f"{self.name}: no model set")
        groups = [list(doc.spans.get(self.segments_key, [])) for doc in docs]
        segments = [[(sp.start_char, sp.end_char, sp.label_) for sp in spans] for spans in groups]
        labels = label_rows(self.model, [doc.text for doc in docs], segments)
        for doc, spans, labelled in zip(docs, groups, labels):
            out = []
            for span, (label, score) in zip(spans, labelled):
                new = Span(doc, span.start, span.end, label=label)
                new._.score = score
                new._.kind = span.label_
                out.append(new)
            doc.spans[self.spans_key] = out
        return docs

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model is None:
            raise ModelError(f"{self.name}: no model set")
        save_model(self.model, path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Labeller:
        self.model = load_model(path)
        return self


@Language.factory(
    "jobsections_labeller",
    default_config={"model": None, "segments_key": "segments", "spans_key": "sections", "batch_size": 64},
    requires=["doc.spans"],
    assigns=["doc.spans"],
)
def make_labeller(
    nlp: Language, name: str, model: str | None, segments_key: str, spans_key: str, batch_size: int
) -> Labeller:
    """Create the labeller; `model` is a model directory (default: the shipped model; "" to set it later)."""
    return Labeller(nlp, name, model, segments_key, spans_key, batch_size)


def doc_segments(doc: Doc, spans_key: str = "sections") -> list[dict[str, Any]]:
    """The labelled segments of a doc as annotation-format dicts with `score` and `kind`."""
    return [
        {
            "start": sp.start_char,
            "end": sp.end_char,
            "label": sp.label_,
            "score": round(sp._.score, 4),
            "kind": sp._.kind,
        }
        for sp in doc.spans.get(spans_key, [])
    ]
