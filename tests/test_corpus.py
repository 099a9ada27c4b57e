"""The shipped annotation files follow FORMAT.md, and their texts are what the readers produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobsections.annotations import load_annotations
from jobsections.readers import HTML_SUFFIXES, read_postings

ROOT = Path(__file__).resolve().parent.parent
FILES = ["annotations/seeds.jsonl", "annotations/written.jsonl", "annotations/agreement/first.jsonl",
         "annotations/agreement/second.jsonl"]  # fmt: skip


def annotated_format(source: str) -> str:
    """The corpus annotates HTML postings on the text the HTML reader extracts, and every other
    posting, Markdown included, on its file's text as written (`--input-format text`)."""
    return "html" if Path(source).suffix.lower() in HTML_SUFFIXES else "text"


@pytest.mark.parametrize("name", FILES)
def test_annotation_file_is_valid_and_its_texts_match_the_corpus(name: str) -> None:
    dataset = load_annotations([ROOT / name])
    assert len(dataset) >= 5
    for row in dataset:
        [posting] = read_postings([ROOT / row["source"]], input_format=annotated_format(row["source"]))
        assert posting.text == row["text"], f"{row['id']}: the reader no longer gives the annotated text"


def test_seeds_and_training_data_do_not_overlap() -> None:
    seeds = {r["text"] for r in load_annotations([ROOT / "annotations/seeds.jsonl"])}
    written = {r["text"] for r in load_annotations([ROOT / "annotations/written.jsonl"])}
    assert seeds and written and not seeds & written
