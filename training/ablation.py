#!/usr/bin/env python3
"""What the model's settings are worth: grouped K-fold cross-validation on the written corpus.

Each configuration is trained on K-1 folds of postings and scored on the held-out fold, on the
gold segments (FORMAT.md's view 2), as written and with line breaks replaced by spaces; the
training time per fold is reported too. Writes training/results/ablation.{md,json}.

Usage: python training/ablation.py [--folds 5]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from jobsections.annotations import kfold, load_annotations, postings_of
from jobsections.train import flatten, gold_rows, train_model

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {
    "shipped: calibrated linear SVM, char n-grams, context, flattened copies": {},
    "+ smoothing over neighbours (second stage)": {"smoothing": True},
    "no context features (segment alone)": {"context": False},
    "no character n-grams": {"char": False},
    "no flattened training copies": {"flatten_copies": False},
    "no class weights": {"class_weight": None},
    "logistic regression instead of SVM": {"learner": "logreg", "C": 4.0},
    "SGD (log loss) instead of SVM": {"learner": "sgd"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT / "annotations/written.jsonl"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "training/results"))
    args = parser.parse_args()
    folds = list(kfold(load_annotations([args.data]), args.folds, seed=0))
    results = []
    for name, params in CONFIGS.items():
        correct = flat_correct = total = 0
        seconds = 0.0
        for train, test in folds:
            started = time.perf_counter()
            model = train_model(postings_of(train), seed=0, **params)
            seconds += time.perf_counter() - started
            for i, posting in enumerate(postings_of(test)):
                for text, is_flat in ((posting.text, False), (flatten(posting.text), True)):
                    rows, labels = gold_rows(posting, i, text)
                    hits = int((model.classifier.predict(rows) == np.array(labels)).sum())
                    if is_flat:
                        flat_correct += hits
                    else:
                        correct += hits
                        total += len(labels)
        row = {"config": name, "accuracy": correct / total, "flat_accuracy": flat_correct / total,
               "train_seconds_per_fold": seconds / len(folds), "segments": total}  # fmt: skip
        results.append(row)
        print(json.dumps(row), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ablation.json").write_text(json.dumps(results, indent=1) + "\n")
    lines = [f"| configuration ({args.folds}-fold CV by posting, gold segments) | accuracy | accuracy, no line "
             "breaks | training s/fold |", "|---|---:|---:|---:|"]  # fmt: skip
    lines += [
        f"| {r['config']} | {r['accuracy']:.3f} | {r['flat_accuracy']:.3f} | {r['train_seconds_per_fold']:.0f} |"
        for r in results
    ]
    (out / "ablation.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
