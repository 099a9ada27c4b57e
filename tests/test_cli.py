"""The command line end to end: train → predict → evaluate, formats, and user errors."""

from __future__ import annotations

import json
import os
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
    assert card["settings"]["copies"] == []  # no collapsed copies unless asked (--collapsed-copies)
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


# ---------------------------------------------------------------- issue 13: numbers checked when parsed


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["predict", "p.txt", "--batch-size", "0"], "--batch-size"),
        (["predict", "p.txt", "--batch-size", "-3"], "--batch-size"),
        (["predict", "p.txt", "--batch-size", "many"], "--batch-size"),
        (["train", "a.jsonl", "-o", "m", "--seed", "-1"], "--seed"),
        (["train", "a.jsonl", "-o", "m", "--seed", "99999999999"], "--seed"),
        (["evaluate", "a.jsonl", "--cv", "3", "--seed", "-1"], "--seed"),
        (["evaluate", "a.jsonl", "--cv", "0"], "--cv"),
        (["evaluate", "a.jsonl", "--cv", "1"], "--cv"),
        (["evaluate", "a.jsonl", "--cv", "-2"], "--cv"),
    ],
)
def test_bad_numbers_are_refused_when_parsed(args: list[str], option: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert f"argument {option}" in err and "Traceback" not in err


def test_batch_size_0_leaves_an_existing_output_alone(tmp_path: Path) -> None:
    posting = tmp_path / "p.txt"
    posting.write_text("Benefits:\n* Pension", encoding="utf-8")
    out = tmp_path / "existing.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["predict", str(posting), "--batch-size", "0", "-o", str(out)])
    assert out.read_text(encoding="utf-8") == "precious\n"


def test_smoothing_is_on_and_its_help_says_what_turning_it_off_costs(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--no-smoothing" in out and "faster" in out and "lower" in out


@pytest.mark.parametrize(("n", "word"), [(1, "1 posting "), (2, "2 postings ")])
def test_wrote_n_postings_is_grammatical(
    small_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture, n: int, word: str
) -> None:
    inputs = []
    for i in range(n):
        inputs.append(tmp_path / f"p{i}.txt")
        inputs[-1].write_text("Benefits:\n* Pension", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["predict", *map(str, inputs), "-o", str(out), "--model", str(small_model_dir)]) == 0
    assert f"wrote {word}to" in capsys.readouterr().err


# ---------------------------------------------------------------- issue 13: a quick start


HEAVY = ("spacy", "sklearn", "datasets", "pyarrow", "scipy", "joblib", "thinc", "torch")


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["predict", "--help"], ["train", "--help"]])
def test_version_and_help_import_no_heavy_library(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from jobsections.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('HEAVY', *sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines()[-1] == "HEAVY", "imported at start-up: " + result.stdout.decode()


# ---------------------------------------------------------------- issue 13, item 7: input formats


def test_predict_input_format_reads_stdin_as_asked(
    small_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    out = tmp_path / "out.jsonl"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"id": "x", "text": "Drive."}')))
    args = ["predict", "-", "--input-format", "text", "-o", str(out), "--model", str(small_model_dir)]
    assert main(args) == 0
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (record["id"], record["text"]) == ("stdin", '{"id": "x", "text": "Drive."}')
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"{Company} is hiring a driver.")))
    assert main(["predict", "-", "-o", str(out), "--model", str(small_model_dir)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["text"] == "{Company} is hiring a driver."


def test_use_segments_error_cites_the_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Issue 13, item 10: the error named the record's `source`, not the file the user gave."""
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"id": "a", "source": "corpus/elsewhere.txt", "text": "Drive."}) + "\n")
    assert main(["predict", str(path), "--use-segments"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1: --use-segments needs" in err and "elsewhere" not in err


def test_output_directory_is_refused_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Issue 13, item 12. The model named does not exist: the output is checked first."""
    posting = tmp_path / "p.txt"
    posting.write_text("Nurse wanted.")
    (tmp_path / "outdir").mkdir()
    assert main(["predict", str(posting), "-o", str(tmp_path / "outdir"), "--model", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "outdir: is a directory" in err and "Errno" not in err and "no model" not in err


# ---------------------------------------------------------------- issue 13, item 6: signals and temporary files


def _start_long_predict(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """A predict run that takes several seconds, and the moment its temporary output exists."""
    import time

    text = json.loads((ROOT / "annotations" / "seeds.jsonl").read_text(encoding="utf-8").splitlines()[1])["text"]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps({"id": f"p{i}", "text": text}) + "\n" for i in range(2000)))
    out = tmp_path / "out" / "result.jsonl"
    out.parent.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jobsections.cli", "predict", str(batch), "-o", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not list(out.parent.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, "predict ended before writing"
        time.sleep(0.02)
    return proc, out


def test_sigterm_removes_the_temporary_output(tmp_path: Path) -> None:
    """A SIGTERM (kill, a job scheduler, a container stop) left a 17 MB `.out.jsonl.xxxx` behind."""
    import signal

    proc, out = _start_long_predict(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert list(out.parent.iterdir()) == []
    assert b"Traceback" not in err


def test_a_killed_runs_temporary_file_is_removed_by_the_next_run(small_model_dir: Path, tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the next run writing to that folder removes what it left."""
    import signal

    proc, out = _start_long_predict(tmp_path)
    proc.kill()
    proc.communicate(timeout=60)
    [stale] = list(out.parent.iterdir())
    assert proc.returncode == -signal.SIGKILL and stale.name.startswith(".result.jsonl.")
    other_user = out.parent / f".result.jsonl.abcdefgh.{os.getpid()}.jobsections-tmp"  # a live process's
    other_user.write_text("")
    posting = tmp_path / "p.txt"
    posting.write_text("Benefits:\n* Pension")
    assert main(["predict", str(posting), "-o", str(out), "--model", str(small_model_dir)]) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([other_user.name, "result.jsonl"])


# ---------------------------------------------------------------- issue 13, item 15: outputs that destroy or garble


def test_output_equal_to_an_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    posting = tmp_path / "posting.jsonl"
    posting.write_text(json.dumps({"id": "a", "text": "Nurse wanted."}) + "\n")
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(posting)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "old.jsonl").write_text(json.dumps({"id": "b", "text": "Chef wanted."}) + "\n")
    for inputs, output in [([posting], posting), ([posting], alias), ([folder], folder / "old.jsonl")]:
        before = output.read_text()
        assert main(["predict", *map(str, inputs), "-o", str(output), "--model", str(tmp_path / "none")]) == 2
        assert "is also an input" in capsys.readouterr().err
        assert output.read_text() == before


def test_parquet_to_a_terminal_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    posting = tmp_path / "p.txt"
    posting.write_text("Nurse wanted.")
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert main(["predict", str(posting), "--format", "parquet", "--model", str(tmp_path / "none")]) == 2
    assert "Parquet" in capsys.readouterr().err and sys.stdout.getvalue() == ""


def test_duplicate_ids_in_predict_input_are_warned_about(
    small_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "nurse.txt").write_text("Benefits:\n* Pension")
    out = tmp_path / "out.jsonl"
    args = ["predict", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(out), "--model", str(small_model_dir)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "warning: duplicate posting id 'nurse'" in err and "a/nurse.txt" in err and "b/nurse.txt" in err
    assert len(out.read_text().splitlines()) == 2


def test_a_closed_pipe_ends_the_command_quietly() -> None:
    """Issue 13, item 8: `predict … --format text | head -2` printed `error: [Errno 32] Broken pipe`, exit 2."""
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "jobsections.cli", "predict", "corpus/written", "--format", "text"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"=== ")
    proc.stdout.close()  # as `head` does once it has its lines
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert proc.returncode == 128 + signal.SIGPIPE
    assert "Broken pipe" not in err and "Traceback" not in err and "error" not in err


# ---------------------------------------------------------------- issue 13, item 11: train checks its paths first


@pytest.mark.parametrize("problem", ["missing eval", "output is a file", "output under a file", "bad eval"])
def test_train_checks_every_path_before_training(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture, problem: str
) -> None:
    """A missing --eval file was reported after training (and the model discarded); -o naming a
    file failed after training with a raw `[Errno 17]`."""
    output, evals = tmp_path / "model", [str(small_corpus)]
    if problem == "missing eval":
        evals = [str(tmp_path / "held-out.jsonl")]
    elif problem == "output is a file":
        output.write_text("not a model")
    elif problem == "output under a file":
        (tmp_path / "file").write_text("")
        output = tmp_path / "file" / "model"
    else:
        (tmp_path / "bad.jsonl").write_text('{"text": "x"}\n')
        evals = [str(tmp_path / "bad.jsonl")]
    assert main(["train", str(small_corpus), "-o", str(output), "--eval", *evals]) == 2
    err = capsys.readouterr().err
    assert "training on" not in err and "Errno" not in err
    assert err.startswith("jobsections: error: ") and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- issue 13: train shows progress and a summary


def test_train_prints_its_stages_and_the_eval_summary(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["train", str(small_corpus), "-o", str(tmp_path / "m"), "--eval", str(small_corpus)]) == 0
    err = capsys.readouterr().err
    card = json.loads((tmp_path / "m" / "card.json").read_text())["metrics"]
    assert "training on 12 postings (" in err and " segments)" in err and "trained in " in err
    assert f"end to end accuracy {card['end_to_end_accuracy']:.3f}" in err
    assert f"segmentation F1 {card['segmentation_f1']:.3f}" in err
    assert err.rstrip().endswith(f"model written to {tmp_path / 'm'}")


def test_train_collapsed_copies_is_opt_in(small_corpus: Path, tmp_path: Path) -> None:
    assert main(["train", str(small_corpus), "-o", str(tmp_path / "m"), "--collapsed-copies"]) == 0
    assert json.loads((tmp_path / "m" / "card.json").read_text())["settings"]["copies"] == ["flatten"]


def test_train_masked_every_reaches_the_card_and_the_help_gives_its_default(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from jobsections.train import MASKED_EVERY

    assert main(["train", str(small_corpus), "-o", str(tmp_path / "m"), "--masked-every", "0"]) == 0
    assert json.loads((tmp_path / "m" / "card.json").read_text())["settings"]["masked_every"] == 0
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert f"(default: {MASKED_EVERY})" in " ".join(capsys.readouterr().out.split())


def test_the_training_progress_ticks_on_a_terminal() -> None:
    import io
    import time

    from jobsections.cli import _ticking

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with _ticking("fitting", file=screen, interval=0.02):
        time.sleep(0.3)
    assert "fitting" in screen.getvalue() and "00:00" in screen.getvalue()
    quiet = io.StringIO()
    with _ticking("fitting", file=quiet, interval=0.02):
        time.sleep(0.05)
    assert quiet.getvalue() == ""


def test_predict_refuses_a_huge_posting_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "dump.txt"
    path.write_bytes(b"Nurse wanted. " * 1_500_000)  # 21 MB
    assert main(["predict", str(path), "--model", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "more than the limit of 5,000,000 for one posting" in err and "no model" not in err
    small = tmp_path / "small.txt"
    small.write_text("Nurse wanted. " * 10)
    assert main(["predict", str(small), "--max-chars", "100", "--model", str(tmp_path / "none")]) == 2
    assert "140 characters, more than the limit of 100" in capsys.readouterr().err


@pytest.mark.parametrize("problem", ["missing", "too long"])
def test_a_bad_input_is_reported_without_loading_the_model_libraries(tmp_path: Path, problem: str) -> None:
    path = tmp_path / "dump.txt"
    if problem == "too long":
        path.write_bytes(b"Nurse wanted. " * 1_500_000)
    code = (
        "import sys\n"
        "from jobsections.cli import main\n"
        f"assert main(['predict', {str(path)!r}]) == 2\n"
        f"print('HEAVY', *sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines()[-1] == "HEAVY", "imported: " + result.stdout.decode()
    assert b"jobsections: error: " in result.stderr


def test_train_on_too_little_data_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Found while checking issue 13: one annotated segment gave scikit-learn's traceback."""
    path = tmp_path / "one.jsonl"
    record = {"id": "a", "text": "Nurse wanted.", "segments": [{"start": 0, "end": 13, "label": "other"}]}
    path.write_text(json.dumps(record) + "\n")
    assert main(["train", str(path), "-o", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "too little data to train" in err and "'other'" in err
    assert not (tmp_path / "m").exists()
