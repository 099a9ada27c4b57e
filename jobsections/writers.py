"""Write labelled postings: annotation-format JSONL, JSON grouped by label, readable text, Parquet,
an HTML page (`jobsections.report`).

Output goes to a temporary file beside the target and is moved into place only when complete,
so an interrupted run never leaves a half-written file. The temporary file is removed on an
error, Ctrl-C or SIGTERM (the CLI turns it into an exception); one left by a killed process
is removed by the next run that writes to the same folder.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

FORMATS = ("jsonl", "json", "text", "parquet", "html")
Record = dict[str, Any]  # {"id", "source", "text", "segments": [{"start", "end", "label", "score", "kind"}]}


def format_for(path: str | None, requested: str | None) -> str:
    """The output format: as requested, else from the file's suffix, else JSONL."""
    if requested:
        return requested
    suffix = Path(path).suffix.lower().lstrip(".") if path and path != "-" else ""
    return {"jsonl": "jsonl", "json": "json", "txt": "text", "parquet": "parquet", "html": "html"}.get(suffix, "jsonl")


def grouped(record: Record) -> dict[str, Any]:
    """A posting's segment texts grouped by label, in reading order."""
    from jobsections.annotations import LABELS  # here: importing it loads `datasets`

    sections: dict[str, list[str]] = {label: [] for label in LABELS}
    for seg in record["segments"]:
        sections[seg["label"]].append(record["text"][seg["start"] : seg["end"]])
    return {"id": record["id"], "source": record["source"], "sections": sections}


def readable(record: Record) -> str:
    """A posting's labelled segments for a person to read."""
    lines = [f"=== {record['id']}  ({record['source']})"]
    for seg in record["segments"]:
        text = " ".join(record["text"][seg["start"] : seg["end"]].split())
        score = f" {seg['score']:.2f}" if "score" in seg else ""
        lines.append(f"[{seg['label']:<14}{score}] {text}")
    return "\n".join(lines) + "\n\n"


class OutputError(OSError):
    """The output cannot be written; the message names the output path the user gave."""


def check_output(path: str | None, fmt: str | None = None, inputs: Iterable[str | Path] = ()) -> None:
    """Raise `OutputError` now, before any work, for an output that cannot be written as asked:
    a directory, Parquet (binary) to a terminal, or a file that is also one of the `inputs`
    (given by name, or read from an input folder)."""
    if path is None or path == "-":
        if fmt == "parquet" and sys.stdout.isatty():
            raise OutputError("refusing to write Parquet (binary) to a terminal: give -o FILE.parquet or pipe it")
        return
    out = Path(path)
    if out.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name for the output")
    if not out.exists():
        return
    from jobsections.readers import READABLE_SUFFIXES

    real = Path(os.path.realpath(out))
    for item in inputs:
        given = Path(item)
        if str(item) == "-" or not given.exists():
            continue
        if given.is_dir():
            inside = real.is_relative_to(os.path.realpath(given))
            clash = inside and real.suffix.lower() in READABLE_SUFFIXES and not real.name.startswith(".")
        else:
            clash = os.path.samefile(given, out)
        if clash:
            raise OutputError(f"{path}: is also an input ({item}); write the output to another file")


# Temporary outputs are `.NAME.RANDOM.PID.jobsections-tmp`, beside the output: the PID tells
# a later run whether the writer is still alive (a run killed with SIGKILL cannot clean up).
TEMP_SUFFIX = ".jobsections-tmp"
_TEMP_NAME = re.compile(r"\..+\.\w+\.(\d+)" + re.escape(TEMP_SUFFIX))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, under another user
        return True
    return True


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove the temporary outputs that dead jobsections processes left in `folder`; return them."""
    removed = []
    with suppress(OSError):
        for name in os.listdir(folder):
            m = _TEMP_NAME.fullmatch(name)
            if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
                with suppress(OSError):
                    os.unlink(folder / name)
                    removed.append(folder / name)
    return removed


def check_output_dir(path: str | Path) -> None:
    """Raise `OutputError` now, before any work, unless `path` can become a directory to write
    into (a model directory): it is one already, or its nearest existing ancestor is a writable
    directory."""
    given = Path(path)
    if given.exists() and not given.is_dir():
        raise OutputError(f"{path}: exists and is not a directory; name a directory to write into")
    ancestor = given
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{path}: cannot be created, {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write in {ancestor} (permission denied)")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def _atomic(path: str | None, binary: bool = False) -> Iterator[IO[Any]]:
    """A file to write into, moved onto `path` once complete. As `cp` does, a symlink is written
    through (the file it points to is replaced), a new file gets the mode the umask gives and an
    existing one keeps its mode."""
    if path is None or path == "-":
        yield sys.stdout.buffer if binary else sys.stdout
        return
    check_output(path)
    target = Path(os.path.realpath(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
        remove_stale_temp_files(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".{os.getpid()}{TEMP_SUFFIX}", dir=target.parent)
    except OSError as e:
        raise OutputError(f"{path}: cannot write there ({e.strerror})") from None
    try:
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
                yield f
            os.replace(tmp, target)
        except OSError as e:  # named by the output path, never by the temporary file's name
            raise OutputError(f"{path}: cannot write ({e.strerror or e})") from None
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_records(records: Iterable[Record], path: str | None, fmt: str) -> int:
    """Write the records to `path` (`None` or `-`: standard output); return how many."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    n = 0
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = list(records)
        with _atomic(path, binary=True) as f:
            pq.write_table(pa.Table.from_pylist(rows), f)
        return len(rows)
    if fmt == "html":
        from jobsections.report import predictions_page

        rows = list(records)
        with _atomic(path) as f:
            f.write(predictions_page(rows))
        return len(rows)
    with _atomic(path) as f:
        if fmt == "json":
            f.write("[")
        for record in records:
            if fmt == "jsonl":
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            elif fmt == "json":
                f.write(("," if n else "") + "\n" + json.dumps(grouped(record), ensure_ascii=False, indent=1))
            else:
                f.write(readable(record))
            n += 1
        if fmt == "json":
            f.write("\n]\n")
    return n
