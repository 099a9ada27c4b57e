"""Readers: every input kind, and every bad input as a clear `InputError`."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from jobsections import readers
from jobsections.readers import DecodingWarning, InputError, html_to_text, iter_postings, read_postings


def test_html_structure_becomes_lines_with_markers() -> None:
    html = """<html><head><title>x</title><style>p{}</style></head><body>
      <nav>Home</nav><h2>Responsibilities</h2><ul><li>Plan   the
      budget</li><li>Report&nbsp;weekly</li></ul><p><strong>What we offer</strong></p>
      <p>Pension<br>25 days leave</p><script>var a=1;</script><table><tr><td>Grade:</td><td>P3</td></tr></table>
      </body></html>"""
    assert html_to_text(html) == (
        "Home\n\nResponsibilities\n\n• Plan the budget\n• Report\u00a0weekly\n\nWhat we offer\n\n"
        "Pension\n25 days leave\n\nGrade: P3"
    )


def test_files_folders_and_ids(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("Nurse wanted.", encoding="utf-8")
    (tmp_path / "sub" / "b.html").write_text("<p>Chef wanted.</p>", encoding="utf-8")
    (tmp_path / "sub" / "c.md").write_text("## Driver\n- Drive", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    with pytest.warns(readers.InputWarning, match="notes.pdf"):
        postings = read_postings([tmp_path])
    assert [(p.id, p.text) for p in postings] == [
        ("a", "Nurse wanted."),
        ("b", "Chef wanted."),
        ("c", "Driver\n\n• Drive"),
    ]
    assert postings[1].meta == {"format": "html"}
    assert postings[2].meta == {"format": "markdown"}


def test_jsonl_with_annotation_and_plain_lines(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    rows = [
        {"id": "x1", "text": "Apply now."},
        {"text": "Pension.", "segments": [{"start": 0, "end": 8, "label": "benefit"}]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    postings = read_postings([path])
    assert [p.id for p in postings] == ["x1", "batch-2"]
    assert postings[1].segments == rows[1]["segments"]


def test_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["Nurse wanted.", "Chef wanted."]}), tmp_path / "b.parquet")
    assert [p.id for p in read_postings([tmp_path / "b.parquet"])] == ["p1", "p2"]


def test_stdin_text_and_html(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"<ul><li>Drive</li></ul>")))
    [posting] = read_postings(["-"])
    assert (posting.id, posting.text) == ("stdin", "• Drive")


def test_latin1_file_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("Salaire: 3000 € – café".encode("cp1252"))
    with pytest.warns(DecodingWarning):
        [posting] = read_postings([path])
    assert posting.text == "Salaire: 3000 € – café"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty or whitespace-only"),
        ("blank.txt", b" \n\t\n", "empty or whitespace-only"),
        ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("bad.jsonl", b'{"text": "ok"}\n{"text": \n', "bad.jsonl:2: malformed JSON"),
        ("nofield.jsonl", b'{"body": "x"}\n', "no 'text' string field"),
        ("range.jsonl", b'{"text": "abc", "segments": [{"start": 0, "end": 9, "label": "other"}]}\n', "out of range"),
        (
            "label.jsonl",
            b'{"text": "abc", "segments": [{"start": 0, "end": 3, "label": "perk"}]}\n',
            "unknown label 'perk'",
        ),
        (
            "order.jsonl",
            b'{"text": "ab cd", "segments": [{"start": 3, "end": 5}, {"start": 0, "end": 2}]}\n',
            "overlaps",
        ),
    ],
)
def test_bad_inputs_are_input_errors(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_postings([path])


def test_missing_path() -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        read_postings(["/nonexistent/posting.txt"])


def test_batch_reports_a_bad_posting_and_reads_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Nurse wanted.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("   ", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text('{"text": "Chef."}\nnot json\n{"text": "Cook."}\n', encoding="utf-8")
    errors: list[InputError] = []
    postings = list(iter_postings([tmp_path], errors.append))
    assert [p.text for p in postings] == ["Nurse wanted.", "Chef.", "Cook."]
    assert [str(e).split(": ", 1)[1] for e in errors] == [
        "empty or whitespace-only posting",
        "malformed JSON (Expecting value at column 1)",
    ]


def test_locate_segments_finds_texts_across_line_breaks_in_order() -> None:
    from jobsections.annotations import locate_segments

    text = "Duties:\n• Plan the\n  budget.\n• Plan the team."
    segments = locate_segments(text, [("other", "Duties:"), ("responsibility", "Plan the budget."),
                                      ("responsibility", "Plan the")])  # fmt: skip
    assert [(s["start"], s["end"]) for s in segments] == [(0, 7), (10, 28), (31, 39)]
    with pytest.raises(InputError, match="not found"):
        locate_segments(text, [("other", "Salary")])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_decoded(tmp_path: Path, encoding: str) -> None:
    """Issue 13, item 9: a UTF-16 file with a BOM (Windows Notepad's "Unicode") was rejected as binary."""
    text = "Benefits:\n• Pension – 5 %\n• Café"
    data = text.encode(encoding)
    if not encoding.endswith(("16", "32")):  # the -le/-be codecs write no BOM: add it
        data = "\ufeff".encode(encoding) + data
    path = tmp_path / "notepad.txt"
    path.write_bytes(data)
    [posting] = read_postings([path])
    assert posting.text == text


def test_utf16_that_does_not_decode_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\xff\xfeA\x00\x00\xd8")  # a BOM, then a lone surrogate
    with pytest.raises(InputError, match="UTF-16"):
        read_postings([path])


# ---------------------------------------------------------------- issue 13, item 7: choosing the input format


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_text_starting_with_a_brace_is_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """It was parsed as JSON Lines and failed: JSONL now needs a first line that is a JSON object."""
    _stdin(monkeypatch, b"{Company} is hiring.\nResponsibilities\n- Drive")
    [posting] = read_postings(["-"])
    assert (posting.id, posting.text) == ("stdin", "{Company} is hiring.\nResponsibilities\n- Drive")


def test_stdin_jsonl_is_still_sniffed(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b'\n{"id": "a", "text": "Drive."}\n{"id": "b", "text": "Cook."}\n')
    assert [p.id for p in read_postings(["-"])] == ["a", "b"]


def test_input_format_overrides_sniffing_and_suffixes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _stdin(monkeypatch, b'{"id": "a", "text": "Drive."}\n')
    [posting] = read_postings(["-"], input_format="text")
    assert posting.text == '{"id": "a", "text": "Drive."}\n'
    page = tmp_path / "page.aspx"
    page.write_text("<div><p>Nurse wanted.</p></div>", encoding="utf-8")
    assert read_postings([page], input_format="html")[0].text == "Nurse wanted."
    notes = tmp_path / "notes.txt"
    notes.write_text('{"id": "n1", "text": "Chef."}\n', encoding="utf-8")
    assert [p.id for p in read_postings([notes], input_format="jsonl")] == ["n1"]


def test_stdin_parquet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["p1"], "text": ["Nurse wanted."]}), tmp_path / "b.parquet")
    data = (tmp_path / "b.parquet").read_bytes()
    _stdin(monkeypatch, data)
    assert [p.id for p in read_postings(["-"])] == ["p1"]
    _stdin(monkeypatch, data)
    assert [p.id for p in read_postings(["-"], input_format="parquet")] == ["p1"]


