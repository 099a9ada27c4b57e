"""Chunked batch prediction: numbered parts written atomically, a manifest, --resume after a
SIGKILL giving exactly the uninterrupted run's output, bad rows reported by number."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobsections.batch import MANIFEST, Run, jsonl_rows, parquet_rows, read_parts, run_chunked
from jobsections.cli import main

ROOT = Path(__file__).resolve().parent.parent
BAD_LINES = {18: "{oops", 41: "", 42: json.dumps({"id": "x", "no_text": 1}), 333: "[1, 2]"}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 lines of JSONL from the written corpus, four of them bad or blank."""
    texts = [json.loads(line)["text"] for line in (ROOT / "annotations" / "written.jsonl").read_text().splitlines()]
    lines = [json.dumps({"id": f"p{i}", "text": texts[i % len(texts)][: 300 + 7 * i]}) for i in range(1, 601)]
    for number, line in BAD_LINES.items():
        lines[number - 1] = line
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(big: Path, small_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "out"
    assert main(["predict", str(big), "-o", str(out), "--chunk", "25", "--model", str(small_model_dir)]) == 1
    return out


def parts_of(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("part-*"))}


def test_parts_and_manifest(reference: Path, big: Path, small_model_dir: Path, tmp_path: Path) -> None:
    manifest = json.loads((reference / MANIFEST).read_text())
    assert manifest["complete"] and manifest["chunk"] == 25 and len(manifest["parts"]) == 24
    assert manifest["rows"] == 600 and manifest["postings"] == 596 and manifest["errors"] == 3
    assert [p["file"] for p in manifest["parts"]] == [f"part-{k:05d}.jsonl" for k in range(24)]
    assert [p["first_row"] for p in manifest["parts"]] == [1 + 25 * k for k in range(24)]
    assert sorted(parts_of(reference)) == [p["file"] for p in manifest["parts"]]
    assert not [p for p in reference.iterdir() if p.name.startswith(".")]  # no temporary file left
    ids = [r["id"] for r in read_parts(reference)]
    assert ids == [f"p{i}" for i in range(1, 601) if i not in BAD_LINES]
    # The same records as the one-file predict of the same input.
    single = tmp_path / "single.jsonl"
    assert main(["predict", str(big), "-o", str(single), "--model", str(small_model_dir)]) == 1
    assert b"".join(parts_of(reference).values()) == single.read_bytes()


def test_bad_rows_are_reported_with_their_number_and_the_rest_processed(reference: Path) -> None:
    manifest = json.loads((reference / MANIFEST).read_text())
    bad = {b["row"]: b["error"] for p in manifest["parts"] for b in p["bad_rows"]}
    assert sorted(bad) == [18, 42, 333]
    assert (
        ":18: malformed JSON" in bad[18] and ":42: no 'text'" in bad[42] and ":333: expected a JSON object" in bad[333]
    )
    assert manifest["parts"][0]["postings"] == 25 - 1 and manifest["parts"][1]["postings"] == 25 - 2


def test_sigkill_then_resume_gives_the_uninterrupted_output(
    big: Path, reference: Path, small_model_dir: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "jobsections.cli", "predict", str(big), "-o", str(out), "--chunk", "25"]
    command += ["--model", str(small_model_dir)]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if len(json.loads((out / MANIFEST).read_text())["parts"]) >= 3:
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    manifest = json.loads((out / MANIFEST).read_text())
    assert not manifest["complete"] and 3 <= len(manifest["parts"]) < 24
    written = len(manifest["parts"])
    before = {name: data for name, data in parts_of(out).items() if name in {p["file"] for p in manifest["parts"]}}
    capsys.readouterr()
    assert main([*command[3:], "--resume"]) == 1  # 1: the input has bad rows
    assert f"resuming {out}: {written} parts already written and checked" in capsys.readouterr().err
    assert parts_of(out) == parts_of(reference)  # identical, part by part
    assert all(parts_of(out)[name] == data for name, data in before.items())
    ids = [r["id"] for r in read_parts(out)]
    assert len(ids) == len(set(ids)) == 596  # nothing lost, nothing twice
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    again = json.loads((out / MANIFEST).read_text())
    assert again["complete"] and again["postings"] == 596 and again["errors"] == 3


