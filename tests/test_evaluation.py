"""The three views of FORMAT.md on hand-made cases with known answers, and cross-validation."""

from __future__ import annotations

import pytest

from jobsections.annotations import load_annotations
from jobsections.evaluation import agreement, cross_validate, score
from jobsections.readers import Posting

TEXT = "Lead teams. Speak French. Apply now."
GOLD = Posting(
    "p",
    TEXT,
    segments=[
        {"start": 0, "end": 11, "label": "responsibility"},
        {"start": 12, "end": 25, "label": "qualification"},
        {"start": 26, "end": 36, "label": "application"},
    ],
)


def test_perfect_prediction_scores_one() -> None:
    pred = [[{**s} for s in GOLD.segments]]
    report = score([GOLD], pred, [[(s["label"], 1.0) for s in GOLD.segments]])
    assert report["segmentation"]["f1"] == 1.0
    assert report["classification"]["accuracy"] == 1.0
    assert report["end_to_end"]["accuracy"] == 1.0


def test_known_errors_give_known_figures() -> None:
    # one predicted segment covers the first two gold ones, labelled responsibility; the last is missed.
    pred = [[{"start": 0, "end": 25, "label": "responsibility"}]]
    relabel = [[("responsibility", 0.9), ("responsibility", 0.6), ("other", 0.5)]]
    r = score([GOLD], pred, relabel)
    assert r["segmentation"]["precision"] == 0.0 and r["segmentation"]["recall"] == 0.0
    assert r["classification"]["accuracy"] == pytest.approx(1 / 3)
    e2e = r["end_to_end"]
    # characters (no spaces): "Lead teams." 10, "Speak French." 12, "Apply now." 9
    assert e2e["n"] == 31
    assert e2e["accuracy"] == pytest.approx(10 / 31)
    assert e2e["per_label"]["responsibility"]["precision"] == pytest.approx(10 / 22)
    assert e2e["per_label"]["qualification"]["recall"] == 0.0
    assert e2e["confusion"][3][4] == 9  # application read as other


def test_agreement_of_identical_annotations_is_perfect() -> None:
    report = agreement([GOLD], [GOLD])
    assert report["kappa"] == 1.0 and report["disagreements"] == []


def test_cross_validation_scores_every_posting_once(small_corpus) -> None:
    dataset = load_annotations([small_corpus])
    report = cross_validate(dataset, 3, seed=0)
    assert report["postings"] == 12
    assert report["classification"]["n"] == sum(len(r["segments"]) for r in dataset)
    assert report["end_to_end"]["accuracy"] > 0.5
