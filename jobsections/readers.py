"""Turn any input (files, folders, stdin, JSONL, Parquet, HTML) into `Posting`s.

The format comes from a file's suffix, from `input_format`, or is sniffed (stdin, odd suffixes).

Every decoding or format problem becomes an `InputError` with a one-line message here, so the
CLI can report it and carry on with the rest of a batch.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
JSON_SUFFIXES = {".json"}
CSV_SUFFIXES = {".csv"}
PARQUET_SUFFIXES = {".parquet"}
READABLE_SUFFIXES = (
    TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | JSON_SUFFIXES | CSV_SUFFIXES | PARQUET_SUFFIXES
)
# `--input-format`: "auto" goes by the file's suffix, and sniffs stdin and unknown suffixes.
INPUT_FORMATS = ("auto", "text", "html", "markdown", "jsonl", "json", "csv", "parquet")
_SUFFIX_FORMATS = {
    **dict.fromkeys(TEXT_SUFFIXES, "text"),
    **dict.fromkeys(MARKDOWN_SUFFIXES, "markdown"),
    **dict.fromkeys(HTML_SUFFIXES, "html"),
    **dict.fromkeys(JSONL_SUFFIXES, "jsonl"),
    **dict.fromkeys(JSON_SUFFIXES, "json"),
    **dict.fromkeys(CSV_SUFFIXES, "csv"),
    **dict.fromkeys(PARQUET_SUFFIXES, "parquet"),
}
_WORD_HINT = "save it as plain text (.txt) or HTML first, e.g. `pandoc {name} -t plain -o {stem}.txt`"
# Documents that are not text: refused by name (with a way out), skipped with a note in a folder.
REFUSED_SUFFIXES = {
    ".pdf": "a PDF, not text: extract its text first, e.g. `pdftotext -layout {name} {stem}.txt`",
    ".docx": "a Word document, not text: " + _WORD_HINT,
    ".doc": "a Word document, not text: " + _WORD_HINT,
    ".odt": "an OpenDocument text, not text: " + _WORD_HINT,
    ".rtf": "an RTF document: " + _WORD_HINT,
    ".xlsx": "a spreadsheet: save it as CSV with a 'text' column first",
    ".xls": "a spreadsheet: save it as CSV with a 'text' column first",
}


# One posting's size, in characters: above the warning it is read with a warning, above the
# limit it is refused (`--max-chars`). Predicting needs about MB_PER_MILLION_CHARS MB of memory
# per million characters of a posting, on top of the loaded model (measured: 5 MB of text,
# 0.84 GB peak); a real posting is rarely above 50,000 characters.
WARN_POSTING_CHARS = 1_000_000
MAX_POSTING_CHARS = 5_000_000
MB_PER_MILLION_CHARS = 110


class InputError(ValueError):
    """A user's input cannot be read; the message names the input and the problem."""


class DecodingWarning(UserWarning):
    """A file was not UTF-8 and was decoded as Windows-1252/Latin-1 instead."""


class InputWarning(UserWarning):
    """An input was read, but not quite as asked: its format was guessed, or files were skipped."""


@dataclass
class Posting:
    """One job posting: the text that every offset refers to, and where it came from."""

    id: str
    text: str
    source: str = ""
    segments: list[dict[str, Any]] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # Where this posting was read: the file, with its line or row for a batch (`ann.jsonl:3`).
    # Errors cite it; `source` is what the record says of itself and may name another file.
    origin: str = ""


# ---------------------------------------------------------------- bytes → text


