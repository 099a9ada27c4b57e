"""The `jobsections` command: argument parsing and printing only; the library does the work."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from typing import Any

EXAMPLES = """\
examples:
  jobsections predict posting.txt                      segments with labels, as JSONL on stdout
  jobsections predict postings/ -o out.json --format json
  cat page.html | jobsections predict - --format text
  jobsections train annotations/written.jsonl -o my-model --seed 0
  jobsections evaluate annotations/seeds.jsonl --model my-model
  jobsections evaluate annotations/written.jsonl --cv 10
  jobsections convert --trust-pickle old-model new-model
"""


class _Errors:
    """Collects the problems of a batch, reporting each one line on stderr as it comes."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, error: Exception) -> None:
        self.count += 1
        print(f"jobsections: error: {error}", file=sys.stderr)


def _progress(iterable: Any, total: int | None, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=" postings", disable=None, file=sys.stderr, leave=False)


def _cmd_predict(args: argparse.Namespace) -> int:
    from jobsections.model import load_model
    from jobsections.predict import predict_records, relabel_records
    from jobsections.readers import iter_postings
    from jobsections.writers import format_for, write_records

    if args.chunk is not None or args.resume:
        from jobsections.batch import predict_chunked

        return predict_chunked(args)
    errors = _Errors()
    postings = list(iter_postings(args.inputs, errors))
    if args.use_segments:
        missing = [p for p in postings if p.segments is None]
        for p in missing:
            errors(ValueError(f"{p.source}: --use-segments needs annotation JSONL; posting {p.id!r} has no segments"))
        postings = [p for p in postings if p.segments is not None]
    if not postings:
        print("jobsections: error: no posting could be read", file=sys.stderr)
        return 2
    model = load_model(args.model)
    if args.use_segments:
        records: Any = relabel_records(model, postings)
    else:
        records = predict_records(model, postings, args.batch_size)
    fmt = format_for(args.output, args.format)
    n = write_records(_progress(records, len(postings), "predict"), args.output, fmt)
    if args.output not in (None, "-"):
        print(f"jobsections: wrote {n} postings to {args.output} ({fmt})", file=sys.stderr)
    return 1 if errors.count else 0