def test_resume_redoes_a_damaged_part_and_what_follows(reference: Path, big: Path, small_model_dir, tmp_path) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(reference, out)
    (out / "part-00010.jsonl").write_text("damaged\n")
    (out / ".part-00011.jsonl.abc.tmp").write_text("left by a killed run")
    messages: list[str] = []
    run = Run(big, out, 25, small_model_dir, resume=True, progress=False, report=messages.append)
    assert run_chunked(run) == 1
    assert any("part-00010.jsonl: missing or changed" in m for m in messages)
    assert any("10 parts already written and checked" in m for m in messages)
    assert parts_of(out) == parts_of(reference) and not (out / ".part-00011.jsonl.abc.tmp").exists()


def test_resume_refuses_another_input_or_chunk(reference: Path, big: Path, small_model_dir: Path, tmp_path) -> None:
    import shutil

    from jobsections.batch import BatchError

    out = tmp_path / "out"
    shutil.copytree(reference, out)
    with pytest.raises(BatchError, match="holds a previous run; add --resume"):
        run_chunked(Run(big, out, 25, small_model_dir, progress=False))
    with pytest.raises(BatchError, match="another --chunk"):
        run_chunked(Run(big, out, 50, small_model_dir, resume=True, progress=False))
    other = tmp_path / "other.jsonl"
    other.write_text(big.read_text().replace('"p1"', '"q1"'))
    with pytest.raises(BatchError, match="another input"):
        run_chunked(Run(other, out, 25, small_model_dir, resume=True, progress=False))


def test_parquet_input_in_chunks_streams_row_groups(big: Path, small_model_dir: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in big.read_text().splitlines() if line.startswith('{"id": "p')]
    rows = [r for r in rows if "text" in r]
    path = tmp_path / "big.parquet"
    pq.write_table(pa.Table.from_pylist(rows[:200]), path, row_group_size=30)
    assert [r.posting.id for r, _ in parquet_rows(path, 95)] == [r["id"] for r in rows[95:200]]
    out = tmp_path / "out"
    args = [
        "predict",
        str(path),
        "-o",
        str(out),
        "--chunk",
        "40",
        "--format",
        "parquet",
        "--model",
        str(small_model_dir),
    ]
    assert main(args) == 0
    manifest = json.loads((out / MANIFEST).read_text())
    assert [p["file"] for p in manifest["parts"]] == [f"part-{k:05d}.parquet" for k in range(5)]
    assert [p["first_row"] for p in manifest["parts"]] == [0, 40, 80, 120, 160]
    records = list(read_parts(out))
    assert [r["id"] for r in records] == [r["id"] for r in rows[:200]]
    single = tmp_path / "single.jsonl"
    assert main(["predict", str(path), "-o", str(single), "--model", str(small_model_dir)]) == 0
    expected = [json.loads(line) for line in single.read_text().splitlines()]
    assert [r["segments"] for r in records] == [r["segments"] for r in expected]


def test_jsonl_rows_start_at_an_offset(big: Path) -> None:
    rows = list(jsonl_rows(big))
    number, offset = rows[99][0].number, rows[99][1]
    assert number == 100
    again = list(jsonl_rows(big, offset, number + 1))
    assert [r.number for r, _ in again] == list(range(101, 601))
    assert [r.posting.id for r, _ in again[:3]] == ["p101", "p102", "p103"]


def test_progress_bar_shows_rate_and_eta(big: Path, small_model_dir: Path, tmp_path: Path, monkeypatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    run_chunked(Run(big, tmp_path / "out", 200, small_model_dir, report=lambda m: None))
    shown = screen.getvalue()
    assert "600/600" in shown and "postings/s" in shown and "<" in shown  # elapsed<remaining


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chunk", "0"], "--chunk: must be at least 1"),
        (["--chunk", "x"], "--chunk: expected a whole number"),
        (["--chunk", "5", "--format", "text"], "--chunk writes parts as jsonl or parquet"),
        (["--chunk", "5", "--use-segments"], "--chunk does not take --use-segments"),
        (["--resume"], "no run to resume there"),
    ],
)
def test_chunk_option_errors(big: Path, tmp_path: Path, capsys, args: list[str], message: str) -> None:
    try:
        status = main(["predict", str(big), "-o", str(tmp_path / "o"), *args])
    except SystemExit as e:  # argparse's own errors
        status = e.code
    err = capsys.readouterr().err
    assert status == 2 and message in err and "Traceback" not in err
