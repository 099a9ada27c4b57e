"""The model file: save, load, and clear errors for a missing, corrupt or incompatible one."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pytest

import jobsections
from jobsections.labeller import doc_segments
from jobsections.model import FORMAT_VERSION, MODEL_FILE, ModelError, load_model, save_model


def test_round_trip_keeps_predictions_and_card(small_model, tmp_path: Path) -> None:
    save_model(small_model, tmp_path / "m")
    card = json.loads((tmp_path / "m" / "card.json").read_text())
    assert card["format_version"] == FORMAT_VERSION and card["training_data"]["postings"] == 12
    assert set(card["labels"]) == {"responsibility", "qualification", "benefit", "application", "other"}
    loaded = load_model(tmp_path / "m")
    rows = [
        {
            "doc": 0,
            "index": 0,
            "text": "Send your CV by 3 May.",
            "kind": "sentence",
            "heading": "How to apply",
            "heading2": "",
            "prev": "",
            "next": "",
            "prev_kind": "start",
            "next_kind": "end",
            "position": 1.0,
            "new_line": True,
        }
    ]
    assert (loaded.classifier.predict_proba(rows) == small_model.classifier.predict_proba(rows)).all()


def test_missing_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model at"):
        load_model(tmp_path)


def test_corrupt_model(tmp_path: Path) -> None:
    (tmp_path / MODEL_FILE).write_bytes(b"not a pickle at all")
    with pytest.raises(ModelError, match="corrupt"):
        load_model(tmp_path)


def test_foreign_and_incompatible_models(small_model, tmp_path: Path) -> None:
    joblib.dump({"weights": [1, 2]}, tmp_path / MODEL_FILE)
    with pytest.raises(ModelError, match="not a jobsections model"):
        load_model(tmp_path)
    save_model(small_model, tmp_path)
    payload = joblib.load(tmp_path / MODEL_FILE)
    payload["format_version"] = FORMAT_VERSION + 1
    joblib.dump(payload, tmp_path / MODEL_FILE)
    with pytest.raises(ModelError, match="retrain"):
        load_model(tmp_path)


def test_model_whose_features_no_longer_fit_fails_on_load(small_model, tmp_path: Path) -> None:
    save_model(small_model, tmp_path)
    payload = joblib.load(tmp_path / MODEL_FILE)
    payload["classifier"].stage_one_.named_steps["features"].vocabulary_ = {"other": 0}
    joblib.dump(payload, tmp_path / MODEL_FILE)
    with pytest.raises(ModelError, match="does not fit this version"):
        load_model(tmp_path)


def test_load_gives_a_spacy_pipeline_with_labels_and_scores(small_model_dir: Path) -> None:
    nlp = jobsections.load(small_model_dir)
    assert nlp.pipe_names == ["jobsections_segmenter", "jobsections_labeller"]
    doc = nlp("Responsibilities\n• Lead the night team\n\nHow to apply\nSend your CV to jobs@example.org by 3 May.")
    segments = doc_segments(doc)
    assert [doc.text[s["start"] : s["end"]] for s in segments] == [
        "Responsibilities",
        "Lead the night team",
        "How to apply",
        "Send your CV to jobs@example.org by 3 May.",
    ]
    assert all(0.0 < s["score"] <= 1.0 for s in segments)
    assert [s["kind"] for s in segments] == ["heading", "item", "heading", "sentence"]


def test_labeller_in_a_users_pipeline_and_to_disk(small_model_dir: Path, tmp_path: Path) -> None:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("jobsections_segmenter")
    nlp.add_pipe("jobsections_labeller", config={"model": str(small_model_dir)})
    texts = ["Benefits:\n• Pension", "Requirements:\n• Driving licence"]
    docs = list(nlp.pipe(texts, batch_size=1))
    assert [len(d.spans["sections"]) for d in docs] == [2, 2]
    nlp.to_disk(tmp_path / "pipeline")
    again = spacy.load(tmp_path / "pipeline")
    doc = again(texts[0])
    assert [s.label_ for s in doc.spans["sections"]] == [s.label_ for s in docs[0].spans["sections"]]


def test_shipped_model_loads_and_was_not_trained_on_the_seeds() -> None:
    from jobsections.annotations import data_hash, load_annotations, postings_of

    model = load_model()
    data = model.card["training_data"]
    assert data["source_folders"] == ["corpus/written"]
    seeds = postings_of(load_annotations([Path(__file__).parent.parent / "annotations" / "seeds.jsonl"]))
    assert data["hash"] != data_hash(seeds)
    assert data["postings"] >= 150
