"""The `jobsections` command: argument parsing and printing only; the library does the work."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from jobsections.readers import InputError

EXAMPLES = """\
examples:
  jobsections predict posting.txt                      segments with labels, as JSONL on stdout
  jobsections predict postings/ -o out.json --format json
  cat page.html | jobsections predict - --format text
  jobsections train annotations/written.jsonl -o my-model --seed 0
  jobsections evaluate annotations/seeds.jsonl --model my-model
  jobsections evaluate annotations/written.jsonl --cv 10
  jobsections annotate postings/ -o ls/tasks.json --limit 20     Label Studio tasks + ls/labels.xml
  jobsections import export.json -o mine.jsonl                     Label Studio / Prodigy → annotations
  jobsections train --base model/ mine.jsonl -o my-model           the shipped corpus plus your postings
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
    from jobsections.adapt import prepare_training, repeated, write_training_data
    from jobsections.annotations import load_annotations, postings_of
    from jobsections.evaluation import evaluate
    from jobsections.model import save_model
    from jobsections.train import CLASSIFIER_COPIES, train_model

    if not args.annotations and not args.base:
        raise InputError("give annotation files to train on (or --base DIR to retrain a model on its own data)")
    mine = postings_of(load_annotations(args.annotations)) if args.annotations else []
    postings, adaptation = prepare_training(mine, args.base, args.weight)
    if adaptation:
        print(
            f"jobsections: {adaptation['base_postings_kept']} postings of {args.base} and {len(mine)} of yours "
            f"(weight {adaptation['weight']})",
            file=sys.stderr,
        )
    print(f"jobsections: training on {len(postings)} postings ...", file=sys.stderr)
    model = train_model(
        repeated(postings),
        seed=args.seed,
        copies=() if args.no_copies else CLASSIFIER_COPIES,
        boundary=not args.no_boundary,
        smoothing=args.smoothing,
    )
    if adaptation:
        model.card["adaptation"] = adaptation
    if args.eval:
        held_out = postings_of(load_annotations(args.eval))
        report = evaluate(model, held_out)
        model.card["metrics"] = {"data": [str(p) for p in args.eval], **_summary(report)}
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

        from jobsections.variants import apply_steps

        datasets.disable_progress_bars()
        dataset = dataset.map(
            lambda row: dict(zip(("text", "segments"), apply_steps(row["text"], row["segments"], layout)))
        )
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
    report["title"] = title + "".join(f", {LAYOUT_TITLES[step[0]].format(*step[1:])}" for step in layout)
    report["layout"] = [list(step) for step in layout]
    report["data"] = [str(p) for p in args.annotations]
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(format_report(report, title))
    return 0


def _cmd_annotate(args: argparse.Namespace) -> int:
    from jobsections.labelstudio import make_tasks, model_version, write_tasks
    from jobsections.model import load_model
    from jobsections.predict import predict_records
    from jobsections.readers import iter_postings

    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit {args.limit}: give at least 1")
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
}


def _layout_steps(args: argparse.Namespace) -> list[tuple[Any, ...]]:
    """The layout variants asked for on the command line, in the order they apply."""
    steps: list[tuple[Any, ...]] = []
    for name in ("strip_markers", "glue", "flatten", "flatten_lines"):
        if getattr(args, name):
            steps.append((name.replace("_", "-"),))
    if args.rewrap is not None:
        if args.rewrap < 10:
            raise InputError(f"--rewrap {args.rewrap}: give a width of at least 10 columns")
        steps.append(("rewrap", args.rewrap))
    return steps


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
    sub = parser.add_subparsers(dest="command", required=True, metavar="{predict,train,evaluate,annotate,import}")

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
    p.set_defaults(func=_cmd_predict)

    t = sub.add_parser(
        "train",
        help="train a model on annotation JSONL",
        description="Train a model on annotation JSONL files (FORMAT.md) and write a model "
        "directory: model.joblib, card.json (labels, versions, data hash and size, settings, "
        "metrics when --eval is given) and training.jsonl (the postings trained on, texts included). "
        "With --base DIR, your postings are added to those DIR was trained on, each counted W times "
        "(--weight): `jobsections train --base model/ mine.jsonl -o my-model` adapts the shipped model "
        "to your postings. A model file is code: share and load only trusted ones.",
    )
    t.add_argument("annotations", nargs="*", metavar="ANNOTATIONS")
    t.add_argument("-o", "--output", required=True, help="model directory to write")
    t.add_argument(
        "--base",
        metavar="DIR",
        help="also train on the postings model DIR was trained on (its training.jsonl; the shipped model/ "
        "carries the written corpus): your ANNOTATIONS are added to them",
    )
    t.add_argument(
        "--weight",
        type=int,
        metavar="W",
        help="with --base: each of your postings counts W times (a whole number; default 3)",
    )
    t.add_argument(
        "--no-training-data",
        action="store_true",
        help="do not copy the training postings into the model directory as training.jsonl "
        "(the model can then not be a --base)",
    )
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0); the same seed gives the same model")
    t.add_argument("--eval", nargs="+", metavar="ANNOTATIONS", help="held-out annotations to score into the card")
    t.add_argument(
        "--no-copies",
        action="store_true",
        help="do not also learn each posting's classifier rows with its white space collapsed",
    )
    t.add_argument(
        "--no-boundary",
        action="store_true",
        help="no learned boundary model: text without layout is cut by the rules alone",
    )
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
    v = e.add_argument_group(
        "layout variants",
        "score the postings after changing their layout, the gold offsets carried through; "
        "several apply in this order: --strip-markers, --glue, --flatten / --flatten-lines, --rewrap",
    )
    v.add_argument("--strip-markers", action="store_true", help="remove list markers and decoration")
    v.add_argument("--glue", action="store_true", help="run segments split by a line break into each other, no space")
    v.add_argument(
        "--flatten", action="store_true", help="collapse every white-space run to one space, as scraped text arrives"
    )
    v.add_argument(
        "--flatten-lines", action="store_true", help="replace each line break by a space, other white space kept"
    )
    v.add_argument("--rewrap", type=int, metavar="N", help="hard-wrap lines longer than N characters at spaces")
    e.add_argument("--json", action="store_true", help="print the full report as JSON")
    e.set_defaults(func=_cmd_evaluate)

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
    a.add_argument("--limit", type=int, metavar="N", help="keep only the N most uncertain postings")
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
