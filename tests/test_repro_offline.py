"""A snippet that downloads something (a TF Hub model, pretrained weights, a dataset) stops
at the download in the offline run: that is no verdict on the report's error."""

from __future__ import annotations

import pytest

from harness.repro.bug_report.model import ReportedError
from harness.repro.verdict import verdict
from tests.test_repro_real_shapes import _raised, _request

CLAIM = ReportedError(type="ValueError", message="Only instances of a layer can be added")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "urllib.error.URLError",
            "<urlopen error [Errno -3] Temporary failure in name resolution>",
        ),
        ("socket.gaierror", "[Errno -2] Name or service not known"),
        (
            "Exception",
            "URL fetch failure on https://x.org/w.h5: [Errno 101] Network is unreachable",
        ),
        ("requests.exceptions.ConnectionError", "HTTPSConnectionPool(host='x.org', port=443)"),
    ],
)
def test_a_download_in_the_offline_run_is_not_run(kind: str, message: str) -> None:
    said = verdict(_request(CLAIM), _raised(kind, message))
    assert said.startswith("**Not run (no network)**: the report shows `ValueError`")


def test_a_reported_download_error_is_still_compared() -> None:
    claim = ReportedError(type="urllib.error.URLError", message="<urlopen error timed out>")
    said = verdict(_request(claim), _raised("urllib.error.URLError", "<urlopen error x>"))
    assert said.startswith("**Reproduced")


def test_another_error_stays_not_reproduced() -> None:
    said = verdict(_request(CLAIM), _raised("TypeError", "bad operand"))
    assert said == "**Not reproduced**: the report shows `ValueError`, here `TypeError`."