# Byte-order marks, longest first: a UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def decode(data: bytes, source: str) -> str:
    """Decode bytes as UTF-8 (BOM dropped), or as UTF-16/UTF-32 when they start with that BOM;
    fall back to Windows-1252 with a warning.

    Binary data (NUL bytes, many control characters) is an `InputError`, never a guess.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as e:
                raise InputError(
                    f"{source}: starts with a {name} byte-order mark but is not valid {name} "
                    f"({e.reason} at byte {e.start + len(bom)})"
                ) from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{source}: looks like a binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\v")
        if controls > max(2, len(text) // 100):
            raise InputError(f"{source}: not valid UTF-8 and looks binary") from None
        warnings.warn(f"{source}: not valid UTF-8, decoded as Windows-1252", DecodingWarning, stacklevel=2)
    return text


def _require_text(text: str, source: str) -> str:
    if not text.strip():
        raise InputError(f"{source}: empty or whitespace-only posting")
    return text


# ---------------------------------------------------------------- HTML → text


_SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_PARAGRAPH = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "nav",
    "ul",
    "ol",
    "dl",
    "table",
    "blockquote",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "address",
    "figure",
    "hr",
    "fieldset",
    "details",
    "summary",
    "body",
    "html",
}
_LINE = {"li", "tr", "dt", "dd", "caption", "figcaption", "option", "label"}
_CELL = {"td", "th"}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")  # HTML white space; a no-break space is content


class _HTMLText(HTMLParser):
    """Collects the text of an HTML page with its block structure as line breaks.

    Paragraph-level blocks are separated by a blank line, list items start a line with `• `,
    `<br>` breaks a line, the cells of a table row stand on one line.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []  # finished lines; "" is a blank line
        self.line: list[str] = []
        self.skip = 0
        self.pre = 0
        self.cells = 0

    def _break(self, blank: bool = False) -> None:
        text = "".join(self.line)
        if self.pre:
            text = text.rstrip()
        else:
            text = _SPACES.sub(" ", text).strip(" ")
        if text:
            self.lines.append(text)
        self.line = []
        if blank and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif self.skip:
            return
        elif tag == "br":
            self._break()
        elif tag in _PARAGRAPH:
            self._break(blank=True)
            self.pre += tag == "pre"
        elif tag in _LINE:
            self._break()
            self.cells = 0
            if tag == "li":
                self.line.append("• ")
        elif tag in _CELL:
            if self.cells:
                self.line.append(" ")
            self.cells += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIP:
            self.skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif self.skip:
            return
        elif tag in _PARAGRAPH:
            self._break(blank=True)
            self.pre -= tag == "pre" and self.pre > 0
        elif tag in _LINE:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            if self.pre:
                for i, part in enumerate(data.split("\n")):
                    if i:
                        self._break()
                    self.line.append(part)
            else:
                self.line.append(data)

    def text(self) -> str:
        self._break()
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines)


def html_to_text(html: str) -> str:
    """Extract the visible text of an HTML document, keeping its blocks as lines."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser.text()


def looks_like_html(text: str) -> bool:
    """True when a text (from stdin or a JSONL field) is an HTML document or fragment."""
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype html", "<html")) or bool(
        re.match(r"<(body|div|p|ul|ol|h[1-6]|section|article|table)\b", head)
    )


# ---------------------------------------------------------------- Markdown → text

# Tags that Markdown passes through as HTML; any other `<word>` is text (`Pay: 50k <negotiable>`).
_HTML_TAGS = (
    _SKIP
    | _PARAGRAPH
    | _LINE
    | _CELL
    | set(
        "a abbr b bdi bdo big br button center cite code col colgroup data del dfn em font i img input ins kbd "
        "link map mark meta picture q rp rt ruby s samp select small source span strike strong sub sup textarea "
        "time title tbody thead tfoot track tt u var video audio wbr menu legend caption".split()
    )
)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


def markdown_to_text(markdown: str) -> str:
    """The text of a Markdown document as a reader sees it: emphasis, link syntax and heading
    marks gone, blocks as lines (as `html_to_text` gives them, list items starting with `• `)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = md.parse(markdown)
    for token in tokens:
        for child in token.children or []:
            m = _TAG_NAME.match(child.content) if child.type == "html_inline" else None
            if m and m.group(1).lower() not in _HTML_TAGS:
                child.type = "text"  # not HTML: rendered escaped, read back as written
    return html_to_text(md.renderer.render(tokens, md.options, {}))


# ---------------------------------------------------------------- files → postings

_CONVERTERS = {"html": html_to_text, "markdown": markdown_to_text}


def _posting_from_text(raw: str, pid: str, source: str, fmt: str = "text") -> Posting:
    """A posting from the text of a file in `fmt` (text, html or markdown); for HTML and Markdown
    the posting's text is the one extracted, which every offset refers to."""
    convert = _CONVERTERS.get(fmt)
    text = convert(raw) if convert else raw
    meta = {"format": fmt} if convert else {}
    return Posting(id=pid, text=_require_text(text, source), source=source, meta=meta, origin=source)


def _posting_from_record(record: Any, where: str, default_id: str) -> Posting:
    """A JSON/Parquet record: the annotation format, or at least `{"text": ...}`."""
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise InputError(f"{where}: no 'text' string field")
    pid = str(record.get("id", default_id))
    _require_text(text, where)
    segments = record.get("segments")
    if segments is not None:
        from jobsections.annotations import check_segments

        check_segments(text, segments, where)
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    source = str(record.get("source", where))
    return Posting(id=pid, text=text, source=source, segments=segments, meta=meta, origin=where)


def read_jsonl(data: str, source: str, on_error: Callable[[InputError], None]) -> Iterator[Posting]:
    """Postings from JSON Lines; a bad line is reported through `on_error`, the rest still read."""
    any_line = False
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        any_line = True
        where = f"{source}:{lineno}"
        try:
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{where}: malformed JSON ({e.msg} at column {e.colno})") from None
            yield _posting_from_record(record, where, f"{Path(source).stem}-{lineno}")
        except InputError as e:
            on_error(e)
    if not any_line:
        raise InputError(f"{source}: empty file, no JSON lines")


