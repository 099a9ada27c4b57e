"""Spark: label the postings of a DataFrame, one output row per segment.

    from jobsections.spark import predict_dataframe
    segments = predict_dataframe(spark.read.parquet("postings.parquet"), model="model")
    segments.write.parquet("segments")

`predict_dataframe` runs `predict_records` (the same segments, labels and scores as
`jobsections predict`) inside `mapInPandas`, over Arrow batches of the input, and returns a
DataFrame of `id, start, end, label, score, kind, text` (`text` is the segment's text). The
model is loaded once per executor Python process, on its first batch, and kept for the next
batches and tasks (Spark reuses its Python workers). It reaches the executors

- by path: a directory every executor can read (a shared file system, or local mode);
- shipped by Spark (`ship=True`, what `jobsections spark-predict` does): the driver adds the
  model directory with `SparkContext.addFile(..., recursive=True)` and each executor reads its
  own copy through `SparkFiles`;
- in an archive: `spark-submit --archives model.tar.gz#jsmodel ...` with `model="jsmodel"`,
  the folder the archive is unpacked into in each executor's working directory.

Loading checks the model as `jobsections.model.load_model` always does (manifest, hashes), and
never unpickles it. pyspark is an optional extra: `pip install "jobsections[spark]"`, plus a
Java runtime.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jobsections.readers import InputError

SCHEMA = "id string, start int, end int, label string, score double, kind string, text string"
COLUMNS = ["id", "start", "end", "label", "score", "kind", "text"]
_SHIPPED_PREFIX = "sparkfiles:"

_models: dict[str, Any] = {}  # per Python process: model reference → SectionModel
loads = 0  # how many models this process loaded (tests read it)


class SparkError(InputError):
    """Spark cannot be used here (no pyspark, no Java) or was given bad input; one line."""


def _pyspark() -> Any:
    try:
        import pyspark
    except ImportError:
        raise SparkError(
            'this needs pyspark, an optional extra: pip install "jobsections[spark]" (and a Java runtime)'
        ) from None
    return pyspark


def _resolve(reference: str) -> str:
    """A model directory on this process's machine, from the reference the driver gave."""
    if reference.startswith(_SHIPPED_PREFIX):
        from pyspark import SparkFiles

        return SparkFiles.get(reference[len(_SHIPPED_PREFIX) :])
    return reference


def executor_model(reference: str) -> Any:
    """The model for `reference`, loaded on the first call in this process and then reused."""
    global loads
    model = _models.get(reference)
    if model is None:
        from jobsections.model import load_model

        model = _models[reference] = load_model(_resolve(reference) if reference else None)
        loads += 1
    return model


def segment_rows_of(model: Any, ids: list[Any], texts: list[Any], batch_size: int = 64) -> dict[str, list[Any]]:
    """The output columns for a batch of postings: one row per segment, in posting order.
    Postings whose text is null, not a string, or blank give no rows."""
    from jobsections.predict import predict_records
    from jobsections.readers import Posting

    postings = [
        Posting(id=None if i is None else str(i), text=t)
        for i, t in zip(ids, texts)
        if isinstance(t, str) and t.strip()
    ]
    out: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for record in predict_records(model, postings, batch_size):
        text = record["text"]
        for seg in record["segments"]:
            out["id"].append(record["id"])
            out["start"].append(seg["start"])
            out["end"].append(seg["end"])
            out["label"].append(seg["label"])
            out["score"].append(float(seg["score"]))
            out["kind"].append(seg["kind"])
            out["text"].append(text[seg["start"] : seg["end"]])
    return out


