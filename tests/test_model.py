"""The model directory: arrays and JSON with a manifest; save → load gives the same probabilities;
missing, damaged, tampered, foreign and old (pickle) models are one-line errors; no pickle runs."""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import pickle
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import jobsections
from jobsections.adapt import TRAINING_FILE
from jobsections.features import segment_rows
from jobsections.labeller import doc_segments
from jobsections.model import (
    CARD_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    OLD_MODEL_FILE,
    SHIPPED_MODEL,
    ModelError,
    SectionModel,
    load_model,
    save_model,
)
from jobsections.segment import segment_text
from jobsections.state import read_arrays, write_arrays
from jobsections.train import train_model

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "annotations" / "seeds.jsonl"


def seed_rows() -> list[dict]:
    """Feature rows of the seeds' segments, as the full system predicts them."""
    rows = []
    for i, line in enumerate(SEEDS.read_text(encoding="utf-8").splitlines()):
        text = json.loads(line)["text"]
        rows += segment_rows(text, segment_text(text), i)
    return rows


def same_probabilities(a: SectionModel, b: SectionModel) -> bool:
    rows = seed_rows()
    pa, pb = a.classifier.predict_proba(rows), b.classifier.predict_proba(rows)
    return pa.shape == pb.shape == (len(rows), 5) and pa.tobytes() == pb.tobytes()


def rehash(directory: Path) -> None:
    """Make the manifest agree with the files again, as someone tampering on purpose would."""
    manifest = json.loads((directory / MANIFEST_FILE).read_text())
    for name, entry in manifest["files"].items():
        data = (directory / name).read_bytes()
        entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest))


# ---------------------------------------------------------------- round trips