def test_odd_suffix_given_by_name_is_sniffed_with_a_warning(tmp_path: Path) -> None:
    page = tmp_path / "posting.aspx"
    page.write_text("<html><body><ul><li>Drive</li></ul></body></html>", encoding="utf-8")
    with pytest.warns(readers.InputWarning, match="--input-format"):
        [posting] = read_postings([page])
    assert posting.text == "• Drive"


def test_unknown_input_format_is_refused() -> None:
    with pytest.raises(ValueError, match="input format"):
        read_postings(["-"], input_format="docx")


# ---------------------------------------------------------------- issue 13: Markdown


MARKDOWN = (
    "# Volunteer driver\n\n**Salary:** EUR 30k  \n**Location:** [Berlin](https://example.org/berlin)\n\n"
    "## What you will do\n\n- Drive our *van*\n- Pay: 50k <negotiable>\n\nWrite to <jobs@example.org>.\n"
)


def test_markdown_is_read_as_markdown_with_offsets_into_the_text_returned(tmp_path: Path) -> None:
    """`**Salary:** EUR` had become the segment `Salary:** EUR`, links kept their syntax and
    `# Title` was an item: `.md` was read as plain text."""
    from jobsections.segment import segment_text

    path = tmp_path / "driver.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    [posting] = read_postings([path])
    assert posting.text == (
        "Volunteer driver\n\nSalary: EUR 30k\nLocation: Berlin\n\nWhat you will do\n\n"
        "• Drive our van\n• Pay: 50k <negotiable>\n\nWrite to jobs@example.org."
    )
    assert posting.meta == {"format": "markdown"}
    # short bare lines naming no section are `line`s (a heading or an item): never `item` here
    assert [(kind, posting.text[s:e]) for s, e, kind in segment_text(posting.text)][:4] == [
        ("line", "Volunteer driver"),
        ("field", "Salary: EUR 30k"),
        ("field", "Location: Berlin"),
        ("line", "What you will do"),
    ]


