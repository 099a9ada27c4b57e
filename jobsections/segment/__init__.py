"""Segmentation, the first stage: a posting's text → segments with their layout kind.

- `rules`: `segment_text`, from the layout (lines, markers, blank lines, sentences);
- `boundary`: the learned `BoundaryModel` that cuts long lines whose layout is gone;
- `variants`: layout variants of annotated postings (collapsed, markers stripped, glued,
  re-wrapped) with the gold offsets carried through: the boundary model's free supervision and
  the evaluation's `--flatten`, `--strip-markers`, `--glue` and `--rewrap`;
- `component`: the `jobsections_segmenter` spaCy factory (`doc.spans["segments"]`) and `make_nlp()`.
"""

from jobsections.segment.rules import Segment, is_flat, kinds_for, segment_text, split_sentences

__all__ = ["Segment", "is_flat", "kinds_for", "segment_text", "split_sentences"]
