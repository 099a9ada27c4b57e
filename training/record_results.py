#!/usr/bin/env python3
"""Write the measured results into the model's card, with the date and the commit.

The card gets, under `results`: the model on the seeds as written and with line breaks replaced
by spaces (measured here), and the 10-fold cross-validation and learning curve read from
`training/results/` (written by `jobsections evaluate ... --cv 10 --json` and
`training/learning_curve.py`). The model itself is not changed.

Usage: python training/record_results.py [--model model]
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
from pathlib import Path
from typing import Any

from jobsections.annotations import load_annotations, postings_of
from jobsections.evaluation import evaluate
from jobsections.model import load_model, save_model
from jobsections.train import flattened

ROOT = Path(__file__).resolve().parent.parent


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of an evaluation report (all three views)."""
    e2e, cls = report["end_to_end"], report["classification"]
    return {
        "end_to_end_accuracy": round(e2e["accuracy"], 4),
        "end_to_end_macro_f1": round(e2e["macro_f1"], 4),
        "end_to_end_recall": {label: round(m["recall"], 4) for label, m in e2e["per_label"].items()},
        "classification_accuracy": round(cls["accuracy"], 4),
        "classification_macro_f1": round(cls["macro_f1"], 4),
        "segmentation_f1": round(report["segmentation"]["f1"], 4),
    }


def shown(path: str) -> str:
    """`path` relative to the repository when it is inside it."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else path


def commit() -> str:
    """The short hash of HEAD, marked when the work tree has changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (" (dirty)" if git("status", "--porcelain") else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "model"))
    parser.add_argument("--seeds", default=str(ROOT / "annotations/seeds.jsonl"))
    parser.add_argument("--results", default=str(ROOT / "training/results"))
    args = parser.parse_args()
    model = load_model(args.model)
    seeds = postings_of(load_annotations([args.seeds]))
    flat = [flattened(p) for p in seeds]
    results = Path(args.results)
    cv = json.loads((results / "cv10.json").read_text(encoding="utf-8"))
    model.card["results"] = {
        "date": datetime.date.today().isoformat(),
        "commit": commit(),
        "seeds": {"data": shown(args.seeds), **summary(evaluate(model, seeds))},
        "seeds_line_breaks_as_spaces": {"data": shown(args.seeds), **summary(evaluate(model, flat))},
        "cross_validation": {"folds": cv.get("cv_folds"), "data": cv.get("data"), **summary(cv)},
        "learning_curve_on_seeds": json.loads((results / "learning_curve.json").read_text(encoding="utf-8")),
    }
    save_model(model, args.model)
    print(json.dumps(model.card["results"], indent=1))


if __name__ == "__main__":
    main()
