#!/usr/bin/env python3
"""Learning curve: accuracy on the seeds and on the dev set against the number of training postings.

For each size, models are trained on random subsets of the written corpus (several seeds; the
whole corpus, always included, once) and scored end to end over characters on the seeds and on
the dev set of real postings (when built, see `measure.py`), as written and with white space
collapsed. Writes a Markdown table, a JSON file and a PNG plot (needs matplotlib).

Usage: python training/learning_curve.py [--sizes 45 90 180 360] [--repeats 3] [--out training/results]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from pathlib import Path

from measure import measure, test_sets

from jobsections.annotations import load_annotations, postings_of
from jobsections.train import train_model

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", default=str(ROOT / "annotations/written.jsonl"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[45, 90, 180, 360])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "training/results"))
    parser.add_argument("--plot", action="store_true", help="only redraw the plot from --out's learning_curve.json")
    args = parser.parse_args()
    if args.plot:
        plot(json.loads((Path(args.out) / "learning_curve.json").read_text()), Path(args.out))
        return

    corpus = postings_of(load_annotations([args.train]))
    sets = {k: v for k, v in test_sets().items() if k in ("seeds", "dev")}
    sizes = sorted({min(n, len(corpus)) for n in args.sizes} | {len(corpus)})  # the curve ends at the whole corpus
    columns = [(f"{name}{' ' + layout if layout else ''}", key) for name in sets for layout in ("", "flatten")
               for key in ("end_to_end_accuracy", "end_to_end_macro_f1")]  # fmt: skip
    rows = []
    for n in sizes:
        runs = []
        for r in range(args.repeats if n < len(corpus) else 1):
            subset = random.Random(r).sample(corpus, n)
            runs.append(measure(train_model(subset, seed=r), sets))
        row = {"postings": n, "runs": len(runs)}
        for name, key in columns:
            row[f"{name}: {key}"] = statistics.mean(run[name][key] for run in runs)
        rows.append(row)
        print(json.dumps(row), flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "learning_curve.json").write_text(json.dumps(rows, indent=1) + "\n")
    heads = [k for k in rows[0] if k not in ("postings", "runs")]
    table = ["| training postings | runs | " + " | ".join(h.replace("end_to_end_", "") for h in heads) + " |",
             "|---:|---:|" + "---:|" * len(heads)]  # fmt: skip
    table += [f"| {r['postings']} | {r['runs']} | " + " | ".join(f"{r[h]:.3f}" for h in heads) + " |" for r in rows]
    (out / "learning_curve.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))

    plot(rows, out)


def plot(rows: list[dict], out: Path) -> None:
    """The accuracy columns of `rows` against the training size, as `out/learning_curve.png`
    (`python training/learning_curve.py --plot` redraws it from `learning_curve.json`)."""
    try:
        import matplotlib
    except ImportError:
        print("note: matplotlib is not installed, so no plot (pip install -e '.[bench]')")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    heads = [k for k in rows[0] if k not in ("postings", "runs")]

    fig, ax = plt.subplots(figsize=(6, 4))
    x = [r["postings"] for r in rows]
    for key in heads:
        if key.endswith("accuracy"):
            ax.plot(x, [r[key] for r in rows], marker="o", label=key.replace(": end_to_end_accuracy", ""))
    ax.set_xscale("log")
    ax.set_xlabel("training postings (written corpus)")
    ax.set_ylabel("end-to-end accuracy over characters")
    ax.set_title("Learning curve: seeds (5) and dev set (24 real postings)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "learning_curve.png", dpi=120)


if __name__ == "__main__":
    main()
