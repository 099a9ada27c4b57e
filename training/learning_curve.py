#!/usr/bin/env python3
"""Learning curve: accuracy on the seeds against the number of training postings.

For each size, models are trained on random subsets of the written corpus (several seeds; the
whole corpus, always included, once) and scored end to end over characters on the seeds, as
written and with line breaks replaced by spaces. Writes a Markdown table, a JSON file and a PNG
plot (needs matplotlib).

Usage: python training/learning_curve.py [--sizes 10 20 40 80 120 160] [--repeats 3] [--out training/results]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from pathlib import Path

from jobsections.annotations import load_annotations, postings_of
from jobsections.evaluation import evaluate
from jobsections.train import flattened, train_model

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", default=str(ROOT / "annotations/written.jsonl"))
    parser.add_argument("--test", default=str(ROOT / "annotations/seeds.jsonl"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40, 80, 120, 160])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "training/results"))
    args = parser.parse_args()

    corpus = postings_of(load_annotations([args.train]))
    seeds = postings_of(load_annotations([args.test]))
    flat = [flattened(p) for p in seeds]
    sizes = sorted({min(n, len(corpus)) for n in args.sizes} | {len(corpus)})  # the curve ends at the whole corpus
    rows = []
    for n in sizes:
        runs = []
        for r in range(args.repeats if n < len(corpus) else 1):
            subset = random.Random(r).sample(corpus, n)
            model = train_model(subset, seed=r)
            runs.append((evaluate(model, seeds)["end_to_end"], evaluate(model, flat)["end_to_end"]))
        row = {
            "postings": n,
            "runs": len(runs),
            "accuracy": statistics.mean(a["accuracy"] for a, _ in runs),
            "macro_f1": statistics.mean(a["macro_f1"] for a, _ in runs),
            "flat_accuracy": statistics.mean(f["accuracy"] for _, f in runs),
            "flat_macro_f1": statistics.mean(f["macro_f1"] for _, f in runs),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "learning_curve.json").write_text(json.dumps(rows, indent=1) + "\n")
    table = ["| training postings | runs | accuracy | macro-F1 | accuracy, no line breaks | macro-F1, no line breaks |",
             "|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    table += [
        f"| {r['postings']} | {r['runs']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | {r['flat_accuracy']:.3f} "
        f"| {r['flat_macro_f1']:.3f} |"
        for r in rows
    ]
    (out / "learning_curve.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    x = [r["postings"] for r in rows]
    for key, name in [
        ("accuracy", "accuracy"),
        ("macro_f1", "macro-F1"),
        ("flat_accuracy", "accuracy, no line breaks"),
    ]:
        ax.plot(x, [r[key] for r in rows], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("training postings (written corpus)")
    ax.set_ylabel("seeds, end to end over characters")
    ax.set_title("Learning curve on the 5 hand-annotated seeds")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "learning_curve.png", dpi=120)


if __name__ == "__main__":
    main()