def read_json(data: str, source: str, on_error: Callable[[InputError], None]) -> Iterator[Posting]:
    """Postings from a JSON document: one record (`{"id", "text"}`, or the annotation format) or a list of them."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError as e:
        raise InputError(f"{source}: malformed JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    if isinstance(document, dict):
        yield _posting_from_record(document, source, Path(source).stem)
        return
    if not isinstance(document, list):
        raise InputError(f"{source}: expected a JSON object or a list of objects, got {type(document).__name__}")
    for i, record in enumerate(document):
        try:
            yield _posting_from_record(record, f"{source}[{i}]", f"{Path(source).stem}-{i}")
        except InputError as e:
            on_error(e)


def read_csv(data: str, source: str, on_error: Callable[[InputError], None]) -> Iterator[Posting]:
    """Postings from CSV with a header and a `text` column (and optionally `id`), as for Parquet.
    The delimiter is the one of `,`, `;` and tab that the header uses most."""
    import csv
    import io

    header = data.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(data) + 1))  # a posting is often longer than the default 128 KB
    try:
        reader = csv.DictReader(io.StringIO(data, newline=""), delimiter=delimiter)
        if "text" not in (reader.fieldnames or []):
            raise InputError(f"{source}: no 'text' column (columns: {', '.join(reader.fieldnames or [])})")
        for i, row in enumerate(reader):
            record = {k: v for k, v in row.items() if k in ("id", "text", "source") and v not in (None, "")}
            try:
                yield _posting_from_record(record, f"{source}[row {i}]", f"{Path(source).stem}-{i}")
            except InputError as e:
                on_error(e)
    except csv.Error as e:
        raise InputError(f"{source}: malformed CSV ({e})") from None
    finally:
        csv.field_size_limit(limit)


def read_parquet(path: Path, on_error: Callable[[InputError], None], data: bytes | None = None) -> Iterator[Posting]:
    """Postings from a Parquet file with at least a `text` column (and `id`, `segments`);
    `data`, when given, holds the file's bytes (stdin)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path if data is None else pa.BufferReader(data))
    except Exception as e:  # pyarrow raises several unrelated types for a bad file
        raise InputError(f"{path}: not a readable Parquet file ({e})") from None
    if "text" not in table.column_names:
        raise InputError(f"{path}: no 'text' column (columns: {', '.join(table.column_names)})")
    for i, record in enumerate(table.to_pylist()):
        try:
            yield _posting_from_record(record, f"{path}[row {i}]", f"{path.stem}-{i}")
        except InputError as e:
            on_error(e)


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def sniff_format(text: str) -> str:
    """The format of a text whose name says nothing: JSON Lines when its first non-blank line is
    a JSON object, HTML when it starts like a page or a fragment, else plain text."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.lstrip().startswith("{") and _is_json_object(first):
        return "jsonl"
    return "html" if looks_like_html(text) else "text"


def _check_format(input_format: str) -> None:
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"unknown input format {input_format!r} (one of {', '.join(INPUT_FORMATS)})")


def _read_data(
    data: bytes, fmt: str, source: str, pid: str, on_error: Callable[[InputError], None], warn_guess: bool = False
) -> Iterator[Posting]:
    """Postings from the bytes of one file or of stdin, in format `fmt` ("auto": sniffed, with a
    warning when `warn_guess`)."""
    guessed = fmt == "auto"
    if fmt == "parquet" or (guessed and data.startswith(b"PAR1")):
        fmt, text = "parquet", ""
    else:
        text = decode(data, source)
        if guessed:
            fmt = sniff_format(text)
    if guessed and warn_guess:
        warnings.warn(
            f"{source}: unknown suffix {Path(source).suffix!r}, read as {fmt} (--input-format chooses)",
            InputWarning,
            stacklevel=2,
        )
    if fmt == "parquet":
        yield from read_parquet(Path(source), on_error, data)
    elif fmt == "jsonl":
        yield from read_jsonl(text, source, on_error)
    elif fmt == "json":
        yield from read_json(text, source, on_error)
    elif fmt == "csv":
        yield from read_csv(text, source, on_error)
    else:
        yield _posting_from_text(text, pid, source, fmt)


def read_path(
    path: Path, on_error: Callable[[InputError], None], input_format: str = "auto", max_chars: int | None = None
) -> Iterator[Posting]:
    """Postings from one file, by its suffix or as `input_format` says. A suffix that names no
    format is sniffed (as stdin is), with a warning. A text or Markdown file too large to hold
    at most `max_chars` characters (4 bytes or fewer each) is refused before it is read."""
    _check_format(input_format)
    suffix = path.suffix.lower()
    if input_format == "auto" and suffix in REFUSED_SUFFIXES:
        raise InputError(f"{path}: {REFUSED_SUFFIXES[suffix].format(name=path.name, stem=path.stem)}")
    fmt = input_format if input_format != "auto" else _SUFFIX_FORMATS.get(suffix, "auto")
    if fmt == "parquet":
        yield from read_parquet(path, on_error)
        return
    if max_chars is not None and fmt in ("text", "markdown"):
        with suppress(OSError):
            size = path.stat().st_size
            if size > 4 * max_chars:
                raise InputError(_too_long(str(path), f"{size / 1e6:.1f} MB", max_chars))
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    yield from _read_data(data, fmt, str(path), path.stem, on_error, warn_guess=True)


def read_stdin(on_error: Callable[[InputError], None], input_format: str = "auto") -> Iterator[Posting]:
    """Postings from standard input, as `input_format` says; "auto" sniffs Parquet, JSON Lines
    (a first non-blank line that is a JSON object), HTML, else one plain-text posting."""
    _check_format(input_format)
    yield from _read_data(sys.stdin.buffer.read(), input_format, "<stdin>", "stdin", on_error)


def _folder_files(folder: Path) -> list[Path]:
    """The files of a folder (searched recursively) that can be read as postings, in order.

    Hidden files and folders are left out silently; every other file left out is named, with
    the reason, in one `InputWarning`.
    """
    files, skipped = [], []
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        suffix = p.suffix.lower()
        if suffix in READABLE_SUFFIXES:
            files.append(p)
        elif suffix in REFUSED_SUFFIXES:
            skipped.append(f"{p.relative_to(folder)} ({REFUSED_SUFFIXES[suffix].split(':')[0]})")
        else:
            skipped.append(f"{p.relative_to(folder)} (unknown suffix {suffix or 'none'!r})")
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        warnings.warn(
            f"{folder}: skipped {len(skipped)} file{'s' if len(skipped) > 1 else ''} it cannot read as postings: "
            f"{shown} (name a file to read it or to see what to do)",
            InputWarning,
            stacklevel=3,
        )
    return files


def _raise(error: InputError) -> None:
    raise error


def iter_postings(
    inputs: Iterable[str | Path],
    on_error: Callable[[InputError], None] = _raise,
    input_format: str = "auto",
    max_chars: int | None = MAX_POSTING_CHARS,
) -> Iterator[Posting]:
    """Read every input (file, folder searched recursively, or `-` for stdin) into `Posting`s.

    Problems are passed to `on_error` (by default raised), so a batch can report a bad posting
    and go on with the others. `input_format` (one of `INPUT_FORMATS`) reads every file and stdin
    in that format; "auto" goes by suffix and sniffs stdin. A folder's files are chosen by
    suffix either way. A posting longer than `max_chars` characters is refused (`None`: no
    limit), one longer than `WARN_POSTING_CHARS` read with a warning.
    """
    _check_format(input_format)
    for posting in _read_inputs(inputs, on_error, input_format, max_chars):
        n = len(posting.text)
        if max_chars is not None and n > max_chars:
            on_error(InputError(_too_long(posting.origin or posting.source, f"{n:,} characters", max_chars)))
            continue
        if n > WARN_POSTING_CHARS:
            warnings.warn(
                f"{posting.origin or posting.source}: {n / 1e6:.1f} million characters in one posting; predicting "
                f"it takes about {round(n / 1e6 * MB_PER_MILLION_CHARS, -1):.0f} MB of memory above the model",
                InputWarning,
                stacklevel=2,
            )
        yield posting


def _too_long(where: str, size: str, max_chars: int) -> str:
    return (
        f"{where}: {size}, more than the limit of {max_chars:,} for one posting (postings are rarely "
        f"above 50,000); split it into postings (JSON Lines, one per line) or raise the limit with --max-chars"
    )


def _read_inputs(
    inputs: Iterable[str | Path], on_error: Callable[[InputError], None], input_format: str, max_chars: int | None
) -> Iterator[Posting]:
    for item in inputs:
        try:
            if str(item) == "-":
                yield from read_stdin(on_error, input_format)
                continue
            path = Path(item)
            if path.is_dir():
                files = _folder_files(path)
                if not files:
                    raise InputError(f"{path}: folder holds no readable postings")
                for file in files:
                    try:
                        yield from read_path(file, on_error, input_format, max_chars)
                    except InputError as e:
                        on_error(e)
            elif path.exists():
                yield from read_path(path, on_error, input_format, max_chars)
            else:
                raise InputError(f"{path}: no such file or folder")
        except InputError as e:
            on_error(e)


def read_postings(
    inputs: Iterable[str | Path], input_format: str = "auto", max_chars: int | None = MAX_POSTING_CHARS
) -> list[Posting]:
    """All postings of the inputs; the first problem raises `InputError`."""
    return list(iter_postings(inputs, input_format=input_format, max_chars=max_chars))