def _batches(reference: str, text_col: str, id_col: str | None, batch_size: int) -> Any:
    """The function `mapInPandas` runs on each executor (it captures only strings and ints)."""

    def predict(frames: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        model = executor_model(reference)
        for frame in frames:
            texts = frame[text_col].tolist()
            ids = frame[id_col].tolist() if id_col else [None] * len(texts)
            columns = segment_rows_of(model, ids, texts, batch_size)
            yield pd.DataFrame(
                {
                    "id": pd.Series(columns["id"], dtype=object),
                    "start": pd.Series(columns["start"], dtype="int32"),
                    "end": pd.Series(columns["end"], dtype="int32"),
                    "label": pd.Series(columns["label"], dtype=object),
                    "score": pd.Series(columns["score"], dtype="float64"),
                    "kind": pd.Series(columns["kind"], dtype=object),
                    "text": pd.Series(columns["text"], dtype=object),
                }
            )

    return predict


def predict_dataframe(
    df: Any,
    text_col: str = "text",
    id_col: str | None = "id",
    model: str | Path | None = None,
    ship: bool = False,
    batch_size: int = 64,
) -> Any:
    """Segment and label the postings of `df`: a DataFrame with one row per segment,
    `id, start, end, label, score, kind, text`.

    `model` is a model directory (default: `$JOBSECTIONS_MODEL` or the shipped model) that the
    executors can read, or, with `ship=True`, one on the driver that Spark copies to them.
    `id_col=None` leaves ids null. The model is checked on the driver first, so a bad model
    fails at once with a `ModelError`."""
    from jobsections.model import _locate, default_model_path, load_model

    if text_col not in df.columns:
        raise SparkError(f"the DataFrame has no column {text_col!r} (columns: {', '.join(df.columns)})")
    if id_col is not None and id_col not in df.columns:
        raise SparkError(f"the DataFrame has no column {id_col!r} (columns: {', '.join(df.columns)})")
    directory = _locate(Path(model) if model is not None else default_model_path())
    load_model(directory)  # fail here, not in every executor
    if ship:
        directory = directory.resolve()
        df.sparkSession.sparkContext.addFile(str(directory), recursive=True)
        reference = _SHIPPED_PREFIX + directory.name
    else:
        reference = str(model) if model is not None else ""
    columns = [text_col] + ([id_col] if id_col and id_col != text_col else [])
    return df.select(*columns).mapInPandas(_batches(reference, text_col, id_col, batch_size), SCHEMA)


# ---------------------------------------------------------------- command line


def cmd_spark_predict(args: Any) -> int:
    """`jobsections spark-predict INPUT... -o OUT_DIR [--master M] [--model DIR] ...`."""
    _pyspark()
    from pyspark.sql import SparkSession

    out = Path(args.output)
    if _local(args.output) and out.exists():
        raise SparkError(f"{out}: already exists; Spark writes a new directory of Parquet parts")
    for item in args.inputs:
        if _local(item) and not Path(item).exists():
            raise SparkError(f"{item}: no such file or folder")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("jobsections").config("spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    try:
        spark = builder.getOrCreate()
    except Exception as e:  # no Java, a bad master URL ...: pyspark raises several types
        raise SparkError(f"cannot start Spark ({' '.join(str(e).split())[:300]})") from None
    try:
        spark.sparkContext.setLogLevel("ERROR")
        try:
            df = spark.read.parquet(*args.inputs)
        except Exception as e:  # AnalysisException and friends
            raise SparkError(
                f"cannot read {', '.join(args.inputs)} as Parquet ({' '.join(str(e).split())[:300]})"
            ) from None
        id_col = args.id_col if args.id_col in df.columns else None
        cores = spark.sparkContext.defaultParallelism
        if df.rdd.getNumPartitions() < cores:  # one small file is one partition: spread it over the cores
            df = df.repartition(cores)
        segments = predict_dataframe(df, args.text_col, id_col, args.model, ship=True, batch_size=args.batch_size)
        segments.write.parquet(args.output)
        count = spark.read.parquet(args.output).count()
    finally:
        spark.stop()
    print(f"jobsections: wrote {count} segments to {args.output} (Parquet)", file=sys.stderr)
    return 0


def _local(path: str) -> bool:
    """True for a path on this machine's file system (not hdfs://, s3a:// ...)."""
    return "://" not in path or path.startswith("file://")
