"""Output files: written whole, with the permissions and links a user expects."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobsections.writers import write_records

RECORD = {"id": "a", "source": "a.txt", "text": "Pension", "segments": [{"start": 0, "end": 7, "label": "benefit"}]}


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_new_file_follows_the_umask(tmp_path: Path, umask: None, fmt: str) -> None:
    """Issue 13, item 5: output files were always 0600, whatever the umask."""
    write_records([RECORD], str(tmp_path / f"out.{fmt}"), fmt)
    assert mode(tmp_path / f"out.{fmt}") == 0o644
    os.umask(0o027)
    write_records([RECORD], str(tmp_path / "other.jsonl"), "jsonl")
    assert mode(tmp_path / "other.jsonl") == 0o640


def test_overwriting_keeps_the_old_files_mode(tmp_path: Path, umask: None) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    out.chmod(0o664)
    write_records([RECORD], str(out), "jsonl")
    assert mode(out) == 0o664 and out.read_text().startswith('{"id": "a"')


def test_a_symlink_is_written_through(tmp_path: Path, umask: None) -> None:
    """As `cp` does: the link stays a link and the file it points to gets the output."""
    real = tmp_path / "data" / "real.jsonl"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "out.jsonl"
    link.symlink_to(real)
    write_records([RECORD], str(link), "jsonl")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith('{"id": "a"')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out.jsonl"]
    assert [p.name for p in real.parent.iterdir()] == ["real.jsonl"]


def test_a_directory_as_output_is_a_clear_error(tmp_path: Path) -> None:
    """Issue 13, item 12: `-o outdir` gave `[Errno 21] Is a directory: '/…/.outdir.pd6nkap8' -> 'outdir'`."""
    from jobsections.writers import OutputError

    (tmp_path / "outdir").mkdir()
    with pytest.raises(OutputError) as caught:
        write_records([RECORD], str(tmp_path / "outdir"), "jsonl")
    assert str(caught.value) == f"{tmp_path / 'outdir'}: is a directory; give a file name for the output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outdir"]


def test_a_write_error_names_the_output_not_the_temporary_file(tmp_path: Path) -> None:
    from jobsections.writers import OutputError

    def records() -> Iterator[dict]:
        yield RECORD
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=r"out\.jsonl: cannot write \(No space left on device\)") as caught:
        write_records(records(), str(tmp_path / "out.jsonl"), "jsonl")
    assert ".out.jsonl." not in str(caught.value)
    assert list(tmp_path.iterdir()) == []
