#!/usr/bin/env bash
# Rebuild the shipped model in model/ from the project's written corpus.
# The seeds (annotations/seeds.jsonl) are the test set: they are only scored into the card, never trained on.
set -euo pipefail
cd "$(dirname "$0")/.."
jobsections train annotations/written.jsonl -o model --seed 0 --eval annotations/seeds.jsonl
