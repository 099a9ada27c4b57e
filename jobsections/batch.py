"""Resumable, chunked batch prediction: one big JSONL or Parquet file → numbered part files.

`jobsections predict BIG.jsonl -o OUT_DIR --chunk 10000` reads the input as a stream (JSONL line
by line, Parquet in record batches through `pyarrow`'s `iter_batches`, never the whole file),
and writes the labelled postings of input rows `[k * chunk, (k + 1) * chunk)` to
`OUT_DIR/part-0000k.jsonl` (or `.parquet`). Each part is written to a temporary file and moved
into place when complete; then `OUT_DIR/manifest.json` is rewritten (atomically too) with the
part's rows, postings, errors, size and SHA-256, and where the next part starts in the input.

`--resume` reads the manifest, checks that it was made from the same input (size and a
fingerprint of its first and last MiB), model and settings, checks each listed part's size and
SHA-256, and carries on after the last good part: a run killed at any moment (even by SIGKILL)
and resumed gives the same parts as an uninterrupted run, with no posting lost or duplicated.
Rows are input lines (JSONL, numbered from 1) or rows (Parquet, numbered from 0), as the other
readers number them, so a bad row is reported as `BIG.jsonl:N: ...` and the rest go on.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobsections.readers import InputError

BATCH_FORMAT = "jobsections-batch"
BATCH_VERSION = 1
MANIFEST = "manifest.json"
PART_FORMATS = ("jsonl", "parquet")
MAX_ERRORS_KEPT = 100  # per part, in the manifest; all are printed
_FINGERPRINT_BYTES = 1 << 20


class BatchError(InputError):
    """A chunked run cannot start or go on; the message says why in one line."""


def chunk_size(text: str) -> int:
    """`--chunk` values: a whole number of rows, at least 1."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of postings, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


# ---------------------------------------------------------------- streaming input


@dataclass
class Row:
    """One input row: its number, and either a posting or the error that row gave."""

    number: int
    posting: Any = None
    error: Exception | None = None


def input_kind(path: Path) -> str:
    from jobsections.readers import JSONL_SUFFIXES, PARQUET_SUFFIXES

    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise BatchError(f"{path}: --chunk reads one .jsonl or .parquet file, not {suffix or 'a file without suffix'}")


