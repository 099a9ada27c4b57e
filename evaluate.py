#!/usr/bin/env python3
"""Score the shipped model on the hand-annotated seeds (or the files and options given).

Same options as `jobsections evaluate`; with no annotation file it uses annotations/seeds.jsonl.
"""

import sys
from pathlib import Path

from jobsections.cli import main

if __name__ == "__main__":
    sys.exit(
        main(["evaluate", *sys.argv[1:]], default_annotations=[str(Path(__file__).parent / "annotations/seeds.jsonl")])
    )
