"""The trained artifact: a joblib file plus a JSON card, saved, loaded and checked.

A model file is pickled code: load only models you trust. On load the file must declare
itself a jobsections model of a format version this code reads; a different scikit-learn
version is a warning, since pickles across versions may behave differently.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import sklearn

from jobsections.boundary import BoundaryModel
from jobsections.classifier import SegmentClassifier
from jobsections.features import segment_rows

MODEL_FORMAT = "jobsections-model"
FORMAT_VERSION = 3  # 2: batch featuriser (word ids, hashed character n-grams); 3: boundary model
MODEL_FILE = "model.joblib"
CARD_FILE = "card.json"
SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "model"


class ModelError(RuntimeError):
    """A model is missing, corrupt, or not one this version of jobsections can use."""


@dataclass
class SectionModel:
    """A fitted `SegmentClassifier` and its card (labels, versions, data, settings, metrics)."""

    classifier: SegmentClassifier
    card: dict[str, Any] = field(default_factory=dict)
    boundary: BoundaryModel | None = None  # the learned boundary model for text without layout

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.classifier.classes_]


def default_model_path() -> Path:
    """The model used when none is named: `$JOBSECTIONS_MODEL`, else the shipped `model/`."""
    return Path(os.environ.get("JOBSECTIONS_MODEL", SHIPPED_MODEL))


def save_model(model: SectionModel, directory: str | Path) -> Path:
    """Write `model.joblib` and `card.json` into `directory` (created if needed)."""
    from jobsections import __version__

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    card = {
        "format": MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "jobsections_version": __version__,
        "sklearn_version": sklearn.__version__,
        **model.card,
        "labels": model.labels,
    }
    payload = {
        "format": MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "sklearn_version": sklearn.__version__,
        "classifier": model.classifier,
        "boundary": model.boundary,
        "card": card,
    }
    tmp = directory / (MODEL_FILE + ".tmp")
    joblib.dump(payload, tmp, compress=3)
    tmp.replace(directory / MODEL_FILE)
    (directory / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    model.card = card
    return directory


def load_model(directory: str | Path | None = None) -> SectionModel:
    """Load and check a model directory (default: `default_model_path()`)."""
    directory = Path(directory) if directory is not None else default_model_path()
    path = directory / MODEL_FILE if directory.is_dir() else directory
    if not path.is_file():
        raise ModelError(f"no model at {directory} (expected {MODEL_FILE}); train one with `jobsections train`")
    try:
        payload = joblib.load(path)
    except Exception as e:  # unpickling raises anything for a damaged file
        raise ModelError(f"{path}: corrupt or unreadable model file ({type(e).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise ModelError(f"{path}: not a jobsections model file")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format version {payload.get('format_version')}, this jobsections reads "
            f"version {FORMAT_VERSION}; retrain it with `jobsections train`"
        )
    if payload.get("sklearn_version") != sklearn.__version__:
        warnings.warn(
            f"{path}: trained with scikit-learn {payload.get('sklearn_version')}, running {sklearn.__version__}",
            stacklevel=2,
        )
    if not isinstance(payload.get("classifier"), SegmentClassifier):
        raise ModelError(f"{path}: the model file holds no segment classifier")
    _probe(payload["classifier"], path)
    return SectionModel(payload["classifier"], payload.get("card", {}), payload.get("boundary"))


def _probe(classifier: SegmentClassifier, path: Path) -> None:
    """Classify a tiny posting, so a model whose features no longer fit this code fails on load."""
    text = "Duties:\nSend your CV by 3 May."
    try:
        classifier.predict_proba(segment_rows(text, [(0, 7, "heading"), (8, len(text), "sentence")]))
    except Exception as e:  # any failure here means the pickled state does not match this code
        raise ModelError(f"{path}: the model does not fit this version of jobsections ({e}); retrain it") from None
