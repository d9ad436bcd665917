"""JUnit XML, which GitHub, GitLab and Jenkins render: one testcase per cell.

A cell is a test of its scenario in one environment under one backend, read the way a test
runner would read the scenario run as a test:

- `ok` (the scenario ran to its end) passes;
- `error` (the scenario raised) is a <failure>, typed by the exception, with its traceback;
- `build_failed`, `timeout` and `crashed` (the scenario never produced a result) are
  <error>s, typed by the status, with the reason.

Whether the article's claim was reproduced is a property of each testcase and is printed in
its system-out; it does not decide pass or fail, since most scenarios are meant to raise.
The shape is the common one (testsuites > testsuite > properties, testcase*, system-out,
system-err) that the Ant/Jenkins JUnit schema describes; tests validate it against one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # builds a document; nothing untrusted is parsed
from collections.abc import Sequence
from datetime import datetime

from harness.results.outcome import Outcome
from harness.results.views import Report

NO_RESULT = ("build_failed", "timeout", "crashed")
# Characters XML 1.0 cannot hold at all (output tails carry terminal escapes and NULs).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MESSAGE_LIMIT = 500


def render(report: Report) -> str:
    """The report as JUnit XML: one suite per scenario, one case per cell."""
    p = report.provenance
    suites = ET.Element("testsuites", name=f"keras-matrix-harness run {p.run_id}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for scenario in report.run.axes["scenario"]:
        cells = [o for o in report.outcomes if o.scenario == scenario]
        suite = _suite(report, scenario, cells)
        suites.append(suite)
        for key in ("tests", "failures", "errors"):
            totals[key] += int(suite.get(key, "0"))
        totals["time"] += float(suite.get("time", "0"))
    for key in ("tests", "failures", "errors"):
        suites.set(key, str(totals[key]))
    suites.set("time", f"{totals['time']:.3f}")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _suite(report: Report, scenario: str, cells: Sequence[Outcome]) -> ET.Element:
    p = report.provenance
    claim = next((c for c in report.claims if c.scenario == scenario), None)
    suite = ET.Element(
        "testsuite",
        name=scenario,
        tests=str(len(cells)),
        failures=str(sum(o.status == "error" for o in cells)),
        errors=str(sum(o.status in NO_RESULT for o in cells)),
        skipped="0",
        time=f"{sum(o.duration_s or 0.0 for o in cells):.3f}",
        timestamp=_timestamp(p.started),
        hostname="localhost",
    )
    properties = ET.SubElement(suite, "properties")
    facts = {
        "run_id": p.run_id,
        "matrix": p.matrix,
        "matrix_sha256": p.matrix_sha256,
        "harness_version": p.harness_version,
        "engine": p.engine,
        "title": report.scenario_title(scenario),
    }
    if claim is not None:
        facts |= {"claim": claim.summary, "claim_verdict": claim.text}
    for name, value in facts.items():
        ET.SubElement(properties, "property", name=name, value=_clean(value))
    for outcome in cells:
        suite.append(_case(report, outcome))
    ET.SubElement(suite, "system-out").text = _clean(claim.text if claim else "")
    ET.SubElement(suite, "system-err")
    return suite


def _case(report: Report, o: Outcome) -> ET.Element:
    case = ET.Element(
        "testcase", name=o.cell_id, classname=o.scenario, time=f"{o.duration_s or 0.0:.3f}"
    )
    if o.status == "error" and o.error is not None:
        failure = ET.SubElement(
            case, "failure", type=o.error.type, message=_short(f"{o.error.message}")
        )
        failure.text = _clean(o.error.traceback or f"{o.error.type}: {o.error.message}")
    elif o.status in NO_RESULT:
        reason = o.reason or o.status.replace("_", " ")
        error = ET.SubElement(case, "error", type=o.status, message=_short(reason))
        error.text = _clean(reason)
    lines = [
        f"result: {report.text(o)}",
        "claim reproduced: "
        + {True: "yes", False: "no", None: "not checked (no result)"}[o.claim_reproduced],
        "versions: "
        + (", ".join(f"{k} {v or 'not installed'}" for k, v in o.versions.items()) or "unknown"),
    ]
    if o.command:
        lines.append(f"reproduce: {o.command}")
    ET.SubElement(case, "system-out").text = _clean("\n".join(lines))
    return case


def _timestamp(started: str) -> str:
    """ISO 8601 without a zone (as the schema's pattern wants), in the run's own UTC."""
    try:
        return datetime.fromisoformat(started).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return "1970-01-01T00:00:00"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _short(text: str) -> str:
    line = " ".join(_clean(text).split())
    return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"
