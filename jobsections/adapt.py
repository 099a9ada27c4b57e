"""Retrain a model with a user's own annotated postings added to the data it was trained on.

A model directory carries the postings it was trained on as `training.jsonl` (annotation
format, FORMAT.md; a posting's `meta.weight` says how many times it counts), so that
`jobsections train --base DIR MINE.jsonl` needs no corpus files: it trains on the base
model's postings plus the user's, each of the user's counted `weight` times.

Weighting is by repetition: `jobsections.train.train_model` counts a posting of weight W
W times (W a whole number), which weights its segments W times in the classifier and its lines
W times in the boundary model. Training time grows
with the repeated postings (8 postings of weight 4 add as much as 32 postings).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jobsections.annotations import check_segments, data_hash, weight_of
from jobsections.model import CARD_FILE, ModelError
from jobsections.readers import InputError, Posting

TRAINING_FILE = "training.jsonl"
DEFAULT_WEIGHT = 3


def with_weight(postings: Sequence[Posting], weight: int) -> list[Posting]:
    """Copies of the postings with `meta.weight` set (left out when 1)."""
    if weight < 1:
        raise InputError(f"--weight {weight}: give a whole number >= 1")
    out = []
    for p in postings:
        meta = {k: v for k, v in (p.meta or {}).items() if k != "weight"}
        if weight != 1:
            meta["weight"] = weight
        out.append(Posting(p.id, p.text, p.source, p.segments, meta))
    return out


def write_training_data(postings: Sequence[Posting], directory: str | Path) -> Path:
    """Write the training postings into a model directory as `training.jsonl`."""
    path = Path(directory) / TRAINING_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for p in postings:
            record: dict[str, Any] = {"id": p.id, "source": p.source, "text": p.text, "segments": _plain(p.segments)}
            if p.meta:
                record["meta"] = p.meta
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def _plain(segments: Any) -> list[dict[str, Any]]:
    return [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in segments or []]


def base_postings(directory: str | Path) -> list[Posting]:
    """The postings a model directory was trained on (its `training.jsonl`), checked."""
    from jobsections.readers import iter_postings

    path = Path(directory) / TRAINING_FILE
    if not path.is_file():
        raise ModelError(
            f"{directory}: no {TRAINING_FILE}, so it cannot be the --base of a retraining "
            "(models trained with `jobsections train` carry one unless --no-training-data was given)"
        )
    postings = list(iter_postings([path]))
    for p in postings:
        if p.segments is None:
            raise ModelError(f"{path}: posting {p.id!r} has no segments")
        check_segments(p.text, p.segments, f"{path} ({p.id})", full_cover=True)
        weight_of(p)
        p.segments = _plain(p.segments)
    return postings


def combine(base: Sequence[Posting], mine: Sequence[Posting], weight: int) -> list[Posting]:
    """The base model's postings and the user's (weighted); a user's posting with the id or the
    text of a base posting replaces it, so a corrected corpus posting is not learned twice."""
    mine = with_weight(mine, weight)
    ids = {p.id for p in mine}
    texts = {p.text for p in mine}
    return [p for p in base if p.id not in ids and p.text not in texts] + mine


def prepare_training(
    mine: Sequence[Posting], base_dir: str | Path | None = None, weight: int | None = None
) -> tuple[list[Posting], dict[str, Any] | None]:
    """The postings to train on (weights in `meta.weight`) and, with a base model, what its card
    records about the base and the user's postings (else None)."""
    if base_dir is None:
        if weight is not None:
            raise InputError("--weight weighs your postings against the base model's: it needs --base")
        return list(mine), None
    weight = DEFAULT_WEIGHT if weight is None else weight
    base = base_postings(base_dir)
    training = combine(base, mine, weight)
    card_path = Path(base_dir) / CARD_FILE
    base_card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
    return training, {
        "base_model": str(base_dir),
        "base_model_data_hash": base_card.get("training_data", {}).get("hash"),
        "base_postings": len(base),
        "base_postings_kept": len(training) - len(mine),
        "user_postings": len(mine),
        "user_data_hash": data_hash(list(mine)),
        "weight": weight,
    }
