"""The command line end to end: train → predict → evaluate, formats, and user errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jobsections.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jobsections.cli", *args], input=stdin, capture_output=True, cwd=ROOT, timeout=300
    )


def test_train_predict_evaluate(small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    model = tmp_path / "model"
    assert main(["train", str(small_corpus), "-o", str(model), "--seed", "1", "--eval", str(small_corpus)]) == 0
    card = json.loads((model / "card.json").read_text())
    assert card["settings"]["seed"] == 1 and 0 < card["metrics"]["end_to_end_accuracy"] <= 1
    posting = tmp_path / "nurse.txt"
    posting.write_text("WHAT WE OFFER\n\n• A pension\n• 25 days of leave\n\nApply by 3 May.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(posting), "-o", str(out), "--model", str(model)]) == 0
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["id"] == "nurse"
    assert [record["text"][s["start"] : s["end"]] for s in record["segments"]] == [
        "WHAT WE OFFER",
        "A pension",
        "25 days of leave",
        "Apply by 3 May.",
    ]
    assert all({"label", "score"} <= s.keys() for s in record["segments"])
    capsys.readouterr()
    assert main(["evaluate", str(small_corpus), "--model", str(model), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"segmentation", "classification", "end_to_end"} <= report.keys()


@pytest.mark.parametrize("fmt", ["json", "text", "parquet"])
def test_output_formats(small_model_dir: Path, tmp_path: Path, fmt: str) -> None:
    posting = tmp_path / "p.txt"
    posting.write_text("Requirements:\n- Driving licence\n- Fluent English", encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    assert main(["predict", str(posting), "-o", str(out), "--format", fmt, "--model", str(small_model_dir)]) == 0
    if fmt == "json":
        [doc] = json.loads(out.read_text())
        assert sum(len(v) for v in doc["sections"].values()) == 3
        assert "Driving licence" in [t for v in doc["sections"].values() for t in v]
    elif fmt == "text":
        assert "] Driving licence" in out.read_text()
    else:
        import pyarrow.parquet as pq

        assert pq.read_table(out).num_rows == 1


def test_use_segments_relabels_the_given_segments(small_model_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "gold.jsonl"
    text = "Send your CV to jobs@example.org. We offer a pension."
    source.write_text(json.dumps({"id": "g", "text": text, "segments": [{"start": 0, "end": 33}]}) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(source), "--use-segments", "-o", str(out), "--model", str(small_model_dir)]) == 0
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(s["start"], s["end"]) for s in record["segments"]] == [(0, 33)]


def test_stdin_to_stdout_text() -> None:
    result = run("predict", "-", "--format", "text", stdin=b"Benefits:\n* Pension scheme\n")
    assert result.returncode == 0, result.stderr
    assert "Pension scheme" in result.stdout.decode()


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["predict", "/nonexistent.txt"], None, "no such file or folder"),
        (["predict", "{f}"], b"", "empty or whitespace-only"),
        (["predict", "{f}"], b"\x00\x01\x02binary", "binary"),
        (
            ["evaluate", "{f}"],
            b'{"text": "ab", "segments": [{"start": 0, "end": 2, "label": "other"}]}\n{oops\n',
            ":2: malformed JSON",
        ),
        (
            ["evaluate", "{f}"],
            b'{"text": "ab", "segments": [{"start": 0, "end": 5, "label": "other"}]}\n',
            "out of range",
        ),
        (
            ["evaluate", "{f}"],
            b'{"text": "ab", "segments": [{"start": 0, "end": 2, "label": "perk"}]}\n',
            "unknown label",
        ),
        (["predict", "{f}", "--model", "/nonexistent-model"], b"Nurse wanted.", "no model at"),
    ],
)
def test_user_errors_are_one_line_without_traceback(
    tmp_path: Path, args: list[str], content: bytes | None, message: str
) -> None:
    f = tmp_path / ("in.jsonl" if args[0] == "evaluate" else "in.txt")
    if content is not None:
        f.write_bytes(content)
    result = run(*[a.replace("{f}", str(f)) for a in args])
    err = result.stderr.decode()
    assert result.returncode == 2
    assert "Traceback" not in err and message in err
    assert err.strip().splitlines()[-1].startswith("jobsections: error:")


def test_corrupt_model_is_a_clear_error(small_model_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(small_model_dir, model)
    (model / "classifier.npz").write_bytes(b"garbage")
    posting = tmp_path / "p.txt"
    posting.write_text("Nurse wanted.")
    result = run("predict", str(posting), "--model", str(model))
    err = result.stderr.decode()
    assert result.returncode == 2 and "classifier.npz: truncated" in err and "Traceback" not in err


def test_an_old_pickle_model_is_refused_and_converted_on_request(small_model, tmp_path: Path) -> None:
    import joblib

    old = tmp_path / "old"
    old.mkdir()
    payload = {"format": "jobsections-model", "format_version": 2, "classifier": small_model.classifier, "card": {}}
    joblib.dump(payload, old / "model.joblib")
    posting = tmp_path / "p.txt"
    posting.write_text("Benefits:\n* Pension")
    result = run("predict", str(posting), "--model", str(old))
    err = result.stderr.decode()
    assert result.returncode == 2 and f"jobsections convert --trust-pickle {old} NEW_DIR" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    result = run("convert", str(old), str(tmp_path / "new"))
    assert result.returncode == 2 and b"--trust-pickle" in result.stderr and not (tmp_path / "new").exists()
    result = run("convert", "--trust-pickle", str(old), str(tmp_path / "new"))
    assert result.returncode == 0, result.stderr
    assert run("predict", str(posting), "--model", str(tmp_path / "new")).returncode == 0


def test_batch_with_a_bad_posting_writes_the_rest_and_exits_1(small_model_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text("Benefits:\n* Pension")
    (tmp_path / "in" / "empty.txt").write_text("")
    out = tmp_path / "out.jsonl"
    result = run("predict", str(tmp_path / "in"), "-o", str(out), "--model", str(small_model_dir))
    assert result.returncode == 1
    assert "empty.txt: empty" in result.stderr.decode()
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["good"]


def test_help_explains_each_command() -> None:
    for command in ("predict", "train", "evaluate", "convert"):
        result = run(command, "--help")
        assert result.returncode == 0 and b"usage: jobsections " + command.encode() in result.stdout


def test_evaluate_py_defaults_to_the_seeds() -> None:
    result = subprocess.run([sys.executable, "evaluate.py"], capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "on 5 postings" in out and "3. End to end, over characters" in out
