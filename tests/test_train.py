"""Training rows: the gold segments of each posting, its layout copies and its heading copies."""

from __future__ import annotations

import numpy as np

from jobsections.features import context_indices
from jobsections.readers import Posting
from jobsections.train import reordered_sections, training_rows, without_headings


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


def test_one_posting_in_masked_every_is_learned_with_its_numbers_masked() -> None:
    postings = [
        _posting([("Salary", "other"), (f"Pay of {20_000 + i} a year.", "benefit")], f"shop-{i}") for i in range(40)
    ]
    rows, _ = training_rows(postings, copies=(), heading_copies=False, section_copies=False, masked_every=4)
    pay = [row["text"] for row in rows if row["text"].startswith("Pay")]
    assert len(pay) == 40 and 4 <= sum("****" in t for t in pay) <= 18  # about one in four, by id
    assert {row["group"] for row in rows} == {p.id for p in postings}  # the masked copy keeps its posting's group
    again, _ = training_rows(postings, copies=(), heading_copies=False, section_copies=False, masked_every=4)
    assert again == rows
    plain, _ = training_rows(postings, copies=(), heading_copies=False, section_copies=False, masked_every=0)
    assert not any("****" in row["text"] for row in plain)


def test_a_heading_copy_keeps_the_other_rows_with_no_heading() -> None:
    rows, labels = training_rows([POSTING], copies=())
    assert [row["doc"] for row in rows] == [0, 0, 0, 0, 1, 1]
    assert labels[4:] == ["responsibility", "qualification"]
    copy = rows[4:]
    assert [row["text"] for row in copy] == [rows[1]["text"], rows[3]["text"]]
    assert all(row["kind"] != "heading" and row["heading"] == "" for row in copy)
    assert context_indices(rows)["heading"].tolist() == [-1, 0, 0, 2, -1, -1]
    assert len(training_rows([POSTING], copies=(), heading_copies=False)[0]) == 4


def test_postings_without_headings_get_no_heading_copy_and_every_copy_is_a_posting() -> None:
    bare = _posting([("Plan the rota.", "responsibility"), ("Forklift licence essential.", "qualification")], "q")
    assert without_headings(*training_rows([bare], copies=(), heading_copies=False)) == ([], [])
    rows, _ = training_rows([bare, POSTING], copies=("flatten",))
    docs = [row["doc"] for row in rows]
    assert docs == sorted(docs)
    # bare and its flattened copy; POSTING, its flattened copy and its copy without headings
    assert len(set(docs)) == 5


def test_a_postings_copies_share_its_group_so_the_second_stage_folds_keep_them_together(monkeypatch) -> None:
    import jobsections.classifier as classifier

    bare = _posting([("Plan the rota.", "responsibility"), ("Forklift licence essential.", "qualification")], "q")
    rows, labels = training_rows([bare, POSTING, POSTING], copies=("flatten",))  # POSTING repeated, as a weight of 2
    assert {row["group"] for row in rows if row["doc"] < 2} == {"q"}
    assert {row["group"] for row in rows if row["doc"] >= 2} == {"p"} and len({row["doc"] for row in rows}) == 8
    seen = []

    def spy(estimator, X, y, groups, cv, method):  # what stage two's out-of-fold run is given
        seen.append(list(groups))
        return np.full((len(X), len(set(y))), 1 / len(set(y)))

    monkeypatch.setattr(classifier, "cross_val_predict", spy)
    classifier.SegmentClassifier(smoothing=True).fit(rows * 2, labels * 2)
    assert seen == [[row["group"] for row in rows] * 2]


THREE_SECTIONS = _posting(
    [
        ("Night Porter", "other"),
        ("Duties", "other"),
        ("Check guests in after midnight.", "responsibility"),
        ("Requirements", "other"),
        ("A calm manner at the desk.", "qualification"),
        ("What we offer", "other"),
        ("Free meals on shift.", "benefit"),
    ],
    "porter",
)


def test_reordered_sections_keep_every_segment_and_its_label_in_another_order() -> None:
    copy = reordered_sections(THREE_SECTIONS)
    assert copy is not None and copy.id == "porter~reordered"
    moved = sorted((copy.text[s["start"] : s["end"]], s["label"]) for s in copy.segments)
    assert moved == sorted((THREE_SECTIONS.text[s["start"] : s["end"]], s["label"]) for s in THREE_SECTIONS.segments)
    starts = [copy.text[s["start"] : s["end"]] for s in copy.segments if s["label"] == "other"]
    assert starts != ["Night Porter", "Duties", "Requirements", "What we offer"]  # this id's order differs
    # a section moves whole: each heading is still followed by its own item
    for heading, item in [("Duties", "Check guests"), ("Requirements", "A calm"), ("What we offer", "Free meals")]:
        assert copy.text.split(heading + "\n", 1)[1].startswith(item)
    assert reordered_sections(THREE_SECTIONS) == copy  # fixed by the id
    assert reordered_sections(POSTING) is None  # two sections only


def test_section_copies_add_one_posting_of_the_same_group() -> None:
    plain, _ = training_rows([THREE_SECTIONS], copies=(), section_copies=False)
    rows, labels = training_rows([THREE_SECTIONS], copies=())
    assert len(rows) == len(plain) + 7 and sorted(labels[-7:]) == sorted(s["label"] for s in THREE_SECTIONS.segments)
    assert len({row["doc"] for row in rows}) == len({row["doc"] for row in plain}) + 1
    assert {row["group"] for row in rows} == {"porter"}
