"""Training rows: the gold segments of each posting, its layout copies and its heading copies."""

from __future__ import annotations

import pytest

from jobsections.features import _context_indices
from jobsections.readers import Posting
from jobsections.train import heading_copy, training_rows


def _posting(lines: list[tuple[str, str]], pid: str = "p") -> Posting:
    text = "\n".join(line for line, _ in lines)
    segments, pos = [], 0
    for line, label in lines:
        segments.append({"start": pos, "end": pos + len(line), "label": label})
        pos += len(line) + 1
    return Posting(pid, text, "", segments)


POSTING = _posting(
    [
        ("Duties", "other"),
        ("Plan the weekly rota for the site.", "responsibility"),
        ("Requirements", "other"),
        ("A forklift licence is essential.", "qualification"),
    ]
)


def test_a_dropped_heading_copy_keeps_the_other_rows_with_no_heading() -> None:
    rows, labels = training_rows([POSTING], copies=(), heading_copies=("drop",))
    assert [row["doc"] for row in rows] == [0, 0, 0, 0, 1, 1]
    assert labels[4:] == ["responsibility", "qualification"]
    copy = rows[4:]
    assert [row["text"] for row in copy] == [rows[1]["text"], rows[3]["text"]]
    assert all(row["kind"] != "heading" and row["heading"] == "" for row in copy)
    assert _context_indices(rows)["heading"].tolist() == [-1, 0, 0, 2, -1, -1]


def test_a_rotated_heading_copy_gives_each_section_the_next_heading() -> None:
    rows, labels = training_rows([POSTING], copies=(), heading_copies=("rotate",))
    assert labels[4:] == labels[:4]
    assert [row["text"] for row in rows[4:]] == ["Requirements", rows[1]["text"], "Duties", rows[3]["text"]]


def test_postings_without_headings_get_no_heading_copy_and_every_copy_is_a_posting() -> None:
    bare = _posting([("Plan the rota.", "responsibility"), ("Forklift licence essential.", "qualification")], "q")
    assert heading_copy(*training_rows([bare], copies=(), heading_copies=()), "drop") == ([], [])
    rows, _ = training_rows([bare, POSTING], copies=("flatten",), heading_copies=("drop", "rotate"))
    docs = [row["doc"] for row in rows]
    assert docs == sorted(docs)
    # bare and its flattened copy; POSTING, its flattened copy, its dropped and its rotated copy
    assert len(set(docs)) == 6
    with pytest.raises(ValueError, match="drop or rotate"):
        heading_copy(rows, [], "shuffle")