def _cmd_train(args: argparse.Namespace) -> int:
    from jobsections.annotations import load_annotations, postings_of
    from jobsections.evaluation import evaluate
    from jobsections.model import save_model
    from jobsections.train import train_model

    postings = postings_of(load_annotations(args.annotations))
    print(f"jobsections: training on {len(postings)} postings ...", file=sys.stderr)
    model = train_model(postings, seed=args.seed, flatten_copies=not args.no_flatten, smoothing=args.smoothing)
    if args.eval:
        held_out = postings_of(load_annotations(args.eval))
        report = evaluate(model, held_out)
        model.card["metrics"] = {"data": [str(p) for p in args.eval], **_summary(report)}
    save_model(model, args.output)
    print(f"jobsections: model written to {args.output}", file=sys.stderr)
    return 0


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of an evaluation report, for the model card."""
    return {
        "end_to_end_accuracy": round(report["end_to_end"]["accuracy"], 4),
        "end_to_end_macro_f1": round(report["end_to_end"]["macro_f1"], 4),
        "classification_accuracy": round(report["classification"]["accuracy"], 4),
        "segmentation_f1": round(report["segmentation"]["f1"], 4),
        "end_to_end_recall": {k: round(v["recall"], 4) for k, v in report["end_to_end"]["per_label"].items()},
    }


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from jobsections.annotations import load_annotations, postings_of
    from jobsections.evaluation import cross_validate, evaluate, format_report
    from jobsections.model import load_model

    dataset = load_annotations(args.annotations)
    if args.flatten:
        import datasets

        from jobsections.train import flatten

        datasets.disable_progress_bars()
        dataset = dataset.map(lambda row: {"text": flatten(row["text"])})
    if args.cv:
        report = cross_validate(dataset, args.cv, seed=args.seed, progress=True)
        title = f"{args.cv}-fold cross-validation grouped by posting on {len(dataset)} postings"
    else:
        model = load_model(args.model)
        report = evaluate(model, postings_of(dataset))
        data = model.card.get("training_data", {})
        title = (
            f"model {args.model or 'shipped'} (trained on {data.get('postings', '?')} postings, "
            f"data hash {data.get('hash', '?')}) on {len(dataset)} postings"
        )
    report["title"] = title + (", line breaks replaced by spaces" if args.flatten else "")
    report["data"] = [str(p) for p in args.annotations]
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(format_report(report, title))
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from jobsections.convert import convert

    convert(args.old, args.new, trust_pickle=args.trust_pickle)
    print(f"jobsections: model converted to {args.new}", file=sys.stderr)
    return 0


def _cmd_spark_predict(args: argparse.Namespace) -> int:
    from jobsections.spark import cmd_spark_predict

    return cmd_spark_predict(args)


def build_parser(default_annotations: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="jobsections",
        description="Cut job postings into segments and label each one responsibility, qualification, "
        "benefit, application or other.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from jobsections import __version__

    parser.add_argument("--version", action="version", version=f"jobsections {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{predict,train,evaluate,convert,spark-predict}")

    p = sub.add_parser(
        "predict",
        help="segment and label postings",
        description="Segment and label postings. INPUT is a .txt/.md/.html file, a .jsonl file "
        '(annotation format or {"id", "text"} lines), a .parquet file with a \'text\' column, a '
        "folder (read recursively) or - for stdin. A posting that cannot be read is reported and "
        "the others are still processed (exit status 1); the output file is written whole or not "
        "at all.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.add_argument(
        "--format",
        choices=["jsonl", "json", "text", "parquet"],
        help="jsonl: annotation format with a score per segment (default); json: segment texts grouped "
        "by label; text: readable; parquet. Default: from the output file's suffix, else jsonl",
    )
    p.add_argument("--model", help="model directory (default: $JOBSECTIONS_MODEL or the shipped model)")
    p.add_argument(
        "--use-segments",
        action="store_true",
        help="take the segments given in annotation JSONL input and only label them",
    )
    p.add_argument("--batch-size", type=int, default=64, help="postings per classifier call (default 64)")
    from jobsections.batch import chunk_size

    p.add_argument(
        "--chunk",
        type=chunk_size,
        metavar="N",
        help="for one big .jsonl/.parquet INPUT: stream it and write every N input rows to a numbered part "
        "file (jsonl, or parquet with --format parquet) in the directory -o OUT_DIR, each atomically, with "
        "OUT_DIR/manifest.json",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="go on with the chunked run in -o OUT_DIR: parts already written and checked (size, SHA-256) are skipped",
    )
    p.set_defaults(func=_cmd_predict)

    t = sub.add_parser(
        "train",
        help="train a model on annotation JSONL",
        description="Train a model on annotation JSONL files (FORMAT.md) and write a model "
        "directory: arrays and JSON, no code (card.json: labels, versions, data hash and size, settings, "
        "metrics when --eval is given; manifest.json: every file with its size and SHA-256).",
    )
    t.add_argument("annotations", nargs="+", metavar="ANNOTATIONS")
    t.add_argument("-o", "--output", required=True, help="model directory to write")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0); the same seed gives the same model")
    t.add_argument("--eval", nargs="+", metavar="ANNOTATIONS", help="held-out annotations to score into the card")
    t.add_argument("--no-flatten", action="store_true", help="do not also learn each posting with line breaks removed")
    t.add_argument(
        "--smoothing",
        action="store_true",
        help="add a second stage over neighbouring segments (slower; +0.2 points in our tests)",
    )
    t.set_defaults(func=_cmd_train)

    e = sub.add_parser(
        "evaluate",
        help="score a model against annotation JSONL",
        description="Score a model against annotated postings in FORMAT.md's three views: "
        "segmentation (exact boundaries), classification on gold segments, and end to end over "
        "characters; per label precision, recall (= per-label accuracy), F1, support, overall "
        "accuracy and macro-F1, and confusion matrices (rows gold, columns predicted).",
    )
    e.add_argument(
        "annotations",
        nargs="*" if default_annotations else "+",
        default=list(default_annotations),
        metavar="ANNOTATIONS",
    )
    e.add_argument("--model", help="model directory (default: $JOBSECTIONS_MODEL or the shipped model)")
    e.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="K-fold cross-validation grouped by posting instead: train on K-1 folds, score the rest",
    )
    e.add_argument("--seed", type=int, default=0, help="seed of the fold split and training (default 0)")
    e.add_argument(
        "--flatten",
        action="store_true",
        help="replace every line break of the postings by a space before scoring, as scraped text arrives "
        "(offsets are unchanged)",
    )
    e.add_argument("--json", action="store_true", help="print the full report as JSON")
    e.set_defaults(func=_cmd_evaluate)

    c = sub.add_parser(
        "convert",
        help="convert an old pickled model (model.joblib) to the current format",
        description="Convert a model of format version 1 or 2 (a model.joblib pickle) into the current "
        "format (arrays and JSON, loaded without running code). Reading the old file unpickles it, "
        "which runs any code it holds: --trust-pickle is required, for models from a trusted source only. "
        "NEW may be OLD (its model.joblib is then removed).",
    )
    c.add_argument("old", metavar="OLD", help="old model directory (or its model.joblib)")
    c.add_argument("new", metavar="NEW", help="model directory to write")
    c.add_argument("--trust-pickle", action="store_true", help="confirm that OLD is trusted: unpickling runs its code")
    c.set_defaults(func=_cmd_convert)

    sp = sub.add_parser(
        "spark-predict",
        help="segment and label Parquet postings with Spark, one output row per segment",
        description="Read Parquet postings (a 'text' column, optional 'id') with Spark, segment and label them "
        "on the executors (the model shipped to them), and write OUT_DIR as Parquet with one row per segment: "
        "id, start, end, label, score, kind, text. Needs pyspark (pip install 'jobsections[spark]') and Java.",
    )
    sp.add_argument("inputs", nargs="+", metavar="INPUT", help="Parquet file(s) or folder(s)")
    sp.add_argument("-o", "--output", required=True, metavar="OUT_DIR", help="directory to write (must not exist)")
    sp.add_argument("--master", help="Spark master, e.g. local[2] (default: Spark's, as spark-submit sets it)")
    sp.add_argument("--model", help="model directory (default: $JOBSECTIONS_MODEL or the shipped model)")
    sp.add_argument("--text-col", default="text", help="column of the posting text (default text)")
    sp.add_argument("--id-col", default="id", help="column of the posting id, if present (default id)")
    sp.add_argument("--batch-size", type=chunk_size, default=64, help="postings per classifier call (default 64)")
    sp.set_defaults(func=_cmd_spark_predict)
    return parser


def main(argv: Sequence[str] | None = None, default_annotations: Sequence[str] = ()) -> int:
    """Run the command line; user errors become one line on stderr and exit status 2."""
    from jobsections.model import ModelError
    from jobsections.readers import InputError

    args = build_parser(default_annotations).parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.showwarning = lambda msg, *a, **k: print(f"jobsections: warning: {msg}", file=sys.stderr)
        try:
            return args.func(args)
        except (InputError, ModelError, OSError) as e:
            print(f"jobsections: error: {e}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("jobsections: interrupted", file=sys.stderr)
            return 130


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
