"""jobsections: cut job postings into segments and label them responsibility, qualification,
benefit, application or other.

    >>> import jobsections
    >>> nlp = jobsections.load()                     # the shipped model
    >>> doc = nlp(text)
    >>> [(s.text, s.label_, s._.score) for s in doc.spans["sections"]]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported when a pipeline is built, so `jobsections --version` starts fast
    from spacy.language import Language

__version__ = "0.1.0"


def load(model: str | Path | None = None) -> Language:
    """A spaCy pipeline (blank English + segmenter + labeller) with a trained model.

    `model` is a model directory, or a `SectionModel` already in memory; the default is
    `$JOBSECTIONS_MODEL` or the shipped `model/`. Raises `ModelError` if it cannot be used.
    """
    from jobsections.labeller import Labeller
    from jobsections.model import SectionModel
    from jobsections.segment.component import make_nlp

    nlp = make_nlp()
    if isinstance(model, SectionModel):
        labeller = nlp.add_pipe("jobsections_labeller", config={"model": ""})
        labeller.model = model
    else:
        labeller = nlp.add_pipe("jobsections_labeller", config={"model": None if model is None else str(model)})
    assert isinstance(labeller, Labeller)
    nlp.get_pipe("jobsections_segmenter").boundaries = labeller.model.boundary if labeller.model else None
    return nlp


__all__ = ["__version__", "load"]
