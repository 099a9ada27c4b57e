#!/usr/bin/env python3
"""Inter-annotator agreement of two independent annotations of the same postings.

Usage: python training/agreement.py FIRST.jsonl SECOND.jsonl [--json]
Prints Cohen's kappa over characters, the boundary agreement, the label confusion between the
two annotators, and every segment on which they disagree.
"""

import argparse
import json

from jobsections.annotations import LABELS, load_annotations, postings_of
from jobsections.evaluation import agreement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args()
    report = agreement(postings_of(load_annotations([args.first])), postings_of(load_annotations([args.second])))
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return
    print(f"{report['postings']} postings, {report['characters']} characters")
    print(
        f"Cohen's kappa over characters: {report['kappa']:.3f} (observed agreement {report['observed_agreement']:.3f})"
    )
    print(f"segment boundaries, F1 of exact matches: {report['segment_boundary_f1']:.3f}")
    names = [*LABELS, "none"]
    print("confusion in characters (rows first annotator, columns second): " + " ".join(n[:4] for n in names))
    for name, row in zip(names, report["confusion"]):
        print(f"  {name:<15}" + "".join(f"{v:>8d}" for v in row))
    print(f"{len(report['disagreements'])} segments of the first annotation with a different label in the second:")
    for d in report["disagreements"]:
        print(f"  {d['id']}: {d['first']} vs {'/'.join(d['second'])}: {' '.join(d['text'].split())[:110]}")


if __name__ == "__main__":
    main()
