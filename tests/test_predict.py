"""The batch path (raw text) and the spaCy pipeline give the same segments, labels and scores."""

from __future__ import annotations

import json
from pathlib import Path

import jobsections
from jobsections.labeller import doc_segments
from jobsections.predict import predict_records
from jobsections.readers import Posting

ROOT = Path(__file__).resolve().parent.parent


def test_batch_prediction_equals_the_spacy_pipeline(small_model) -> None:
    lines = (ROOT / "annotations" / "seeds.jsonl").read_text(encoding="utf-8").splitlines()
    postings = [Posting(r["id"], r["text"]) for r in map(json.loads, lines)]
    postings.append(Posting("flat", postings[1].text.replace("\n", " ")))
    nlp = jobsections.load(small_model)
    batch = list(predict_records(small_model, postings, batch_size=2))
    for posting, record, doc in zip(postings, batch, nlp.pipe(p.text for p in postings)):
        assert record["id"] == posting.id
        assert record["segments"] == doc_segments(doc)
        assert record["layout"] == ("none" if posting.id == "flat" else "lines")
