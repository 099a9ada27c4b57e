#!/usr/bin/env python3
"""The measurements bench/benchmark.py makes in a fresh process, one per run.

Each task prints one JSON object on stdout:
  load   import jobsections and `jobsections.load(MODEL)`: the cold start;
  rss    load MODEL with `load_model`, predict the first N postings of CORPUS (JSONL of
         {"id", "text"}) with `predict_records`, keeping every record: peak RSS (VmHWM);
  train  train on the postings of TRAIN repeated to N (distinct ids), pinned to one core;
  stream run `jobsections predict CORPUS -o OUT --chunk CHUNK` (the CLI's chunked, streaming
         batch mode) in this process: peak RSS (VmHWM) and seconds.

With --without-torch an installed torch is hidden from the libraries that look for it: spaCy's
thinc imports torch whenever it is installed (about +200 MB and +2 s), which jobsections does
not need, so this measures jobsections as its own dependencies install it. Nothing heavy is
imported at module level, so that the flag can act first and the benchmark can import `cycle`
cheaply.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from itertools import islice
from typing import Any


def hide_torch() -> None:
    """Import the libraries that look for torch at import time as if it were not installed.

    spaCy's thinc imports torch when it can, and `datasets` notes whether it can; with torch
    marked missing while they are imported, neither uses it, as in jobsections' own install.
    The mark is removed afterwards: other libraries (scipy) expect no `None` in sys.modules.
    """
    sys.modules["torch"] = None
    try:
        import datasets.config  # noqa: F401
        import thinc.compat  # noqa: F401
    finally:
        del sys.modules["torch"]


def cycle(postings: Sequence[Any], n: int, keep_segments: bool = False) -> list[Any]:
    """The postings repeated in order to exactly `n`, each copy a `Posting` with a distinct id."""
    from jobsections.readers import Posting

    out = []
    for i in range(n):
        p = postings[i % len(postings)]
        copy = i // len(postings)
        segments = p.segments if keep_segments else None
        out.append(Posting(id=f"{p.id}#{copy}", text=p.text, source=p.source, segments=segments))
    return out


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB.

    VmHWM of /proc/self/status: `getrusage(...).ru_maxrss` of a process started by another also
    counts the parent's peak from before the exec on Linux, so it would overstate this one's.
    """
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_load(model: str) -> dict[str, Any]:
    """Seconds to import jobsections and build the spaCy pipeline with the model."""
    started = time.perf_counter()
    import jobsections

    jobsections.load(model)
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}


def predict_memory(model: str, corpus: str, n: int, batch_size: int) -> dict[str, Any]:
    """Peak RSS after loading the model, and after predicting `n` postings with the records kept."""
    from jobsections.model import load_model
    from jobsections.predict import predict_records
    from jobsections.readers import Posting

    with open(corpus, encoding="utf-8") as f:
        postings = [Posting(**json.loads(line)) for line in islice(f, n)]
    section_model = load_model(model)
    loaded = peak_rss_mb()
    started = time.perf_counter()
    records = list(predict_records(section_model, postings, batch_size=batch_size))
    return {
        "postings": len(postings),
        "segments": sum(len(r["segments"]) for r in records),
        "seconds": time.perf_counter() - started,
        "peak_rss_after_load_mb": loaded,
        "peak_rss_mb": peak_rss_mb(),
    }


def stream_memory(model: str, corpus: str, out: str, chunk: int, batch_size: int) -> dict[str, Any]:
    """Peak RSS and seconds of the CLI's chunked predict over the whole of `corpus`."""
    from jobsections.cli import main as cli

    with open(corpus, encoding="utf-8") as f:
        postings = sum(1 for _ in f)
    started = time.perf_counter()
    args = ["predict", corpus, "-o", out, "--chunk", str(chunk), "--model", model, "--batch-size", str(batch_size)]
    status = cli(args)
    return {
        "postings": postings,
        "status": status,
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": peak_rss_mb(),
    }


def train_time(train: str, n: int, seed: int) -> dict[str, Any]:
    """Wall and CPU seconds of `train_model` on the training postings repeated to `n`, one core."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from jobsections.annotations import load_annotations, postings_of
    from jobsections.train import train_model

    postings = cycle(postings_of(load_annotations([train])), n, keep_segments=True)
    started, cpu = time.perf_counter(), time.process_time()
    train_model(postings, seed=seed)
    return {
        "postings": n,
        "segments": sum(len(p.segments or []) for p in postings),
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run one task and print its result as JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("task", choices=["load", "rss", "train", "stream"])
    ap.add_argument("--model", help="model directory (load, rss)")
    ap.add_argument("--corpus", help="JSONL of postings to predict (rss, stream)")
    ap.add_argument("--out", help="output directory of the chunked predict (stream)")
    ap.add_argument("--chunk", type=int, default=10_000, help="input rows per part file (stream)")
    ap.add_argument("--train", help="annotation JSONL to train on (train)")
    ap.add_argument("-n", type=int, default=1000, help="postings (rss, train)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads")
    ap.add_argument("--without-torch", action="store_true", help="hide an installed torch from spaCy")
    args = ap.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    if args.without_torch:
        hide_torch()
    if args.task == "load":
        result = cold_load(args.model)
    elif args.task == "rss":
        result = predict_memory(args.model, args.corpus, args.n, args.batch_size)
    elif args.task == "stream":
        result = stream_memory(args.model, args.corpus, args.out, args.chunk, args.batch_size)
    else:
        result = train_time(args.train, args.n, args.seed)
    result["torch_imported"] = "torch" in sys.modules
    result["jobsections_from"] = sys.modules["jobsections"].__file__
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
