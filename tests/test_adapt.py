"""Retraining with a user's postings on top of a model's own training data (`train --base`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jobsections.adapt import TRAINING_FILE, base_postings, combine, with_weight, write_training_data
from jobsections.annotations import data_hash, load_annotations, postings_of, repeated
from jobsections.cli import main
from jobsections.readers import InputError, Posting

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_model_carries_its_training_data() -> None:
    """model/training.jsonl is exactly what the shipped model was trained on: the written corpus,
    each posting as many times as its weight."""
    card = json.loads((ROOT / "model" / "card.json").read_text())
    shipped = base_postings(ROOT / "model")
    assert data_hash(repeated(shipped)) == card["training_data"]["hash"]
    assert data_hash(postings_of(load_annotations([ROOT / "annotations" / "written.jsonl"]))) == data_hash(shipped)


@pytest.fixture(scope="module")
def base_dir(small_model_dir: Path, small_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small test model with its 12 training postings beside it."""
    directory = tmp_path_factory.mktemp("base") / "m"
    shutil.copytree(small_model_dir, directory)
    write_training_data(postings_of(load_annotations([small_corpus])), directory)
    return directory


def _mine(tmp_path: Path) -> Path:
    """Two postings of the written corpus that the small model was not trained on."""
    lines = (ROOT / "annotations" / "written.jsonl").read_text(encoding="utf-8").splitlines()[12:14]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_base(base_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "adapted"
    assert main(["train", "--base", str(base_dir), str(_mine(tmp_path)), "-o", str(out), "--weight", "2"]) == 0
    assert "12 postings of" in capsys.readouterr().err
    card = json.loads((out / "card.json").read_text())
    assert card["adaptation"]["base_postings"] == 12 and card["adaptation"]["user_postings"] == 2
    assert card["adaptation"]["weight"] == 2
    assert card["training_data"]["postings"] == 12 + 2 * 2  # the user's postings twice each
    assert card["training_data"]["distinct_postings"] == 14
    training = base_postings(out)  # the adapted model can be the base of the next round
    assert len(training) == 14 and [p.meta.get("weight", 1) for p in training] == [1] * 12 + [2, 2]
    assert main(["predict", str(ROOT / "corpus/seeds/001_78a0a1455e837bcc.txt"), "--model", str(out)]) == 0
    # its training data trained on directly keeps the weights (they were dropped on loading)
    again = tmp_path / "again"
    assert main(["train", str(out / TRAINING_FILE), "-o", str(again)]) == 0
    assert json.loads((again / "card.json").read_text())["training_data"]["postings"] == 12 + 2 * 2


def test_train_base_errors(small_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    mine = _mine(tmp_path)
    assert main(["train", str(mine), "-o", str(tmp_path / "x"), "--weight", "2"]) == 2
    assert "needs --base" in capsys.readouterr().err
    assert main(["train", "--base", str(small_model_dir), str(mine), "-o", str(tmp_path / "x")]) == 2
    assert f"no {TRAINING_FILE}" in capsys.readouterr().err
    assert main(["train", "-o", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


def test_weights_and_replacement() -> None:
    base = [Posting("a", "A text.", "a.txt", []), Posting("b", "B text.", "b.txt", [])]
    mine = [Posting("b", "B text, corrected.", "mine.txt", []), Posting("c", "C text.", "c.txt", [])]
    combined = combine(base, mine, 3)
    assert [(p.id, p.source) for p in combined] == [("a", "a.txt"), ("b", "mine.txt"), ("c", "c.txt")]
    assert [p.id for p in repeated(combined)] == ["a"] + ["b"] * 3 + ["c"] * 3
    assert repeated(with_weight(mine, 1)) == mine
    with pytest.raises(InputError, match="whole number"):
        with_weight(mine, 0)