def test_save_writes_data_files_and_a_manifest(small_model_dir: Path) -> None:
    names = sorted(p.name for p in small_model_dir.iterdir())
    assert names == ["boundary.json", "boundary.npz", "card.json", "classifier.json", "classifier.npz", "manifest.json"]
    manifest = json.loads((small_model_dir / MANIFEST_FILE).read_text())
    assert manifest["format"] == "jobsections-model" and manifest["format_version"] == FORMAT_VERSION == 3
    assert {"python", "jobsections", "numpy", "scipy", "scikit-learn"} <= manifest["versions"].keys()
    card = json.loads((small_model_dir / CARD_FILE).read_text())
    assert manifest["training_data_hash"] == card["training_data"]["hash"]
    assert manifest["components"] == {
        "classifier": {"type": "segment_classifier", "meta": "classifier.json", "arrays": "classifier.npz"},
        "boundary": {"type": "boundary_model", "meta": "boundary.json", "arrays": "boundary.npz"},
    }
    for name, entry in manifest["files"].items():
        data = (small_model_dir / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert sorted(manifest["files"]) == [
        "boundary.json",
        "boundary.npz",
        "card.json",
        "classifier.json",
        "classifier.npz",
    ]
    assert card["format_version"] == FORMAT_VERSION and card["training_data"]["postings"] == 12
    assert set(card["labels"]) == {"responsibility", "qualification", "benefit", "application", "other"}


def test_round_trip_gives_identical_probabilities_on_the_seeds(small_model, small_model_dir: Path) -> None:
    loaded = load_model(small_model_dir)
    assert same_probabilities(small_model, loaded)
    assert loaded.card["training_data"] == small_model.card["training_data"]


def test_saving_twice_gives_the_same_bytes(small_model, small_model_dir: Path, tmp_path: Path) -> None:
    save_model(load_model(small_model_dir), tmp_path / "again")
    for name in ("classifier.json", "classifier.npz"):
        assert (tmp_path / "again" / name).read_bytes() == (small_model_dir / name).read_bytes()


@pytest.mark.parametrize(
    "params",
    [
        {"learner": "sgd"},
        {"learner": "logreg"},
        {"smoothing": False},
        {"chain": True},
        {"char": False, "context": False},
    ],
)
def test_round_trip_of_every_learner_and_the_second_stage(small_postings, tmp_path: Path, params: dict) -> None:
    model = train_model(small_postings[:6], seed=0, **params)
    assert (model.classifier.stage_two_ is not None) == params.get("smoothing", True)
    loaded = load_model(save_model(model, tmp_path / "m"))
    assert same_probabilities(model, loaded)
    assert (loaded.classifier.stage_two_ is not None) == params.get("smoothing", True)


def test_shipped_model_is_data_loads_fast_and_round_trips(tmp_path: Path) -> None:
    for path in SHIPPED_MODEL.iterdir():
        head = path.read_bytes()[:2]
        if path.name == TRAINING_FILE:  # the training postings, JSON Lines, never read by load_model
            assert head == b'{"'
            continue
        assert head in (b"{\n", b"PK"), f"{path.name} is neither JSON nor an npz archive"
        assert not path.name.endswith((".joblib", ".pkl", ".pickle"))
        if path.suffix == ".npz":
            with zipfile.ZipFile(path) as zf:
                assert all(n.endswith(".npy") for n in zf.namelist())
    load_model()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        model = load_model()
        times.append(time.perf_counter() - started)
    assert min(times) < 0.5, times
    again = load_model(save_model(model, tmp_path / "copy"))
    assert same_probabilities(model, again)


def test_shipped_model_was_not_trained_on_the_seeds() -> None:
    from jobsections.annotations import data_hash, load_annotations, postings_of

    model = load_model()
    data = model.card["training_data"]
    assert data["source_folders"] == ["corpus/written"]
    seeds = postings_of(load_annotations([SEEDS]))
    assert data["hash"] != data_hash(seeds)
    assert data["postings"] >= 150


# ---------------------------------------------------------------- no pickle, ever


class Payload:
    """Unpickling this creates the marker file: proof that a pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (builtins.open, (str(self.marker), "w"))


def evil_pickle(marker: Path) -> bytes:
    return pickle.dumps({"format": "jobsections-model", "format_version": 2, "classifier": Payload(marker)})


def test_the_evil_pickle_is_live(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    pickle.loads(evil_pickle(marker))["classifier"].close()
    assert marker.exists()  # the payload works: the tests below would see it run


def test_an_old_pickle_model_is_refused_unexecuted_with_the_convert_command(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    old = tmp_path / "old"
    old.mkdir()
    (old / OLD_MODEL_FILE).write_bytes(evil_pickle(marker))
    (old / CARD_FILE).write_text(json.dumps({"format": "jobsections-model", "format_version": 2}))
    for target in (old, old / OLD_MODEL_FILE):
        with pytest.raises(ModelError, match=r"jobsections convert --trust-pickle") as e:
            load_model(target)
        assert OLD_MODEL_FILE in str(e.value) and "\n" not in str(e.value)
    from jobsections.convert import convert

    with pytest.raises(ModelError, match="--trust-pickle"):
        convert(old, tmp_path / "new")  # without the flag, the old file is not even opened
    assert not marker.exists() and not (tmp_path / "new").exists()


def test_pickles_placed_in_a_model_directory_are_never_run(small_model_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    model = tmp_path / "m"
    shutil.copytree(small_model_dir, model)
    for name in (OLD_MODEL_FILE, "classifier.pkl", "boundaries.npz", ".classifier.npz.tmp"):
        (model / name).write_bytes(evil_pickle(marker))  # stray files are not in the manifest: ignored
    assert load_model(model).labels
    # The classifier's own files replaced by pickles, the manifest made to agree with them.
    for name in ("classifier.npz", "classifier.json", "card.json"):
        broken = tmp_path / f"broken-{name}"
        shutil.copytree(small_model_dir, broken)
        (broken / name).write_bytes(evil_pickle(marker))
        rehash(broken)
        with pytest.raises(ModelError, match=name.replace(".", r"\.")):
            load_model(broken)
    # An npz whose member is an object array: a pickle inside .npy.
    broken = tmp_path / "object-array"
    shutil.copytree(small_model_dir, broken)
    arrays = read_arrays(broken / "classifier.npz")
    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload(marker)], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(broken / "classifier.npz", "w") as zf:
        for key, value in arrays.items():
            with zf.open(key + ".npy", "w") as f:
                np.lib.format.write_array(f, value)
        zf.writestr("evil.npy", buffer.getvalue())
    rehash(broken)
    with pytest.raises(ModelError, match=r"classifier\.npz.*dtype object not allowed"):
        load_model(broken)
    assert not marker.exists()


def test_loading_never_calls_pickle_joblib_or_numpy_load(small_model_dir: Path, monkeypatch) -> None:
    import joblib

    def forbidden(*args, **kwargs):
        raise AssertionError("a model load unpickled something")

    class NoUnpickler:
        def __init__(self, *args, **kwargs):
            forbidden()

    for module, name in [(pickle, "load"), (pickle, "loads"), (joblib, "load"), (np, "load")]:
        monkeypatch.setattr(module, name, forbidden)
    monkeypatch.setattr(pickle, "Unpickler", NoUnpickler)
    monkeypatch.setattr(pickle, "_Unpickler", NoUnpickler)
    assert load_model(small_model_dir).labels
    assert load_model().labels
    nlp = jobsections.load()
    assert doc_segments(nlp("Benefits:\n• A pension"))


# ---------------------------------------------------------------- clear errors


def test_missing_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model at"):
        load_model(tmp_path)
    with pytest.raises(ModelError, match="no model at"):
        load_model(tmp_path / "nowhere")


def copy_of(small_model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "m"
    shutil.copytree(small_model_dir, target)
    return target


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: (d / "card.json").unlink(), r"card\.json: missing"),
        (lambda d: (d / "card.json").write_text("{oops"), r"card\.json: not a model card \(invalid JSON"),
        (
            lambda d: (d / "card.json").write_text(json.dumps({"format": "jobsections-model", "format_version": 99})),
            r"card\.json: model format version 99, this jobsections reads version 3",
        ),
        (lambda d: (d / "card.json").write_text("[1, 2]"), r"card\.json: not a jobsections model card"),
        (lambda d: (d / "manifest.json").write_text("{oops"), r"manifest\.json: not a model manifest \(invalid JSON"),
        (lambda d: (d / "manifest.json").write_text('{"weights": [1, 2]}'), r"manifest\.json: not a jobsections"),
        (lambda d: (d / "manifest.json").write_bytes(b"\xff\xfe\x00"), r"manifest\.json: not a model manifest"),
        (
            lambda d: (d / "manifest.json").write_text(
                (d / "manifest.json").read_text().replace('"format_version": 3', '"format_version": 99')
            ),
            r"manifest\.json: model format version 99",
        ),
        (lambda d: (d / "classifier.npz").unlink(), r"classifier\.npz: missing"),
        (
            lambda d: (d / "classifier.npz").write_bytes((d / "classifier.npz").read_bytes()[:1000]),
            r"classifier\.npz: truncated: 1000 bytes, the manifest says",
        ),
        (
            lambda d: (d / "classifier.npz").write_bytes(_flip((d / "classifier.npz").read_bytes())),
            r"classifier\.npz: SHA-256 differs from the manifest",
        ),
        (
            lambda d: (d / "classifier.json").write_text(
                (d / "classifier.json").read_text().replace('"C": 0.5', '"C": 5.0')
            ),
            r"classifier\.json: SHA-256 differs",
        ),
    ],
)
def test_damaged_or_foreign_files_are_one_line_errors_naming_the_file(
    small_model_dir: Path, tmp_path: Path, change, message: str
) -> None:
    model = copy_of(small_model_dir, tmp_path)
    change(model)
    with pytest.raises(ModelError, match=message) as e:
        load_model(model)
    assert "\n" not in str(e.value)


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 not really a zip", r"classifier\.npz: not an array file"),
        (b'{"json": "instead"}', r"classifier\.npz: not an array file"),
        (b"", r"classifier\.npz: not an array file"),
    ],
)
def test_foreign_array_files_with_a_matching_manifest(small_model_dir, tmp_path, content, message) -> None:
    model = copy_of(small_model_dir, tmp_path)
    (model / "classifier.npz").write_bytes(content)
    rehash(model)
    with pytest.raises(ModelError, match=message):
        load_model(model)


def test_arrays_that_do_not_fit_are_refused(small_model_dir: Path, tmp_path: Path) -> None:
    model = copy_of(small_model_dir, tmp_path)
    arrays = read_arrays(model / "classifier.npz")
    arrays["stage_one.features.word_idf_"] = arrays["stage_one.features.word_idf_"][:-1]
    write_arrays(model / "classifier.npz", arrays)
    rehash(model)
    with pytest.raises(ModelError, match=r"classifier\.npz: component 'classifier'.*word_idf_.*shape"):
        load_model(model)


def test_a_model_whose_features_no_longer_fit_fails_on_load(small_model_dir: Path, tmp_path: Path) -> None:
    model = copy_of(small_model_dir, tmp_path)
    meta = json.loads((model / "classifier.json").read_text())
    meta["stage_one"]["features"]["params"]["context"] = False  # one block of columns fewer
    meta["params"]["context"] = False
    (model / "classifier.json").write_text(json.dumps(meta))
    rehash(model)
    with pytest.raises(ModelError, match="does not fit this version"):
        load_model(model)


def test_file_names_in_the_manifest_cannot_leave_the_directory(small_model_dir: Path, tmp_path: Path) -> None:
    model = copy_of(small_model_dir, tmp_path)
    manifest = json.loads((model / MANIFEST_FILE).read_text())
    manifest["files"]["../outside.json"] = manifest["files"]["card.json"]
    (model / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="not a plain file name"):
        load_model(model)


# ---------------------------------------------------------------- converting old models


def old_format_dir(model: SectionModel, directory: Path) -> Path:
    """The model as format 2 wrote it: a joblib pickle and a card."""
    import joblib

    directory.mkdir(parents=True)
    card = {"format": "jobsections-model", "format_version": 2, **model.card, "labels": model.labels}
    payload = {"format": "jobsections-model", "format_version": 2, "classifier": model.classifier, "card": card}
    joblib.dump(payload, directory / OLD_MODEL_FILE, compress=3)
    (directory / CARD_FILE).write_text(json.dumps(card))
    return directory


def test_convert_a_trusted_old_model(small_model, tmp_path: Path) -> None:
    from jobsections.convert import convert

    old = old_format_dir(small_model, tmp_path / "old")
    convert(old, tmp_path / "new", trust_pickle=True)
    new = load_model(tmp_path / "new")
    assert same_probabilities(small_model, new)
    assert new.card["converted_from"] == {"format_version": 2, "file": OLD_MODEL_FILE}
    assert new.card["training_data"] == small_model.card["training_data"]
    convert(old, old, trust_pickle=True)  # in place: the pickle goes
    assert not (old / OLD_MODEL_FILE).exists() and same_probabilities(small_model, load_model(old))


# ---------------------------------------------------------------- further components


def test_a_registered_component_is_saved_and_rebuilt(small_model, tmp_path: Path) -> None:
    from sklearn.linear_model import SGDClassifier

    from jobsections import model as model_module
    from jobsections.state import linear_from_state, linear_to_state

    @model_module.register_component("test_boundaries")
    class Boundaries:
        """A toy boundary model: a linear classifier over hashed gap features."""

        def __init__(self, classifier, buckets: int) -> None:
            self.classifier, self.buckets = classifier, buckets

        def to_state(self):
            meta, arrays = linear_to_state(self.classifier)
            return {"buckets": self.buckets, "classifier": meta}, arrays

        @classmethod
        def from_state(cls, meta, arrays):
            return cls(linear_from_state(meta["classifier"], arrays), int(meta["buckets"]))

    x = np.random.default_rng(0).random((40, 16))
    y = (x[:, 0] > 0.5).astype(np.int64)
    boundaries = Boundaries(SGDClassifier(loss="log_loss", random_state=0).fit(x, y), 16)
    model = SectionModel(small_model.classifier, dict(small_model.card), {"boundaries": boundaries})
    directory = save_model(model, tmp_path / "m")
    manifest = json.loads((directory / MANIFEST_FILE).read_text())
    assert manifest["components"]["boundaries"]["type"] == "test_boundaries"
    assert {"boundaries.json", "boundaries.npz"} <= manifest["files"].keys()
    loaded = load_model(directory).components["boundaries"]
    assert isinstance(loaded, Boundaries) and loaded.buckets == 16
    assert loaded.classifier.predict_proba(x).tobytes() == boundaries.classifier.predict_proba(x).tobytes()
    del model_module.COMPONENT_TYPES["test_boundaries"]
    with pytest.raises(ModelError, match=r"unknown component type \"test_boundaries\""):
        load_model(directory)


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
    assert (tmp_path / "pipeline" / "jobsections_labeller" / MANIFEST_FILE).is_file()
    again = spacy.load(tmp_path / "pipeline")
    doc = again(texts[0])
    assert [s.label_ for s in doc.spans["sections"]] == [s.label_ for s in docs[0].spans["sections"]]
