"""Loading annotation files: errors name the file and line the user gave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobsections.annotations import load_annotations
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
