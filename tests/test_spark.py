"""Spark in local mode: predict_dataframe and spark-predict give exactly predict_records' segments.

Skipped when pyspark or a Java runtime is missing (`.ci/run` installs both)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark
pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime", allow_module_level=True)

from jobsections.predict import predict_records  # noqa: E402
from jobsections.readers import Posting  # noqa: E402
from jobsections.spark import COLUMNS, executor_model, predict_dataframe  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("jobsections-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "16")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def postings() -> list[Posting]:
    seeds = [json.loads(line) for line in (ROOT / "annotations" / "seeds.jsonl").read_text().splitlines()]
    written = [json.loads(line) for line in (ROOT / "annotations" / "written.jsonl").read_text().splitlines()[:35]]
    out = [Posting(r["id"], r["text"]) for r in seeds + written]
    out.append(Posting("flat", out[0].text.replace("\n", " ")))
    return out


def expected_rows(model, postings: list[Posting]) -> list[tuple]:
    rows = []
    for record in predict_records(model, postings):
        for s in record["segments"]:
            text = record["text"][s["start"] : s["end"]]
            rows.append((record["id"], s["start"], s["end"], s["label"], s["score"], s["kind"], text))
    return sorted(rows)


def test_predict_dataframe_equals_predict_records(spark, postings, small_model, small_model_dir: Path) -> None:
    frame = spark.createDataFrame([(p.id, p.text) for p in postings], "id string, text string").repartition(3)
    out = predict_dataframe(frame, model=str(small_model_dir))
    assert out.columns == COLUMNS
    got = sorted(tuple(row) for row in out.collect())
    assert got == expected_rows(small_model, postings)


def test_model_shipped_by_spark_and_null_or_blank_texts(spark, postings, small_model, small_model_dir: Path) -> None:
    rows = [(p.id, p.text) for p in postings[:6]] + [("none", None), ("blank", "  \n ")]
    frame = spark.createDataFrame(rows, "id string, text string")
    out = predict_dataframe(frame, model=small_model_dir, ship=True)
    got = sorted(tuple(row) for row in out.collect())
    assert got == expected_rows(small_model, postings[:6])
    assert not {"none", "blank"} & {r[0] for r in got}


def test_missing_column_is_a_clear_error(spark, small_model_dir: Path) -> None:
    from jobsections.spark import SparkError

    frame = spark.createDataFrame([("a", "b")], "id string, body string")
    with pytest.raises(SparkError, match="no column 'text'"):
        predict_dataframe(frame, model=small_model_dir)


def test_the_model_is_loaded_once_per_process(small_model_dir: Path, monkeypatch) -> None:
    import jobsections.spark as module

    monkeypatch.setattr(module, "_models", {})
    before = module.loads
    first = executor_model(str(small_model_dir))
    assert executor_model(str(small_model_dir)) is first and module.loads == before + 1


def test_spark_predict_command(postings, small_model, small_model_dir: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "postings.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": p.id, "text": p.text} for p in postings[:10]]), source)
    out = tmp_path / "segments"
    command = [sys.executable, "-m", "jobsections.cli", "spark-predict", str(source), "-o", str(out)]
    command += ["--master", "local[1]", "--model", str(small_model_dir)]
    result = subprocess.run(command, capture_output=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    table = pq.read_table(out)
    got = sorted(zip(*(table.column(c).to_pylist() for c in COLUMNS)))
    assert got == expected_rows(small_model, postings[:10])
    assert f"segments to {out}" in result.stderr.decode()
    again = subprocess.run(command, capture_output=True, cwd=ROOT, timeout=600)
    assert again.returncode == 2 and b"already exists" in again.stderr and b"Traceback" not in again.stderr