def test_markdown_on_stdin_and_markdown_read_as_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _stdin(monkeypatch, MARKDOWN.encode())
    [posting] = read_postings(["-"], input_format="markdown")
    assert posting.text.startswith("Volunteer driver\n\nSalary: EUR 30k")
    path = tmp_path / "driver.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    assert read_postings([path], input_format="text")[0].text == MARKDOWN


# ---------------------------------------------------------------- issue 13: .csv, .json, .docx, .pdf, skipped files


def test_csv_with_a_text_column(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    long_text = "Duties: " + "plan the budget, " * 10_000  # above the csv module's default field limit
    path.write_text(
        'id,title,text\nj1,Nurse,"Benefits:\n• Pension, 25 days"\n,Chef,Chef wanted.\nj3,Clerk,"' + long_text + '"\n',
        encoding="utf-8",
    )
    postings = read_postings([path])
    assert [(p.id, p.text) for p in postings[:2]] == [
        ("j1", "Benefits:\n• Pension, 25 days"),
        ("jobs-1", "Chef wanted."),
    ]
    assert postings[2].text == long_text
    semicolons = tmp_path / "excel.csv"
    semicolons.write_text('id;text\nx;"Nurse wanted; nights."\n', encoding="utf-8")
    assert [(p.id, p.text) for p in read_postings([semicolons])] == [("x", "Nurse wanted; nights.")]
    no_text = tmp_path / "bad.csv"
    no_text.write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'text' column"):
        read_postings([no_text])


def test_json_array_or_object(tmp_path: Path) -> None:
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"id": "a", "text": "Nurse wanted."}, {"text": "Chef wanted."}]), encoding="utf-8")
    assert [(p.id, p.text) for p in read_postings([many])] == [("a", "Nurse wanted."), ("many-1", "Chef wanted.")]
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"id": "b", "text": "Cook wanted."}), encoding="utf-8")
    assert [p.id for p in read_postings([one])] == ["b"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"text": ', encoding="utf-8")
    with pytest.raises(InputError, match="malformed JSON"):
        read_postings([bad])


@pytest.mark.parametrize(
    ("name", "hint"), [("cv.pdf", "pdftotext"), ("cv.docx", "plain text"), ("cv.doc", "plain text")]
)
def test_pdf_and_word_files_are_refused_with_a_hint(tmp_path: Path, name: str, hint: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4 Nurse wanted")
    with pytest.raises(InputError, match=hint):
        read_postings([path])


def test_folder_says_what_it_skips_and_why(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Nurse wanted.", encoding="utf-8")
    (tmp_path / "b.pdf").write_bytes(b"%PDF")
    (tmp_path / "c.docx").write_bytes(b"PK")
    (tmp_path / "INDEX.tsv").write_text("id\tslug\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Not a posting.", encoding="utf-8")
    with pytest.warns(readers.InputWarning) as caught:
        postings = read_postings([tmp_path])
    assert [p.id for p in postings] == ["a"]
    [message] = [str(w.message) for w in caught]
    assert "skipped 3 files" in message
    assert "b.pdf (a PDF" in message and "c.docx (a Word document" in message and "INDEX.tsv (unknown suffix" in message
    assert ".hidden" not in message


# ---------------------------------------------------------------- issue 13: one huge posting


def test_a_posting_above_the_warning_size_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("Duties: drive the van. " * 45_000, encoding="utf-8")  # 1,035,000 characters
    with pytest.warns(readers.InputWarning, match="1.0 million characters"):
        [posting] = read_postings([path])
    assert len(posting.text) == 1_035_000


def test_a_posting_above_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"id": "big", "text": "x " * 600}) + "\n" + json.dumps({"text": "Chef."}) + "\n")
    errors: list[InputError] = []
    postings = list(iter_postings([path], errors.append, max_chars=1000))
    assert [p.text for p in postings] == ["Chef."]
    [error] = errors
    assert str(error).startswith(f"{path}:1: 1,200 characters, more than the limit of 1,000 for one posting")
    assert "--max-chars" in str(error)


def test_a_20_mb_text_file_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One 20 MB text file took 2.77 GB and 21.5 s; by its size alone it is more than the limit."""
    path = tmp_path / "dump.txt"
    path.write_bytes(b"Nurse wanted. " * 1_500_000)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(InputError, match="more than the limit of 5,000,000"):
        read_postings([path])
