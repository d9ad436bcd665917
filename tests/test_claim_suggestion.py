"""Python 3.10+'s `Did you mean: 'x'?` after a message is the printing interpreter's, not the
failure's: a report pasted from 3.11 matches a run on 3.9, which prints no suggestion."""

from __future__ import annotations

from harness.repro.claim_match import same_message

MISSING = "module 'tfx.compat.internal' has no attribute 'attach_loader'"


def test_a_suggestion_the_run_did_not_print_still_matches() -> None:
    claimed = MISSING + ". Did you mean: 'attach_caller'?"
    assert same_message(claimed, MISSING)
    assert same_message(MISSING, claimed)


def test_an_import_error_with_its_location_and_suggestion_matches() -> None:
    claimed = (
        "cannot import name 'Lyr' from 'pkg.layers' (/x/pkg/layers/__init__.py)."
        " Did you mean: 'Layer'?"
    )
    assert same_message(claimed, "cannot import name 'Lyr' from 'pkg.layers'")


def test_another_missing_attribute_stays_another_message() -> None:
    claimed = MISSING + ". Did you mean: 'attach_caller'?"
    assert not same_message(claimed, "module 'tfx.compat.internal' has no attribute 'detach'")
