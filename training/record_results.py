#!/usr/bin/env python3
"""Write the measured results into the model's card, with the date and the commit.

The card gets, under `results`: the model on the seeds and on the dev set, whole and by source,
as written, with white space collapsed and with markers stripped too (measured here, see
`measure.py`), and the 5-fold cross-validation and learning curve read from `training/results/`
(written by `jobsections evaluate ... --cv 5 --json` and `training/learning_curve.py`). The
same table goes to `training/results/headline.md`. The model itself is not changed.

Usage: python training/record_results.py [--model model]
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
from pathlib import Path

from measure import measure, summary, table, test_sets

from jobsections.model import load_model, save_model

ROOT = Path(__file__).resolve().parent.parent


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
    parser.add_argument("--results", default=str(ROOT / "training/results"))
    args = parser.parse_args()
    model = load_model(args.model)
    results = Path(args.results)
    measured = measure(model, test_sets(), layouts=("", "flatten", "strip-flatten"))
    model.card["results"] = {"date": datetime.date.today().isoformat(), "commit": commit(), **measured}
    if (results / "cv.json").is_file():
        cv = json.loads((results / "cv.json").read_text(encoding="utf-8"))
        model.card["results"]["cross_validation"] = {"folds": cv.get("cv_folds"), "data": cv.get("data"), **summary(cv)}
    if (results / "learning_curve.json").is_file():
        curve = json.loads((results / "learning_curve.json").read_text(encoding="utf-8"))
        model.card["results"]["learning_curve"] = curve
    save_model(model, args.model)
    rows = dict(measured)
    if "cross_validation" in model.card["results"]:
        rows["CV, written corpus"] = model.card["results"]["cross_validation"]
    (results / "headline.md").write_text(
        f"Measured on {model.card['results']['date']} at commit {model.card['results']['commit']}.\n\n"
        + table(rows)
        + "\n",
        encoding="utf-8",
    )
    print(table(measured))


if __name__ == "__main__":
    main()
