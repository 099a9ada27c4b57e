"""The spaCy side of segmentation: the `jobsections_segmenter` factory, which puts the segments of
`segment_text` into `doc.spans["segments"]` with the kind as `span.label_`, and `make_nlp()`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc

from jobsections.segment.rules import Segment, segment_text

if TYPE_CHECKING:
    from jobsections.segment.boundary import BoundaryModel


def _align_tokens(doc: Doc, segments: Sequence[Segment]) -> Doc:
    """Split the tokens that a segment boundary falls inside (`adopts.This`, `•Item`)."""
    if not segments or not len(doc):
        return doc
    offsets = doc.to_array([IDX, LENGTH]).astype(np.int64)
    starts, ends = offsets[:, 0], offsets[:, 0] + offsets[:, 1]
    bounds = np.fromiter((b for s, e, _ in segments for b in (s, e)), dtype=np.int64)
    token = np.searchsorted(starts, bounds, side="right") - 1
    inside = (token >= 0) & (bounds > starts[token.clip(0)]) & (bounds < ends[token.clip(0)])
    if not inside.any():
        return doc
    cuts: dict[int, set[int]] = {}
    for t, b in zip(token[inside].tolist(), bounds[inside].tolist()):
        cuts.setdefault(t, set()).add(b - int(starts[t]))
    with doc.retokenize() as retokenizer:
        for t, inner in cuts.items():
            tok = doc[t]
            points = [0, *sorted(inner), len(tok.text)]
            orths = [tok.text[points[i] : points[i + 1]] for i in range(len(points) - 1)]
            retokenizer.split(tok, orths, heads=[(tok, 0)] * len(orths))
    return doc


class Segmenter:
    """spaCy component: writes the posting's segments to `doc.spans[spans_key]`, kind as label.

    `boundaries` is the trained model's `BoundaryModel` for text without layout (`jobsections.load`
    sets it from the model it loads); without one, the rules alone segment.
    """

    def __init__(self, nlp: Language, name: str = "jobsections_segmenter", spans_key: str = "segments") -> None:
        self.name = name
        self.spans_key = spans_key
        self.boundaries: BoundaryModel | None = None

    def __call__(self, doc: Doc) -> Doc:
        segments = segment_text(doc.text, self.boundaries)
        doc = _align_tokens(doc, segments)
        spans = [doc.char_span(s, e, label=kind) for s, e, kind in segments]
        doc.spans[self.spans_key] = [span for span in spans if span is not None]
        return doc


@Language.factory(
    "jobsections_segmenter",
    default_config={"spans_key": "segments"},
    assigns=["doc.spans"],
)
def make_segmenter(nlp: Language, name: str, spans_key: str) -> Segmenter:
    """Create the segmenter; `spans_key` names the span group it writes."""
    return Segmenter(nlp, name, spans_key)


def make_nlp() -> Language:
    """A blank English pipeline with the segmenter: tokenizer + segments, no download needed."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("jobsections_segmenter")
    return nlp
