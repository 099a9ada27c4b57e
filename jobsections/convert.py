"""`jobsections convert --trust-pickle OLD NEW`: turn an old pickled model into the data format.

Models of format versions 1 and 2 were a `model.joblib` pickle, which runs code when loaded.
`jobsections.model` no longer reads them. This module is the one place that still does, and
only when the user says they trust the file: it unpickles the old model once, checks that it
holds a segment classifier, and writes it in the current format (arrays and JSON, see
`jobsections.model`), whose predictions it checks against the pickled model's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from jobsections.model import (
    CARD_FILE,
    MANIFEST_FILE,
    MODEL_FORMAT,
    OLD_MODEL_FILE,
    ModelError,
    SectionModel,
    load_model,
    save_model,
)

_CHECK_TEXT = (
    "Responsibilities\n• Lead the night team\n• Plan the rota\n\nRequirements\n• A nursing degree\n\n"
    "We offer\n• A pension\n\nHow to apply\nSend your CV to jobs@example.org by 3 May."
)


def _old_model_file(old: Path) -> Path:
    path = old / OLD_MODEL_FILE if old.is_dir() else old
    if not path.is_file():
        raise ModelError(f"{old}: no {OLD_MODEL_FILE} to convert")
    return path


def read_pickled_model(old: str | Path, trust_pickle: bool = False) -> SectionModel:
    """Unpickle an old `model.joblib` (runs its code: `trust_pickle` must be true)."""
    if not trust_pickle:
        raise ModelError(
            "converting unpickles the old model, which runs any code it holds: "
            "say --trust-pickle if you trust where it came from"
        )
    path = _old_model_file(Path(old))
    import joblib

    from jobsections.classifier import SegmentClassifier

    try:
        payload: Any = joblib.load(path)  # the one pickle load of jobsections, asked for by the user
    except Exception as e:  # unpickling raises anything for a damaged file
        raise ModelError(f"{path}: corrupt or unreadable model file ({type(e).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise ModelError(f"{path}: not a jobsections model file")
    classifier = payload.get("classifier")
    if not isinstance(classifier, SegmentClassifier):
        raise ModelError(f"{path}: the model file holds no segment classifier")
    card = payload.get("card") if isinstance(payload.get("card"), dict) else {}
    card_path = path.parent / CARD_FILE
    if card_path.is_file():  # the card beside the pickle may hold results recorded later
        try:
            on_disk = json.loads(card_path.read_text(encoding="utf-8"))
            if isinstance(on_disk, dict):
                card = on_disk
        except (OSError, ValueError):
            pass
    card = {k: v for k, v in card.items() if k not in ("format_version", "jobsections_version", "sklearn_version")}
    card["converted_from"] = {"format_version": payload.get("format_version"), "file": OLD_MODEL_FILE}
    return SectionModel(classifier, card)


def convert(old: str | Path, new: str | Path, trust_pickle: bool = False) -> Path:
    """Write the old pickled model at `old` as a current model directory `new` (may be `old`:
    then `model.joblib` is removed once the new files are written and checked)."""
    old, new = Path(old), Path(new)
    path = _old_model_file(old)
    if (new / MANIFEST_FILE).exists() and new.resolve() != path.parent.resolve():
        raise ModelError(f"{new}: already holds a model; choose an empty or new directory")
    if new.exists() and not new.is_dir():
        raise ModelError(f"{new}: exists and is not a directory")
    model = read_pickled_model(path, trust_pickle)
    save_model(model, new)
    loaded = load_model(new)
    from jobsections.features import segment_rows
    from jobsections.segment import segment_text

    rows = segment_rows(_CHECK_TEXT, segment_text(_CHECK_TEXT))
    if not np.array_equal(model.classifier.predict_proba(rows), loaded.classifier.predict_proba(rows)):
        raise ModelError(f"{new}: the converted model's probabilities differ from the pickled model's")
    if new.resolve() == path.parent.resolve():
        path.unlink()
    return new
