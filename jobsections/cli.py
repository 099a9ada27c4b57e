"""The `jobsections` command: argument parsing and printing only; the library does the work."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

EXAMPLES = """\
examples:
  jobsections predict posting.txt                      segments with labels, as JSONL on stdout
  jobsections predict postings/ -o out.json --format json
  jobsections predict postings/ -o page.html           one HTML page, segments coloured by label
  cat page.html | jobsections predict - --format text
  jobsections train annotations/written.jsonl -o my-model --seed 0
  jobsections evaluate annotations/seeds.jsonl --model my-model
  jobsections evaluate annotations/written.jsonl --cv 10
  jobsections evaluate annotations/seeds.jsonl --html report.html
  jobsections convert --trust-pickle old-model new-model
  jobsections annotate postings/ -o ls/tasks.json --limit 20     Label Studio tasks + ls/labels.xml
  jobsections import export.json -o mine.jsonl                     Label Studio / Prodigy → annotations
  jobsections train --base model/ mine.jsonl -o my-model           the shipped corpus plus your postings
"""


SEED_MAX = 2**32 - 1  # scikit-learn and datasets take seeds in [0, 2**32)


def _whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high], so a bad value is a usage error, never a traceback."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"expected a whole number {span}, got {text!r}")
        return value

    return parse


class _Errors:
    """Collects the problems of a batch, reporting each one line on stderr as it comes."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, error: Exception) -> None:
        self.count += 1
        print(f"jobsections: error: {error}", file=sys.stderr)


