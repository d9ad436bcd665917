"""Other systems' TensorFlow builds and GPU plugins, as a Linux container installs them."""

from __future__ import annotations

import pytest

from harness.repro.bug_report.model import Extraction, Pin
from harness.repro.platform_builds import for_linux


@pytest.mark.parametrize(
    ("step", "want"),
    [
        # tensorflow-macos's patch releases are Apple's own: the minor is TensorFlow's.
        ("tensorflow-macos==2.12.0 tensorflow-metal==0.8.0", "'tensorflow==2.12.*'"),
        ("-U tensorflow-macos>=2.13", "-U 'tensorflow>=2.13'"),
        ("tensorflow_macos==2.9.2 keras==2.9.0", "'tensorflow==2.9.*' keras==2.9.0"),
        ("tensorflow-intel==2.14.0", "tensorflow==2.14.0"),
        ("keras==3.3.3 jax-metal==0.0.7", "keras==3.3.3"),
    ],
)
def test_a_build_is_installed_as_tensorflow_and_a_plugin_left_out(step: str, want: str) -> None:
    out, notes = for_linux(Extraction(pip_steps=(step,)))
    assert out.pip_steps == (want,)
    assert notes


def test_a_step_that_installs_only_a_plugin_is_no_step() -> None:
    out, notes = for_linux(Extraction(pip_steps=("tensorflow==2.15.0", "tensorflow-metal")))
    assert out.pip_steps == ("tensorflow==2.15.0",)
    assert notes == [
        "tensorflow-metal not installed: Apple's Metal GPU plugin (macOS), with no Linux "
        "files and no Linux counterpart; the container runs on the CPU"
    ]


def test_the_builds_version_pins_tensorflow_unless_the_report_gives_tensorflows_own() -> None:
    macos = Pin(name="tensorflow-macos", version="2.12.0", source="tensorflow-macos 2.12.0")
    out, _ = for_linux(Extraction(pins=(macos,)))
    assert [(p.name, p.version) for p in out.pins] == [("tensorflow", "2.12")]
    own = Pin(name="tensorflow", version="2.14.0", source="tensorflow 2.14.0")
    intel = Pin(name="tensorflow-intel", version="2.14.0", source="tensorflow-intel 2.14.0")
    out, notes = for_linux(Extraction(listed=(own, intel)))
    assert out.listed == (own,)
    assert "PyPI has no Linux files" in notes[0]


def test_a_report_without_them_is_unchanged() -> None:
    given = Extraction(pip_steps=("tensorflow-cpu==2.15.1",))
    assert for_linux(given) == (given, [])
