"""Short postings, a heading and two or three items, labelled by the shipped model.

Issue 13: `Responsibilities\\n- Write code\\n- Review code` gave `other` for both items. This is
the model and its training data (the written corpus has few postings this short), not the
code: the cases the shipped model still gets wrong are marked xfail until it is retrained on
the new corpus; the test then passes and the mark can go.
"""

from __future__ import annotations

import pytest

from jobsections.model import load_model
from jobsections.predict import predict_records
from jobsections.readers import Posting

RETRAIN = pytest.mark.xfail(
    strict=False,
    reason="shipped model: items under a bare Responsibilities/Duties heading come out `other`; "
    "short postings are to be added to the corpus and the model retrained (issue 13)",
)


@pytest.fixture(scope="module")
def shipped():
    return load_model()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        pytest.param("Responsibilities\n- Write code\n- Review code", "responsibility", marks=RETRAIN),
        pytest.param("Responsibilities:\n- Write code\n- Review code", "responsibility", marks=RETRAIN),
        pytest.param("Duties:\n- Care for patients\n- Keep records", "responsibility", marks=RETRAIN),
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