def count_rows(path: Path, kind: str) -> int:
    """The number of input rows (JSONL lines, Parquet rows), for the progress bar."""
    if kind == "parquet":
        return _parquet(path).metadata.num_rows
    lines = 0
    last = b"\n"
    with path.open("rb") as f:
        while block := f.read(1 << 24):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def _parquet(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several unrelated types for a bad file
        raise InputError(f"{path}: not a readable Parquet file ({e})") from None
    if "text" not in pf.schema_arrow.names:
        raise InputError(f"{path}: no 'text' column (columns: {', '.join(pf.schema_arrow.names)})")
    return pf


def jsonl_rows(path: Path, offset: int = 0, first: int = 1) -> Iterator[tuple[Row, int]]:
    """`(row, offset after it)` for each line from byte `offset` (line number `first`), blank
    lines as rows without posting; a line that is not a posting carries its `InputError`."""
    from jobsections.readers import _posting_from_record

    warned = False
    with path.open("rb") as f:
        f.seek(offset)
        number = first
        for raw in f:
            offset += len(raw)
            where = f"{path}:{number}"
            row = Row(number)
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    line = raw.decode("cp1252", errors="replace")
                    if not warned:
                        warnings.warn(f"{where}: not valid UTF-8, decoded as Windows-1252", stacklevel=2)
                        warned = True
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise InputError(f"{where}: malformed JSON ({e.msg} at column {e.colno})") from None
                    row.posting = _posting_from_record(record, where, f"{path.stem}-{number}")
            except InputError as e:
                row.error = e
            except (RecursionError, ValueError, TypeError, KeyError, AttributeError) as e:
                row.error = InputError(f"{where}: cannot be read ({type(e).__name__}: {e})")
            yield row, offset
            number += 1


def parquet_rows(path: Path, start: int = 0, batch_rows: int = 1024) -> Iterator[tuple[Row, int]]:
    """`(row, next row number)` for each Parquet row from row `start`, read in record batches
    (the row groups before `start` are not read at all)."""
    from jobsections.readers import _posting_from_record

    pf = _parquet(path)
    groups: list[int] = []
    number = 0  # the number of the first row of the next batch
    for g in range(pf.num_row_groups):
        n = pf.metadata.row_group(g).num_rows
        if not groups and number + n <= start:
            number += n
        else:
            groups.append(g)
    if not groups:
        return
    for batch in pf.iter_batches(batch_size=batch_rows, row_groups=groups):
        skip = min(batch.num_rows, max(0, start - number))
        for i, record in enumerate(batch.slice(skip).to_pylist(), start=number + skip):
            row = Row(i)
            where = f"{path}[row {i}]"
            try:
                row.posting = _posting_from_record(record, where, f"{path.stem}-{i}")
            except InputError as e:
                row.error = e
            except (RecursionError, ValueError, TypeError, KeyError, AttributeError) as e:
                row.error = InputError(f"{where}: cannot be read ({type(e).__name__}: {e})")
            yield row, i + 1
        number += batch.num_rows


# ---------------------------------------------------------------- files


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(path: Path) -> dict[str, Any]:
    """What identifies an input cheaply: its size and a hash of its first and last MiB."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        digest.update(f.read(_FINGERPRINT_BYTES))
        if size > _FINGERPRINT_BYTES:
            f.seek(max(_FINGERPRINT_BYTES, size - _FINGERPRINT_BYTES))
            digest.update(f.read())
    return {"path": str(path), "bytes": size, "fingerprint": digest.hexdigest()}


def _fsync_replace(tmp: Path, target: Path) -> None:
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)
    try:
        fd = os.open(target.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - directories cannot be opened on some systems
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A temporary file beside `target`, moved onto it when the block ends without error."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _fsync_replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _stale_temporaries(out: Path) -> list[Path]:
    """This command's temporary files left by a killed run: `.part-*.tmp`, `.manifest.json.*.tmp`."""
    return [
        p
        for p in out.iterdir()
        if p.name.endswith(".tmp") and (p.name.startswith(".part-") or p.name.startswith(f".{MANIFEST}."))
    ]


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    with _temporary(out / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_part(path: Path, records: Iterator[dict[str, Any]], fmt: str) -> int:
    """Write the records into `path` (atomically); return how many."""
    n = 0
    with _temporary(path) as tmp:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            rows = list(records)
            n = len(rows)
            pq.write_table(pa.Table.from_pylist(rows) if rows else pa.table({}), tmp)
        else:
            with tmp.open("w", encoding="utf-8") as f:
                for record in records:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
                    n += 1
    return n


def read_parts(out: str | Path) -> Iterator[dict[str, Any]]:
    """The records of a finished (or partial) run, in input order, from its manifest's parts."""
    out = Path(out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for part in manifest["parts"]:
        path = out / part["file"]
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            yield from pq.read_table(path).to_pylist()
        else:
            with path.open(encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)


# ---------------------------------------------------------------- the run


def predict_chunked(args: Any) -> int:
    """`jobsections predict INPUT -o OUT_DIR --chunk N [--resume]`, from the parsed arguments."""
    if args.use_segments:
        raise BatchError("--chunk does not take --use-segments")
    if len(args.inputs) != 1 or args.inputs[0] == "-":
        raise BatchError("--chunk reads one .jsonl or .parquet file (not several, not stdin)")
    if not args.output or args.output == "-":
        raise BatchError("--chunk writes numbered parts: give the output directory with -o OUT_DIR")
    if args.chunk is None and not args.resume:
        raise BatchError("--resume goes with --chunk N")
    run = Run(
        input=Path(args.inputs[0]),
        out=Path(args.output),
        chunk=args.chunk if args.chunk is not None else _previous_chunk(Path(args.output)),
        model_dir=Path(args.model) if args.model else None,
        fmt=args.format or "jsonl",
        resume=args.resume,
        batch_size=args.batch_size,
    )
    return run_chunked(run)


def _previous_chunk(out: Path) -> int:
    """`--resume` without `--chunk`: the chunk size of the run being resumed."""
    try:
        chunk = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("chunk")
    except (OSError, ValueError, AttributeError):
        chunk = None
    if type(chunk) is not int or chunk < 1:
        raise BatchError(f"{out}: no run to resume there; start one with --chunk N")
    return chunk


@dataclass
class Run:
    """What a chunked run needs: input, output directory, model, part size and format."""

    input: Path
    out: Path
    chunk: int
    model_dir: Path | None = None
    fmt: str = "jsonl"
    resume: bool = False
    batch_size: int = 64
    progress: bool = True
    report: Callable[[str], None] = field(default=lambda message: print(message, file=sys.stderr))


def _settings(run: Run, model_manifest_sha: str) -> dict[str, Any]:
    return {
        "input": fingerprint(run.input),
        "model": {"path": str(run.model_dir or "(default)"), "manifest_sha256": model_manifest_sha},
        "chunk": run.chunk,
        "part_format": run.fmt,
    }


def _identity(settings: dict[str, Any]) -> dict[str, Any]:
    """What must not change between a run and its resumption (paths may: another working folder)."""
    inp, model = settings.get("input") or {}, settings.get("model") or {}
    return {
        "input": (inp.get("bytes"), inp.get("fingerprint")),
        "model": model.get("manifest_sha256"),
        "chunk": settings.get("chunk"),
        "format": settings.get("part_format"),
    }


_CHANGED = {
    "input": "another input",
    "model": "another model",
    "chunk": "another --chunk",
    "format": "another --format",
}


def _good_parts(run: Run, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The leading parts of a manifest whose files are there with the size and SHA-256 noted."""
    good = []
    parts = manifest.get("parts")
    for k, part in enumerate(parts if isinstance(parts, list) else []):
        name = _part_name(k, run.fmt)
        path = run.out / name
        ok = isinstance(part, dict) and part.get("file") == name and path.is_file()
        ok = ok and path.stat().st_size == part.get("bytes") and sha256_of(path) == part.get("sha256")
        if not ok:
            run.report(f"jobsections: {path}: missing or changed since it was written; redoing it and what follows")
            break
        good.append(part)
    return good


def _part_name(k: int, fmt: str) -> str:
    return f"part-{k:05d}.{fmt}"


def _model_manifest_sha(model_dir: Path | None) -> str:
    from jobsections.model import MANIFEST_FILE, _locate, default_model_path

    directory = _locate(Path(model_dir) if model_dir is not None else default_model_path())
    return sha256_of(directory / MANIFEST_FILE)


def _previous(run: Run, settings: dict[str, Any]) -> dict[str, Any] | None:
    """The manifest of the run to resume, checked against this one's settings (None: none)."""
    path = run.out / MANIFEST
    if not path.exists():
        if run.resume:
            run.report(f"jobsections: {run.out}: nothing to resume, starting from the first row")
        return None
    if not run.resume:
        raise BatchError(f"{run.out}: holds a previous run; add --resume to go on with it, or choose another directory")
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BatchError(f"{path}: unreadable ({e}); start again in another directory") from None
    if not isinstance(previous, dict) or previous.get("format") != BATCH_FORMAT:
        raise BatchError(f"{path}: not the manifest of a jobsections batch run")
    then, now = _identity(previous), _identity(settings)
    for key in now:
        if then[key] != now[key]:
            raise BatchError(f"{run.out}: was written from {_CHANGED[key]}; start again in another directory")
    return previous


def run_chunked(run: Run) -> int:
    """Predict the input into numbered parts; return the exit status (1 if any row was bad)."""
    from jobsections.model import load_model
    from jobsections.predict import predict_records

    if run.fmt not in PART_FORMATS:
        raise BatchError(f"--chunk writes parts as {' or '.join(PART_FORMATS)}, not {run.fmt}")
    if not run.input.is_file():
        raise BatchError(f"{run.input}: no such file")
    kind = input_kind(run.input)
    if run.out.exists() and not run.out.is_dir():
        raise BatchError(f"{run.out}: exists and is not a directory (with --chunk, -o names a directory)")
    model = load_model(run.model_dir)
    settings = _settings(run, _model_manifest_sha(run.model_dir))
    first = 1 if kind == "jsonl" else 0  # the number of the first row: a line number, or a row index
    total = count_rows(run.input, kind)
    if not total:
        raise BatchError(f"{run.input}: empty file, no postings")
    run.out.mkdir(parents=True, exist_ok=True)
    previous = _previous(run, settings)
    for stale in _stale_temporaries(run.out):
        stale.unlink(missing_ok=True)
    parts = _good_parts(run, previous) if previous else []
    manifest: dict[str, Any] = {"format": BATCH_FORMAT, "version": BATCH_VERSION, **settings, "parts": parts}
    manifest["complete"] = False
    write_manifest(run.out, manifest)
    skipped_errors = sum(p["errors"] for p in parts)
    if parts:
        run.report(
            f"jobsections: resuming {run.out}: {len(parts)} parts already written and checked "
            f"({sum(p['postings'] for p in parts)} postings, {skipped_errors} bad rows), skipped"
        )
    start = parts[-1]["next_row"] if parts else first
    offset = parts[-1]["next_offset"] if parts else 0
    rows = jsonl_rows(run.input, offset, start) if kind == "jsonl" else parquet_rows(run.input, start)
    bar = _bar(run, total, start - first)
    try:
        with _terminate_as_exit():
            item = next(rows, None)
            while item is not None:
                k = len(parts)
                limit = first + (k + 1) * run.chunk  # the first row of the next part
                part: dict[str, Any] = {"file": _part_name(k, run.fmt), "first_row": item[0].number, "rows": 0}
                bad: list[dict[str, Any]] = []

                def postings(limit: int = limit, part: dict[str, Any] = part, bad: list = bad) -> Iterator[Any]:
                    nonlocal item, offset
                    while item is not None and item[0].number < limit:
                        row, after = item
                        part["rows"] += 1
                        offset = after if kind == "jsonl" else 0
                        bar.update(1)
                        if row.error is not None:
                            run.report(f"jobsections: error: {row.error}")
                            bad.append({"row": row.number, "error": str(row.error)})
                        elif row.posting is not None:
                            yield row.posting
                        item = next(rows, None)

                path = run.out / part["file"]
                n = _write_part(path, predict_records(model, postings(), run.batch_size), run.fmt)
                part.update(
                    postings=n,
                    errors=len(bad),
                    bad_rows=bad[:MAX_ERRORS_KEPT],
                    next_row=part["first_row"] + part["rows"],
                    next_offset=offset,
                    bytes=path.stat().st_size,
                    sha256=sha256_of(path),
                )
                parts.append(part)
                write_manifest(run.out, manifest)
    finally:
        bar.close()
    manifest.update(
        complete=True,
        rows=sum(p["rows"] for p in parts),
        postings=sum(p["postings"] for p in parts),
        errors=sum(p["errors"] for p in parts),
    )
    write_manifest(run.out, manifest)
    earlier = f", {skipped_errors} of them in the parts skipped" if skipped_errors else ""
    run.report(
        f"jobsections: {manifest['postings']} postings from {manifest['rows']} rows in {len(parts)} parts "
        f"in {run.out} ({manifest['errors']} bad rows{earlier})"
    )
    return 1 if manifest["errors"] else 0


def _bar(run: Run, total: int, done: int) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=done,
        desc="predict",
        unit=" postings",
        disable=None if run.progress else True,
        file=sys.stderr,
        smoothing=0.1,
        dynamic_ncols=True,
    )


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM during the run ends it as Ctrl-C does: the part being written is dropped (its
    temporary file removed), the parts written stay listed, and `--resume` goes on from there."""

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
