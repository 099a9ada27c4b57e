"""Short postings, a heading and two or three items, labelled by the shipped model.

Issue 13: `Responsibilities\\n- Write code\\n- Review code` gave `other` for the last item: in a
corpus of long postings the last segment is nearly always a footer. Batch s1 of the written
corpus (70 short postings, most ending on content) taught the model otherwise.
"""

from __future__ import annotations

import pytest

from jobsections.model import load_model
from jobsections.predict import predict_records
from jobsections.readers import Posting


@pytest.fixture(scope="module")
def shipped():
    return load_model()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Responsibilities\n- Write code\n- Review code", "responsibility"),
        ("Responsibilities:\n- Write code\n- Review code", "responsibility"),
        ("Duties:\n- Care for patients\n- Keep records", "responsibility"),
        ("Requirements\n- Driving licence\n- Fluent English", "qualification"),
        ("Benefits\n- Pension\n- 25 days of leave", "benefit"),
        ("How to apply\n- Send your CV to jobs@example.org", "application"),
    ],
)
def test_the_items_of_a_short_posting_get_their_sections_label(shipped, text: str, label: str) -> None:
    [record] = predict_records(shipped, [Posting("short", text)])
    labels = [s["label"] for s in record["segments"]]
    assert labels[0] == "other"  # the heading (GUIDELINES.md: headings are always `other`)
    assert labels[1:] == [label] * (len(labels) - 1)
