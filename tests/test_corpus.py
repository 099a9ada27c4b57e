"""The shipped annotation files follow FORMAT.md, and their texts are what the readers produce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobsections.annotations import load_annotations
from jobsections.readers import HTML_SUFFIXES, read_postings

ROOT = Path(__file__).resolve().parent.parent
FILES = ["annotations/seeds.jsonl", "annotations/written.jsonl", "annotations/agreement/first.jsonl",
         "annotations/agreement/second.jsonl", "annotations/agreement/v2-first.jsonl",
         "annotations/agreement/v2-second.jsonl"]  # fmt: skip


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


def _eight_grams(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in re.findall(r"\w+(?:['’]\w+)*", text)]
    return {tuple(words[i : i + 8]) for i in range(len(words) - 7)}


def test_no_written_posting_shares_an_eight_word_sequence_with_a_seed() -> None:
    seeds: set[tuple[str, ...]] = set()
    for row in load_annotations([ROOT / "annotations/seeds.jsonl"]):
        seeds |= _eight_grams(row["text"])
    shared = {
        row["id"]: " ".join(sorted(_eight_grams(row["text"]) & seeds)[0])
        for row in load_annotations([ROOT / "annotations/written.jsonl"])
        if _eight_grams(row["text"]) & seeds
    }
    assert not shared, f"written postings sharing 8 words with a seed: {shared}"


def test_eight_gram_check_finds_a_copied_sentence() -> None:
    seed = load_annotations([ROOT / "annotations/seeds.jsonl"])[0]["text"]
    copied = "Intro text here. " + " ".join(seed.split()[40:52])
    assert _eight_grams(copied) & _eight_grams(seed)


def test_untrained_batches_are_valid_and_share_no_eight_words_with_a_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "training"))
    from tagged import load_dir

    folders = sorted((ROOT / "corpus/untrained").iterdir())
    records, problems = load_dir(folders)
    assert folders and records and not problems
    seeds: set[tuple[str, ...]] = set()
    for row in load_annotations([ROOT / "annotations/seeds.jsonl"]):
        seeds |= _eight_grams(row["text"])
    assert not [r["id"] for r in records if _eight_grams(r["text"]) & seeds]
    trained = {r["id"] for r in load_annotations([ROOT / "annotations/written.jsonl"])}
    assert not trained & {r["id"] for r in records}
