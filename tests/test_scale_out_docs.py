"""docs/scale-out.md's GitLab and Kubernetes examples parse and shard with `--shard auto`;
`--cluster` reads a scheduler address or local:N."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli.scale import parse_cluster
from harness.errors import ConfigurationError

DOC = Path(__file__).resolve().parent.parent / "docs" / "scale-out.md"


def _yaml_blocks() -> list[Any]:
    text = DOC.read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def test_the_gitlab_example_is_a_parallel_job_running_shard_auto() -> None:
    (job,) = [b["keras-matrix"] for b in _yaml_blocks() if "keras-matrix" in b]
    assert isinstance(job["parallel"], int) and job["parallel"] > 1
    assert any("harness run" in line and "--shard auto" in line for line in job["script"])


def test_the_kubernetes_example_is_an_indexed_job_running_shard_auto() -> None:
    (job,) = [b for b in _yaml_blocks() if b.get("kind") == "Job"]
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    (container,) = spec["template"]["spec"]["containers"]
    command = container["command"]
    assert command[:2] == ["harness", "run"]
    assert command[command.index("--shard") + 1] == "auto"
    env = {item["name"]: item["value"] for item in container["env"]}
    # Kubernetes gives the index only: the total comes from HARNESS_RUN_SHARDS.
    assert int(env["HARNESS_RUN_SHARDS"]) == spec["completions"]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("tcp://scheduler:8786", ("tcp://scheduler:8786", None)),
        ("local", (None, None)),
        ("local:2", (None, 2)),
    ],
)
def test_cluster_addresses(text: str, parsed: tuple[str | None, int | None]) -> None:
    assert parse_cluster(text) == parsed


@pytest.mark.parametrize("text", ["local:0", "local:two", "scheduler:8786"])
def test_cluster_mistakes_are_one_line(text: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^--cluster "):
        parse_cluster(text)
