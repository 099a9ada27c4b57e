"""Loading annotation files: errors name the file and line the user gave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobsections.annotations import load_annotations, postings_of, repeated
from jobsections.readers import InputError

GOOD = {"id": "p1", "source": "corpus/written/w1_01.txt", "text": "Nurse.", "segments": [
    {"start": 0, "end": 6, "label": "other"}]}  # fmt: skip


@pytest.mark.parametrize(
    ("third", "message"),
    [
        ({"id": "p3", "source": "corpus/written/w1_03.txt", "text": "Nurse."}, "has no 'segments'"),
        (
            {
                "id": "p3",
                "source": "corpus/written/w1_03.txt",
                "text": "Nurse wanted.",
                "segments": [{"start": 0, "end": 5, "label": "other"}],
            },
            "is in no segment",
        ),
        ({**GOOD, "source": "corpus/written/w1_03.txt"}, "duplicate posting id 'p1'"),
        ({**GOOD, "id": "p3", "meta": {"weight": 0}}, "'meta.weight' must be a whole number"),
    ],
)
def test_errors_cite_the_annotation_file_and_line_not_the_records_source(
    tmp_path: Path, third: dict, message: str
) -> None:
    """Issue 13, item 10: the error named the record's `source` (a corpus file) instead."""
    path = tmp_path / "ann_noseg.jsonl"
    second = {**GOOD, "id": "p2"}
    path.write_text("".join(json.dumps(r) + "\n" for r in (GOOD, second, third)), encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        load_annotations([path])
    assert f"{path}:3" in str(caught.value)
    assert "w1_03" not in str(caught.value)


def test_a_postings_weight_survives_loading(tmp_path: Path) -> None:
    """`meta.weight` is how often a posting counts in training (`train`, `--cv`, `--base`)."""
    path = tmp_path / "weighted.jsonl"
    path.write_text(json.dumps({**GOOD, "meta": {"weight": 3}}) + "\n" + json.dumps({**GOOD, "id": "p2"}) + "\n")
    postings = postings_of(load_annotations([path]))
    assert [p.meta for p in postings] == [{"weight": 3}, {}]
    assert [p.id for p in repeated(postings)] == ["p1", "p1", "p1", "p2"]