def _count(n: int, noun: str) -> str:
    """`1 posting`, `2 postings`."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _progress(iterable: Any, total: int | None, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=" postings", disable=None, file=sys.stderr, leave=False)


def _warn_duplicate_ids(postings: Sequence[Any]) -> None:
    """Warn once about ids that several postings share (their records would be confused downstream)."""
    first: dict[str, str] = {}
    clashes = []
    for p in postings:
        where = p.origin or p.source
        if p.id in first:
            clashes.append(f"{p.id!r} ({first[p.id]} and {where})")
        else:
            first[p.id] = where
    if clashes:
        more = f", and {len(clashes) - 3} more" if len(clashes) > 3 else ""
        noun = "id" if len(clashes) == 1 else "ids"
        warnings.warn(
            f"duplicate posting {noun} {', '.join(clashes[:3])}{more}; each posting is still labelled", stacklevel=2
        )


@contextmanager
def _ticking(desc: str, file: Any = None, interval: float = 0.5) -> Iterator[None]:
    """A progress line with the elapsed time, refreshed while a step of unknown length runs
    (scikit-learn's fit tells nothing); only on a terminal, as tqdm decides."""
    from tqdm import tqdm

    bar = tqdm(desc=desc, bar_format="{desc}: {elapsed}", file=file or sys.stderr, disable=None, leave=False)
    if bar.disable:
        yield
        return
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(interval):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()
        bar.close()


def _cmd_predict(args: argparse.Namespace) -> int:
    if args.chunk is not None or args.resume:
        from jobsections.batch import predict_chunked

        return predict_chunked(args)

    from jobsections.readers import iter_postings
    from jobsections.writers import check_output, format_for, write_records

    fmt = format_for(args.output, args.format)
    check_output(args.output, fmt, args.inputs)
    errors = _Errors()
    postings = list(iter_postings(args.inputs, errors, args.input_format, args.max_chars))
    _warn_duplicate_ids(postings)
    if args.use_segments:
        missing = [p for p in postings if p.segments is None]
        for p in missing:
            errors(
                ValueError(
                    f"{p.origin or p.source}: --use-segments needs annotation JSONL; posting {p.id!r} has no segments"
                )
            )
        postings = [p for p in postings if p.segments is not None]
    if not postings:
        print("jobsections: error: no posting could be read", file=sys.stderr)
        return 2
    # Imported once the inputs are read: a mistake in them is reported without loading scikit-learn.
    from jobsections.model import load_model
    from jobsections.predict import predict_records, relabel_records

    model = load_model(args.model)
    if args.use_segments:
        records: Any = relabel_records(model, postings)
    else:
        records = predict_records(model, postings, args.batch_size)
    n = write_records(_progress(records, len(postings), "predict"), args.output, fmt)
    if args.output not in (None, "-"):
        print(f"jobsections: wrote {_count(n, 'posting')} to {args.output} ({fmt})", file=sys.stderr)
    return 1 if errors.count else 0


def _cmd_train(args: argparse.Namespace) -> int:
    from jobsections.adapt import prepare_training, write_training_data
    from jobsections.annotations import load_annotations, postings_of, weight_of
    from jobsections.evaluation import evaluate
    from jobsections.model import save_model
    from jobsections.train import CLASSIFIER_COPIES, COLLAPSED_COPY, MASKED_EVERY, train_model
    from jobsections.writers import check_output_dir

    # Every path is checked, and every file read, before the training starts.
    check_output_dir(args.output)
    if not args.annotations and not args.base:
        from jobsections.readers import InputError

        raise InputError("give annotation files to train on (or --base DIR to retrain a model on its own data)")
    mine = postings_of(load_annotations(args.annotations)) if args.annotations else []
    held_out = postings_of(load_annotations(args.eval)) if args.eval else []
    postings, adaptation = prepare_training(mine, args.base, args.weight)
    if adaptation:
        print(
            f"jobsections: {adaptation['base_postings_kept']} postings of {args.base} and {len(mine)} of yours "
            f"(weight {adaptation['weight']})",
            file=sys.stderr,
        )
    segments = sum(len(p.segments or []) for p in postings)
    weighted = sum(map(weight_of, postings))
    counted = f", {weighted} counting their weights" if weighted != len(postings) else ""
    print(
        f"jobsections: training on {_count(len(postings), 'posting')}{counted} ({_count(segments, 'segment')}) ...",
        file=sys.stderr,
    )
    started = time.perf_counter()
    with _ticking("training"):
        model = train_model(
            postings,
            seed=args.seed,
            copies=COLLAPSED_COPY if args.collapsed_copies else CLASSIFIER_COPIES,
            heading_copies=not args.no_heading_copies,
            boundary=not args.no_boundary,
            smoothing=not args.no_smoothing,
            section_copies=not args.no_section_copies,
            masked_every=MASKED_EVERY if args.masked_every is None else args.masked_every,
            chain=args.chain,
        )
    print(f"jobsections: trained in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if adaptation:
        model.card["adaptation"] = adaptation
    if args.eval:
        with _ticking("evaluating on --eval"):
            report = evaluate(model, held_out)
        model.card["metrics"] = {"data": [str(p) for p in args.eval], **_summary(report)}
        m = model.card["metrics"]
        print(
            f"jobsections: on --eval ({_count(len(held_out), 'posting')}): "
            f"end to end accuracy {m['end_to_end_accuracy']:.3f}, macro-F1 {m['end_to_end_macro_f1']:.3f}; "
            f"gold segments accuracy {m['classification_accuracy']:.3f}; segmentation F1 {m['segmentation_f1']:.3f}",
            file=sys.stderr,
        )
    save_model(model, args.output)
    if not args.no_training_data:
        write_training_data(postings, args.output)
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
    layout = _layout_steps(args)
    if layout:
        import datasets

        from jobsections.segment.variants import apply_steps

        datasets.disable_progress_bars()
        dataset = dataset.map(
            lambda row: dict(zip(("text", "segments"), apply_steps(row["text"], row["segments"], layout)))
        )
    details = bool(args.html)
    if args.cv is not None:
        report = cross_validate(dataset, args.cv, seed=args.seed, progress=True, details=details)
        title = f"{args.cv}-fold cross-validation grouped by posting on {len(dataset)} postings"
    else:
        model = load_model(args.model)
        report = evaluate(model, postings_of(dataset), details=details)
        data = model.card.get("training_data", {})
        title = (
            f"model {args.model or 'shipped'} (trained on {data.get('postings', '?')} postings, "
            f"data hash {data.get('hash', '?')}) on {len(dataset)} postings"
        )
    report["title"] = title + "".join(f", {LAYOUT_TITLES[step[0]].format(*step[1:])}" for step in layout)
    report["layout"] = [list(step) for step in layout]
    report["data"] = [str(p) for p in args.annotations]
    if args.html:
        from jobsections.report import evaluation_page, write_page

        write_page(evaluation_page(report), args.html)
        print(f"jobsections: wrote the report to {args.html}", file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(format_report(report, report["title"]))
    return 0


def _cmd_annotate(args: argparse.Namespace) -> int:
    from jobsections.labelstudio import make_tasks, model_version, write_tasks
    from jobsections.model import load_model
    from jobsections.predict import predict_records
    from jobsections.readers import iter_postings

    errors = _Errors()
    postings = list(iter_postings(args.inputs, errors))
    if not postings:
        print("jobsections: error: no posting could be read", file=sys.stderr)
        return 2
    model = load_model(args.model)
    records = list(_progress(predict_records(model, postings), len(postings), "annotate"))
    tasks = make_tasks(records, model_version(model.card), args.limit)
    path, config = write_tasks(tasks, args.output)
    print(
        f"jobsections: wrote {len(tasks)} Label Studio tasks to {path}, most uncertain first "
        f"(lowest segment probability {tasks[0]['predictions'][0]['score']:.2f}), and the labelling config "
        f"to {config}",
        file=sys.stderr,
    )
    return 1 if errors.count else 0


def _cmd_import(args: argparse.Namespace) -> int:
    from jobsections.labelstudio import import_exports, write_annotations

    errors = _Errors()
    postings, stats = import_exports(args.exports, errors)
    for note in stats.skipped:
        print(f"jobsections: skipped {note}", file=sys.stderr)
    if postings:
        write_annotations(postings, args.output)
    print(
        f"jobsections: {len(postings)} annotated postings written to {args.output} from {stats.tasks} exported records "
        f"({len(stats.skipped)} without an annotation, {errors.count} bad, {stats.reanchored} regions re-anchored, "
        f"{len(stats.replaced)} older annotations replaced)"
        if postings
        else f"jobsections: no annotated posting in {stats.tasks} exported records; nothing written",
        file=sys.stderr,
    )
    return 1 if errors.count or not postings else 0


LAYOUT_TITLES = {
    "strip-markers": "list markers stripped",
    "glue": "lines glued",
    "flatten": "white space collapsed",
    "flatten-lines": "line breaks replaced by spaces",
    "rewrap": "re-wrapped at {} columns",
    "pdf": "copied out of a PDF",
}


def _layout_steps(args: argparse.Namespace) -> list[tuple[Any, ...]]:
    """The layout variants asked for on the command line, in the order they apply."""
    steps: list[tuple[Any, ...]] = []
    for name in ("strip_markers", "glue", "flatten", "flatten_lines"):
        if getattr(args, name):
            steps.append((name.replace("_", "-"),))
    if args.rewrap is not None:
        steps.append(("rewrap", args.rewrap))
    if args.pdf:
        steps.append(("pdf",))
    return steps


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
    from jobsections.readers import INPUT_FORMATS, MAX_POSTING_CHARS  # a light module: no spaCy, sklearn, datasets

    parser.add_argument("--version", action="version", version=f"jobsections {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="{predict,train,evaluate,convert,spark-predict,annotate,import}"
    )

    p = sub.add_parser(
        "predict",
        help="segment and label postings",
        description="Segment and label postings. INPUT is a .txt file, a .md file (parsed as Markdown) "
        "or an .html file (the offsets then refer to the text extracted), a .jsonl file "
        '(annotation format or {"id", "text"} lines), a .json file (one such object or a list), a .csv '
        "or .parquet file with a 'text' column (and optionally 'id'), a folder (read recursively; files "
        "it cannot read are named in a warning) or - for stdin. PDF and Word files are refused: convert "
        "them to text first. A posting that cannot be read is reported and "
        "the others are still processed (exit status 1); the output file is written whole or not "
        "at all.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument(
        "--input-format",
        choices=INPUT_FORMATS,
        default="auto",
        help="how to read every input file and stdin (default auto: by suffix; stdin and unknown suffixes "
        "are sniffed: Parquet, JSON Lines when the first non-blank line is a JSON object, HTML, else text)",
    )
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.add_argument(
        "--format",
        choices=["jsonl", "json", "text", "parquet", "html"],
        help="jsonl: annotation format with a score per segment (default); json: segment texts grouped "
        "by label; text: readable; parquet; html: one self-contained page, each segment coloured by "
        "label, confidence on hover, segments below 0.5 outlined, a summary per posting. Default: from "
        "the output file's suffix, else jsonl",
    )
    p.add_argument("--model", help="model directory (default: $JOBSECTIONS_MODEL or the shipped model)")
    p.add_argument(
        "--use-segments",
        action="store_true",
        help="take the segments given in annotation JSONL input and only label them",
    )
    p.add_argument(
        "--max-chars",
        type=_whole_number(1),
        default=MAX_POSTING_CHARS,
        metavar="N",
        help=f"refuse a posting longer than N characters (default {MAX_POSTING_CHARS:,}; one is rarely above "
        "50,000; memory grows by about 110 MB per million characters); above 1,000,000 a warning",
    )
    p.add_argument("--batch-size", type=_whole_number(1), default=64, help="postings per classifier call (default 64)")
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
        "metrics when --eval is given; manifest.json: every file with its size and SHA-256). "
        "With --base DIR, your postings are added to those DIR was trained on (its training.jsonl, written "
        "beside the model), each counted W times (--weight): `jobsections train --base model/ mine.jsonl "
        '-o my-model` adapts the shipped model to your postings. A posting with "meta": {"weight": W} '
        "counts W times.",
    )
    t.add_argument("annotations", nargs="*", metavar="ANNOTATIONS")
    t.add_argument("-o", "--output", required=True, help="model directory to write")
    t.add_argument(
        "--seed",
        type=_whole_number(0, SEED_MAX),
        default=0,
        help="random seed, 0 to 2**32-1 (default 0); the same seed gives the same model",
    )
    t.add_argument(
        "--base",
        metavar="DIR",
        help="also train on the postings model DIR was trained on (its training.jsonl; the shipped model/ "
        "carries the written corpus): your ANNOTATIONS are added to them",
    )
    t.add_argument(
        "--weight",
        type=_whole_number(1),
        metavar="W",
        help="with --base: each of your postings counts W times (a whole number; default 3), "
        "in place of its own meta.weight",
    )
    t.add_argument(
        "--no-training-data",
        action="store_true",
        help="do not copy the training postings into the model directory as training.jsonl "
        "(the model can then not be a --base)",
    )
    t.add_argument("--eval", nargs="+", metavar="ANNOTATIONS", help="held-out annotations to score into the card")
    t.add_argument(
        "--collapsed-copies",
        action="store_true",
        help="also learn each posting's classifier rows with its white space collapsed (off by default: "
        "on real postings it cost a point, see the README)",
    )
    t.add_argument(
        "--no-heading-copies",
        action="store_true",
        help="do not also learn each posting's rows with its headings left out (copies that teach the "
        "classifier to read a segment's own words first, as real postings' headings mislead)",
    )
    t.add_argument(
        "--no-section-copies",
        action="store_true",
        help="do not also learn each posting with its sections (a heading and what follows it) in another "
        "order (copies that teach the classifier that a section's place says little, as in one-line ads: "
        "on the README's dev set they lift the UK ads by about 3 points and cost the seeds 1)",
    )
    t.add_argument(
        "--masked-every",
        type=_whole_number(0),
        metavar="N",
        help="learn one posting in N (chosen by its id) with its numbers masked as job boards mask them "
        "(`Salary **** to ****`) instead of as written; 0: none (default: 4)",
    )
    t.add_argument(
        "--no-boundary",
        action="store_true",
        help="no learned boundary model: text without layout is cut by the rules alone",
    )
    t.add_argument(
        "--no-smoothing",
        action="store_true",
        help="no second stage (which relabels each segment from the first stage's probabilities for it, its "
        "neighbours and its heading): training about 13%% faster, 1.3 points lower on the README's dev set",
    )
    t.add_argument(
        "--chain",
        action="store_true",
        help="a linear-chain CRF as the second stage, which also learns which label follows which along "
        "the posting, instead of a logistic regression per segment: on the README's dev set 0.5 points "
        "lower (1.8 higher on the seeds with white space collapsed), training about 25%% slower",
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
        type=_whole_number(2),
        metavar="K",
        help="K-fold cross-validation grouped by posting instead: train on K-1 folds, score the rest",
    )
    e.add_argument(
        "--seed",
        type=_whole_number(0, SEED_MAX),
        default=0,
        help="seed of the fold split and training, 0 to 2**32-1 (default 0)",
    )
    v = e.add_argument_group(
        "layout variants",
        "score the postings after changing their layout, the gold offsets carried through; "
        "several apply in this order: --strip-markers, --glue, --flatten / --flatten-lines, --rewrap, --pdf",
    )
    v.add_argument("--strip-markers", action="store_true", help="remove list markers and decoration")
    v.add_argument("--glue", action="store_true", help="run segments split by a line break into each other, no space")
    v.add_argument(
        "--flatten", action="store_true", help="collapse every white-space run to one space, as scraped text arrives"
    )
    v.add_argument(
        "--flatten-lines", action="store_true", help="replace each line break by a space, other white space kept"
    )
    v.add_argument(
        "--rewrap",
        type=_whole_number(10),
        metavar="N",
        help="hard-wrap lines longer than N (>= 10) characters at spaces",
    )
    v.add_argument(
        "--pdf",
        action="store_true",
        help="lay each posting out on A4 pages with a header and page numbers (fpdf2: pip install "
        "'jobsections[pdf]') and take the text pdftotext extracts (apt-get install poppler-utils); "
        "the gold moves by aligning words, and the page furniture is gold 'other'",
    )
    e.add_argument("--json", action="store_true", help="print the full report as JSON")
    e.add_argument(
        "--html",
        metavar="REPORT.html",
        help="also write the report as one self-contained HTML page: the three views with bars, the "
        "confusion matrices as heat maps, and the 40 gold segments with the lowest probability of their "
        "gold label, in context (adds their details, 'segments', to --json)",
    )
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

    a = sub.add_parser(
        "annotate",
        help="write Label Studio tasks with the model's labels as pre-annotations",
        description="Label postings with the model and write them as Label Studio tasks (a JSON list: "
        "data.text, meta with id and source, the segments under predictions with a score each), most "
        "uncertain first: by the lowest segment probability of a posting, ties by the mean (that lowest "
        "probability is also the prediction's score in Label Studio). labels.xml, the matching labelling "
        "config, is written beside the tasks. INPUT is read as by `predict`.",
    )
    a.add_argument("inputs", nargs="+", metavar="INPUT")
    a.add_argument("-o", "--output", required=True, help="tasks file to write (labels.xml goes beside it)")
    a.add_argument("--model", help="model directory (default: $JOBSECTIONS_MODEL or the shipped model)")
    a.add_argument("--limit", type=_whole_number(1), metavar="N", help="keep only the N most uncertain postings")
    a.set_defaults(func=_cmd_annotate)

    m = sub.add_parser(
        "import",
        help="turn Label Studio or Prodigy annotations into annotation JSONL",
        description="Read Label Studio exports (JSON or JSON-MIN) and Prodigy JSONL (db-out; accepted "
        "answers only) into annotation JSONL (FORMAT.md). Regions whose offsets do not match their text "
        "are re-anchored (UTF-16 offsets of older Label Studio versions, collapsed white space) or the task "
        "is rejected; regions are trimmed; cancelled annotations are dropped and the newest annotation of "
        "a posting is kept. Every posting is checked (sorted, non-overlapping, every word labelled); a bad "
        "task is reported with its id and the others are still imported (exit status 1).",
    )
    m.add_argument("exports", nargs="+", metavar="EXPORT")
    m.add_argument("-o", "--output", required=True, help="annotation JSONL file to write")
    m.set_defaults(func=_cmd_import)
    return parser


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program stands so that temporary files are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: Any) -> None:
    raise _Terminated(signum)


@contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind the stack as Ctrl-C does, in the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), _on_signal) for name in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def main(argv: Sequence[str] | None = None, default_annotations: Sequence[str] = ()) -> int:
    """Run the command line; user errors become one line on stderr and exit status 2."""
    args = build_parser(default_annotations).parse_args(argv)
    try:
        with _signals_as_exceptions():
            code = _run(args)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
            return code
    except _Terminated as e:
        print(f"jobsections: terminated by {signal.Signals(e.signum).name}", file=sys.stderr)
        return 128 + e.signum
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
        _discard_stdout()
        return 128 + getattr(signal, "SIGPIPE", 13)


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is no file (tests, embedding)
        pass


def _user_errors() -> tuple[type[Exception], ...]:
    """The exceptions that are a user's mistake (one line, exit 2). The model module (scikit-learn)
    is not imported for this: if it was never imported, no `ModelError` can have been raised."""
    from jobsections.readers import InputError

    model = sys.modules.get("jobsections.model")
    return (InputError, OSError, *((model.ModelError,) if model is not None else ()))


def _run(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.showwarning = lambda msg, *a, **k: print(f"jobsections: warning: {msg}", file=sys.stderr)
        try:
            return args.func(args)
        except BrokenPipeError:
            raise
        except Exception as e:
            if not isinstance(e, _user_errors()):
                raise
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
