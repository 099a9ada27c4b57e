#!/usr/bin/env python3
"""What the model's settings are worth: grouped K-fold cross-validation on the written corpus,
and the dev set of real postings.

Each configuration is trained on K-1 folds of postings and scored on the held-out fold, on the
gold segments (FORMAT.md's view 2), as written and with white space collapsed; each fold's model
also scores the dev set (when built, see `measure.py`) end to end and on its gold segments, and
the dev figures are the mean over the folds. The training time per fold is reported too.
Configurations are selected by both, never by the seeds alone. Writes
training/results/ablation.{md,json}.

Usage: python training/ablation.py [--folds 3] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from measure import summary, test_sets

from jobsections.annotations import kfold, load_annotations, postings_of
from jobsections.evaluation import evaluate
from jobsections.segment.variants import variant
from jobsections.train import gold_rows, train_model

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {
    "shipped: boundary model, calibrated SVM, char n-grams, context, heading and section copies, second stage": {},
    "no second stage (stage one's labels; shipped until 2026-12-04)": {"smoothing": False},
    "no boundary model (rules only)": {"boundary": False},
    "+ collapsed training copies (white space collapsed; shipped until 2026-12-03)": {"copies": ("flatten",)},
    "no heading copies (rows without their headings)": {"heading_copies": False},
    "+ collapsed and scraped copies (markers stripped, items glued)": {"copies": ("flatten", "scraped")},
    "no context features (segment alone)": {"context": False},
    "no character n-grams": {"char": False},
    "no class weights": {"class_weight": None},
    "logistic regression instead of SVM": {"learner": "logreg", "C": 4.0},
    "SGD (log loss) instead of SVM": {"learner": "sgd"},
    "no section copies (each posting also with its sections reordered; shipped since 2026-12-04)": {
        "section_copies": False
    },
    "no masked postings (one in four learned with its numbers masked; shipped since 2026-12-07)": {"masked_every": 0},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT / "annotations/written.jsonl"))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--only", nargs="+", help="configurations to run (default: all), by number from 1")
    parser.add_argument("--out", default=str(ROOT / "training/results"))
    args = parser.parse_args()
    folds = list(kfold(load_annotations([args.data]), args.folds, seed=0))
    dev = test_sets().get("dev")
    chosen = [c for i, c in enumerate(CONFIGS, 1) if not args.only or str(i) in args.only]
    results = []
    for name in chosen:
        correct = flat_correct = total = 0
        seconds = 0.0
        dev_runs = []
        for train, test in folds:
            started = time.perf_counter()
            model = train_model(postings_of(train), seed=0, **CONFIGS[name])
            seconds += time.perf_counter() - started
            for i, posting in enumerate(postings_of(test)):
                for is_flat, p in ((False, posting), (True, variant(posting, "flatten"))):
                    rows, labels = gold_rows(p, i, model.boundary)
                    hits = int((model.classifier.predict(rows) == np.array(labels)).sum())
                    if is_flat:
                        flat_correct += hits
                    else:
                        correct += hits
                        total += len(labels)
            if dev:
                dev_runs.append(summary(evaluate(model, dev)))
        row = {"config": name, "accuracy": correct / total, "flat_accuracy": flat_correct / total,
               "train_seconds_per_fold": seconds / len(folds), "segments": total}  # fmt: skip
        for key in ("end_to_end_accuracy", "classification_accuracy", "segmentation_f1"):
            row[f"dev_{key}"] = float(np.mean([r[key] for r in dev_runs])) if dev_runs else None
        results.append(row)
        print(json.dumps(row), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ablation.json").write_text(json.dumps(results, indent=1) + "\n")
    lines = ["| configuration | CV gold segments | CV, white space collapsed | dev end to end | dev gold segments "
             "| dev segmentation F1 | training s/fold |", "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    dev_cell = lambda x: f"{x:.3f}" if x is not None else "-"  # noqa: E731
    lines += [
        f"| {r['config']} | {r['accuracy']:.3f} | {r['flat_accuracy']:.3f} | {dev_cell(r['dev_end_to_end_accuracy'])} "
        f"| {dev_cell(r['dev_classification_accuracy'])} | {dev_cell(r['dev_segmentation_f1'])} "
        f"| {r['train_seconds_per_fold']:.0f} |"
        for r in results
    ]
    (out / "ablation.md").write_text(
        f"{args.folds}-fold CV grouped by posting on the written corpus; dev: mean of "
        "the fold models on the 24 dev postings\n\n" + "\n".join(lines) + "\n"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
