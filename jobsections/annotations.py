"""The annotation format of FORMAT.md: check it, load it through `datasets`, write it.

A posting is `{"id", "source", "text", "segments": [{"start", "end", "label"}]}` with offsets
in code points into `text`, end exclusive, sorted and non-overlapping. An optional
`"meta": {"weight": W}` makes it count W times in training (a whole number, default 1).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import datasets

from jobsections.readers import InputError, Posting

LABELS: tuple[str, ...] = ("responsibility", "qualification", "benefit", "application", "other")

# Characters that may stand outside every segment besides white space (FORMAT.md).
MARKER = re.compile(
    r"^(?:[•·\-*–—▪►✓>#|\u2022\uf0b7\u25cf\u25aa§o]+|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)])$"
)


ANNOTATION_FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "source": datasets.Value("string"),
        "text": datasets.Value("string"),
        "segments": datasets.List(
            {"start": datasets.Value("int64"), "end": datasets.Value("int64"), "label": datasets.Value("string")}
        ),
        "weight": datasets.Value("int64"),
    }
)


def weight_of(posting: Posting, where: str = "") -> int:
    """How many times a posting counts in training (`meta.weight`, default 1)."""
    weight = (posting.meta or {}).get("weight", 1)
    if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
        raise InputError(
            f"{where or posting.source} ({posting.id}): 'meta.weight' must be a whole number >= 1, got {weight!r}"
        )
    return weight


def repeated(postings: Sequence[Posting]) -> list[Posting]:
    """Each posting as many times as its weight: how `jobsections.train.train_model` counts them
    (weighting by repetition weighs a posting's segments and lines alike)."""
    return [p for p in postings for _ in range(weight_of(p))]


def is_marker(word: str) -> bool:
    """True for a list marker or decorative character that FORMAT.md leaves unlabelled."""
    return bool(MARKER.match(word))


def check_segments(text: str, segments: Any, where: str, *, full_cover: bool = False) -> None:
    """Raise `InputError` naming the first way `segments` break FORMAT.md for this `text`.

    `full_cover` also demands that no word of the text is left outside the segments, as a gold
    annotation must; segments handed to `predict --use-segments` need not cover everything.
    """
    if not isinstance(segments, list):
        raise InputError(f"{where}: 'segments' must be a list")
    last = 0
    for i, seg in enumerate(segments):
        if not isinstance(seg, dict):
            raise InputError(f"{where}: segment {i} is not an object")
        start, end, label = seg.get("start"), seg.get("end"), seg.get("label")
        if not (isinstance(start, int) and isinstance(end, int)):
            raise InputError(f"{where}: segment {i} needs integer 'start' and 'end'")
        if not 0 <= start < end <= len(text):
            raise InputError(f"{where}: segment {i} offsets [{start}, {end}) out of range for a text of {len(text)}")
        if start < last:
            raise InputError(f"{where}: segment {i} at {start} overlaps the previous one or is out of order")
        if label is not None and label not in LABELS:
            raise InputError(f"{where}: segment {i} has unknown label {label!r} (labels: {', '.join(LABELS)})")
        piece = text[start:end]
        if piece != piece.strip():
            raise InputError(f"{where}: segment {i} [{start}, {end}) starts or ends with white space")
        last = end
    if full_cover:
        for word_start, word in uncovered_words(text, segments):
            raise InputError(f"{where}: the word {word!r} at {word_start} is in no segment")


def uncovered_words(text: str, segments: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """Words of `text` outside every segment that are not list markers."""
    covered = bytearray(len(text))
    for seg in segments:
        covered[seg["start"] : seg["end"]] = b"\x01" * (seg["end"] - seg["start"])
    found = []
    for m in re.finditer(r"\S+", text):
        a, b = m.span()
        k = a
        while k < b:
            if covered[k]:
                k += 1
                continue
            j = k
            while j < b and not covered[j]:
                j += 1
            if not is_marker(text[k:j]):
                found.append((k, text[k:j]))
            k = j
    return found


def locate_segments(text: str, pairs: Iterable[tuple[str, str]], where: str = "") -> list[dict[str, Any]]:
    """Turn `(label, segment text)` pairs, in reading order, into offset segments of `text`.

    White space inside a segment text matches any run of white space, so a hard-wrapped line
    can be written on one line. Each piece is searched after the end of the previous one.
    """
    segments: list[dict[str, Any]] = []
    pos = 0
    for label, piece in pairs:
        words = piece.split()
        if not words:
            raise InputError(f"{where}: empty segment text")
        pattern = r"\s+".join(re.escape(w) for w in words)
        m = re.compile(pattern).search(text, pos)
        if m is None:
            raise InputError(f"{where}: segment text not found after offset {pos}: {piece[:60]!r}")
        segments.append({"start": m.start(), "end": m.end(), "label": label})
        pos = m.end()
    return segments


def data_hash(postings: Sequence[Posting]) -> str:
    """A short hash of the texts and gold segments, for the model card."""
    h = hashlib.sha256()
    for p in postings:
        h.update(p.id.encode() + b"\0" + p.text.encode() + b"\0")
        h.update(json.dumps(p.segments, sort_keys=True).encode())
    return h.hexdigest()[:16]


def load_annotations(paths: Iterable[str | Path]) -> datasets.Dataset:
    """Annotation JSONL files as a `datasets.Dataset`, one row per posting.

    Every line is checked first (FORMAT.md, with file and line number in the error), so a
    user's mistake is an `InputError`, never a failure deep inside a loader.
    """
    from jobsections.readers import iter_postings

    records = []
    seen: dict[str, str] = {}
    for posting in iter_postings(paths):
        where = posting.origin or posting.source  # the file and line given, not the record's `source`
        if posting.segments is None:
            raise InputError(f"{where}: posting {posting.id!r} has no 'segments': not an annotation")
        check_segments(posting.text, posting.segments, f"{where} ({posting.id})", full_cover=True)
        if posting.id in seen:
            raise InputError(f"{where}: duplicate posting id {posting.id!r}, first at {seen[posting.id]}")
        seen[posting.id] = where
        records.append(
            {
                "id": posting.id,
                "source": posting.source,
                "text": posting.text,
                "segments": [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in posting.segments],
                "weight": weight_of(posting, where),
            }
        )
    return datasets.Dataset.from_list(records, features=ANNOTATION_FEATURES)


def postings_of(dataset: datasets.Dataset) -> list[Posting]:
    """The rows of an annotation dataset as `Posting`s (a weight other than 1 in `meta`)."""
    return [
        Posting(
            id=r["id"],
            text=r["text"],
            source=r["source"],
            segments=r["segments"],
            meta={"weight": r["weight"]} if r["weight"] != 1 else {},
        )
        for r in dataset
    ]


def kfold(dataset: datasets.Dataset, k: int, seed: int = 0) -> Iterable[tuple[datasets.Dataset, datasets.Dataset]]:
    """`k` train/test splits of the postings (grouped by posting: a posting is one row)."""
    if not 2 <= k <= len(dataset):
        raise InputError(f"--cv {k}: needs between 2 and {len(dataset)} folds for {len(dataset)} postings")
    shuffled = dataset.shuffle(seed=seed)
    for i in range(k):
        test = shuffled.shard(num_shards=k, index=i, contiguous=True)
        train = datasets.concatenate_datasets(
            [shuffled.shard(num_shards=k, index=j, contiguous=True) for j in range(k) if j != i]
        )
        yield train, test
