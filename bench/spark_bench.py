"""Spark local[1] against local[2] against the single-process CLI, on N postings (default 20,000).

    python bench/spark_bench.py [--postings 20000] [--model model] [--out bench/results/spark.json]

Writes the written corpus and the seeds, cycled to N postings, as one Parquet file, then times
three commands from start to finish, each in a fresh process, as a user runs them:

- `jobsections predict BIG.parquet -o out.jsonl` (one process);
- `jobsections spark-predict BIG.parquet -o OUT --master local[1]`;
- the same with `--master local[2]`.

The Spark times include starting the JVM and the Python workers (each loads the model once).
Needs the `spark` extra and Java. Prints a table and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus(n: int, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = []
    for name in ("written.jsonl", "seeds.jsonl"):
        texts += [json.loads(line)["text"] for line in (ROOT / "annotations" / name).read_text().splitlines()]
    rows = [{"id": f"p{i}", "text": texts[i % len(texts)]} for i in range(n)]
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2000)


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stderr.decode()[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--postings", type=int, default=20000)
    ap.add_argument("--model", default=str(ROOT / "model"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "spark.json"))
    args = ap.parse_args()
    cli = [sys.executable, "-m", "jobsections.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.parquet"
        corpus(args.postings, big)
        runs = {
            "CLI, one process": [*cli, "predict", str(big), "-o", f"{tmp}/out.jsonl", "--model", args.model],
            "Spark local[1]": [*cli, "spark-predict", str(big), "-o", f"{tmp}/s1", "--master", "local[1]"],
            "Spark local[2]": [*cli, "spark-predict", str(big), "-o", f"{tmp}/s2", "--master", "local[2]"],
        }
        for name in ("Spark local[1]", "Spark local[2]"):
            runs[name] += ["--model", args.model]
        seconds = {name: timed(command) for name, command in runs.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"{args.postings} postings, {os.cpu_count()} cores, load average {load}")
    print(f"  {'system':<20} {'seconds':>8} {'postings/s':>11}")
    for name, s in seconds.items():
        print(f"  {name:<20} {s:8.1f} {args.postings / s:11.1f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    record = {
        "postings": args.postings,
        "cores": os.cpu_count(),
        "load_average_at_end": load,
        "python": platform.python_version(),
        "seconds": seconds,
        "postings_per_second": {k: args.postings / v for k, v in seconds.items()},
    }
    Path(args.out).write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
