"""Shapes of reports pasted from logs: each line marked by the log (a CI job's timestamps,
`docker compose`'s service bar, a Ray worker's pid, glog's and kubectl's headers, a gutter of
line numbers, GitHub's links to a job's lines) and terminal colours, taken off before the report
is read; the report's own lines (tables, REPL prompts, IPython's numbered lines) left as they
are."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from harness.repro.bug_report.log_prefixes import readable
from harness.repro.bug_report.parse import extract
from tests.growth import grows_linearly

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/serve.py", line 4, in <module>\n'
    "    from keras.layers.core import Lambda\n"
    "ModuleNotFoundError: No module named 'keras.layers.core'"
)


def marked(mark: str, text: str = TRACEBACK) -> str:
    return "\n".join(f"{mark}{line}" for line in text.splitlines())


def fenced(text: str) -> str:
    return f"# serve.py fails to start\n\n```\n{text}\n```\n"


# 1. Marks no report line carries by itself: taken off any line.


@pytest.mark.parametrize(
    "mark",
    [
        "2024-05-02T10:11:12.1234567Z ",  # GitHub Actions, Azure Pipelines
        "2024-05-02T10:11:12.123456789Z ",  # docker logs -t, kubectl logs --timestamps
        "[2024-05-02T10:11:12.123Z] ",  # Jenkins' timestamper
        "2024-05-02T10:11:12.123456Z 00O ",  # GitLab, with its stream tag
        "2024-05-02T10:11:12+02:00 ",
        "(pid=4412) ",
        "(RolloutWorker pid=4412) ",
        "(Worker pid=4412, ip=10.0.3.17) ",
        "(pid=raylet) ",
        "I0502 10:11:12.123456      69 main.go:136] ",  # glog
        "[pod/trainer-7d9f/main] ",  # kubectl logs --prefix
        "[2024-05-02, 10:11:12 UTC] {subprocess.py:93} INFO - ",  # Airflow 2
        "[2024-05-02T10:11:12.918-0600] {subprocess.py:93} INFO - ",
        "[2019-05-29 11:04:24,343] {base_task_runner.py:101} INFO - Job 44: Subtask train ",
    ],
)
def test_a_log_mark_on_every_line_is_taken_off_and_the_traceback_read(mark: str) -> None:
    assert readable(marked(mark)) == TRACEBACK
    found = extract(fenced(marked(mark)))
    assert found.reported_error is not None
    assert found.reported_error.message == "No module named 'keras.layers.core'"
    assert found.code is not None
    assert found.code.text.startswith("from keras.layers.core import Lambda")


def test_a_ci_log_gives_its_pip_output_and_its_workflow_commands_go() -> None:
    log = (
        "2024-05-02T10:11:10.0000001Z ##[group]Run pip install tensorflow\n"
        "2024-05-02T10:11:10.0000002Z ##[endgroup]\n"
        "2024-05-02T10:11:11.0000003Z Successfully installed keras-3.3.3 tensorflow-2.16.1\n"
        f"{marked('2024-05-02T10:11:12.0000004Z ')}\n"
        "2024-05-02T10:11:12.0000005Z ##[error]Process completed with exit code 1."
    )
    assert readable(log).splitlines()[:3] == [
        "Run pip install tensorflow",
        "",
        "Successfully installed keras-3.3.3 tensorflow-2.16.1",
    ]
    assert readable(log).endswith("Process completed with exit code 1.")
    found = extract(fenced(log))
    # pip's output pins the package the step names, and its dependency in the same step.
    assert [(pin.name, pin.version) for pin in found.pins] == [("tensorflow", "2.16.1")]
    assert found.pip_steps == ("tensorflow keras==3.3.3",)
    assert found.reported_error is not None
    assert found.reported_error.type == "ModuleNotFoundError"


def test_a_ci_step_gives_its_command_its_variables_and_its_python() -> None:
    command = 'python -c "import keras; print(keras.ops.logsumexp([1.0, 2.0]))"'
    step = (
        f"##[group]Run {command}\n{command}\nshell: /usr/bin/bash -e {{0}}\nenv:\n"
        "  KERAS_BACKEND: jax\n  pythonLocation: /opt/hostedtoolcache/Python/3.12.3/x64\n"
        "##[endgroup]\nTraceback (most recent call last):\n"
        '  File "<string>", line 1, in <module>\n'
        "TypeError: logsumexp() got an unexpected keyword argument 'axis'"
    )
    found = extract(fenced(marked("2024-06-03T08:00:01.1000000Z ", step)))
    assert found.code is not None
    assert found.code.text == "import keras; print(keras.ops.logsumexp([1.0, 2.0]))\n"
    assert found.env == {"KERAS_BACKEND": "jax"}
    assert found.python is not None
    assert found.python[0] == "3.12"
    assert found.reported_error is not None
    assert found.reported_error.type == "TypeError"


def test_a_log_s_timestamps_still_date_the_report() -> None:
    log = marked("2024-05-02T10:11:12.1234567Z ")
    assert extract(fenced(log)).as_of == datetime.date(2024, 5, 2)


def test_ray_s_folded_repeats_are_not_part_of_the_message() -> None:
    line = "(TrainWorker pid=7) ValueError: bad shape [repeated 3x across cluster]"
    assert readable(line) == "ValueError: bad shape"
    # Ray colours its workers' marks; pasted, the colour codes lost their ESC byte.
    assert readable(f"[2m[36m(TrainWorker pid=7)[0m {line[20:]}") == "ValueError: bad shape"
    # Only on a worker's line: the words alone, elsewhere, are the report's.
    assert readable("see [repeated 3x across cluster]") == "see [repeated 3x across cluster]"


def test_a_program_printing_a_fence_does_not_close_the_report_s_block() -> None:
    worker = "(Worker pid=9) "
    printed = f"{TRACEBACK}\nYou are likely doing something like:\n```\nx = f(y)\n```"
    text = readable(fenced(marked(worker, printed)))
    assert f"{worker}```" in text
    assert "```\nTraceback" in text
    found = extract(fenced(marked(worker, printed)))
    assert found.reported_error is not None
    assert found.reported_error.type == "ModuleNotFoundError"


def test_github_s_links_to_a_job_s_lines_go_and_linked_digits_stay() -> None:
    run = "https://github.com/acme/tagger/actions/runs/81/job/93?pr=4#step:6:{}"
    copied = "\n".join(
        f"[{n}]({run.format(n + 12)})\n{line}" for n, line in enumerate(TRACEBACK.splitlines(), 40)
    )
    assert readable(copied) == TRACEBACK
    inline = f"    Python[3]({run.format(3)})_ROOT_DIR: /opt/hostedtoolcache/Python/3.11.9/x64"
    assert readable(inline) == "    Python3_ROOT_DIR: /opt/hostedtoolcache/Python/3.11.9/x64"


# 2. Terminal colours.


def test_colour_codes_with_their_escape_byte_are_never_the_report_s() -> None:
    coloured = (
        "\x1b[0;31mModuleNotFoundError\x1b[0m                 Traceback (most recent call last)\n"
        "Cell \x1b[0;32mIn[2], line 1\x1b[0m\n"
        "\x1b[0;32m----> 1\x1b[0m \x1b[38;5;28;01mimport\x1b[39;00m "
        "\x1b[38;5;21;01mkeras_hub\x1b[39;00m\n"
        "\n"
        "\x1b[0;31mModuleNotFoundError\x1b[0m: No module named 'keras_hub'\x1b[K"
    )
    plain = readable(coloured)
    assert "\x1b" not in plain
    assert "----> 1 import keras_hub" in plain
    found = extract(fenced(coloured))
    assert found.reported_error is not None
    assert found.reported_error.message == "No module named 'keras_hub'"
    assert found.code is not None
    assert found.code.text.strip() == "import keras_hub"


def test_colour_codes_whose_escape_byte_was_lost_go_when_a_reset_shows_them() -> None:
    lost = "[0;31mValueError[0m: Input 0 is incompatible with [1mlayer[0m dense_3"
    assert readable(lost) == "ValueError: Input 0 is incompatible with layer dense_3"
    # Without any reset, `[3m` is text: a footnote, an index.
    assert readable("see note [3m] below, and x[1m]") == "see note [3m] below, and x[1m]"


# 3. Marks a report's own lines could carry: only off a run that is a log.


def test_a_service_bar_goes_from_a_compose_log_that_holds_a_traceback() -> None:
    log = "db-1      | LOG:  ready to accept connections\n" + marked("web-1     | ")
    assert readable(log) == "LOG:  ready to accept connections\n" + TRACEBACK
    honcho = marked("10:00:01 web.1  | ")
    assert readable(honcho) == TRACEBACK
    found = extract(fenced(marked("web_1  | ")))
    assert found.reported_error is not None
    assert found.code is not None


@pytest.mark.parametrize(
    "mark",
    [
        "May 02 10:11:12 gpu-box python3[4412]: ",  # journald
        "10:11:12 ",  # Jenkins' timestamper
        "[10:11:12.531] ",
    ],
)
def test_a_mark_a_line_could_carry_goes_from_a_run_that_holds_a_traceback(mark: str) -> None:
    assert readable(marked(mark)) == TRACEBACK
    agenda = f"{mark}standup\n{mark}review the keras 3 port"
    assert readable(agenda) == agenda


def test_a_downloaded_job_log_s_byte_order_mark_does_not_hide_its_first_timestamp() -> None:
    assert readable("\ufeff" + marked("2024-05-02T10:11:12.1234567Z ")) == TRACEBACK


def test_docker_build_s_step_and_seconds_go_from_a_run_with_pip_s_output() -> None:
    build = (
        "#9 [4/6] RUN pip install -r requirements.txt\n"
        "#9 3.204 Collecting tensorflow==2.15.1\n"
        "#9 41.77 Successfully installed keras-2.15.0 tensorflow-2.15.1\n"
        "#9 DONE 44.1s"
    )
    assert readable(build).splitlines()[1:3] == [
        "Collecting tensorflow==2.15.1",
        "Successfully installed keras-2.15.0 tensorflow-2.15.1",
    ]
    comments = "#1 0.5 is the dropout we tried\n#2 0.25 worked better"
    assert readable(comments) == comments


def test_a_table_of_versions_is_not_a_compose_log() -> None:
    table = "Package | Version\n--- | ---\nkeras | 3.3.3\ntensorflow | 2.16.1"
    assert readable(table) == table
    # One line is no run, traceback or not.
    assert readable("web-1  | Traceback (most recent call last):") == (
        "web-1  | Traceback (most recent call last):"
    )


@pytest.mark.parametrize(
    "gutter",
    [
        lambda n: f"{n:6d}\t",  # cat -n
        lambda n: f"{n:3d} | ",  # a pastebin
        lambda n: f"{n:3d} \u2502 ",  # bat
    ],
)
def test_a_gutter_of_numbers_counting_up_goes_from_pasted_code(
    gutter: Callable[[int], str],
) -> None:
    code = (
        "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(2)])\nmodel.build((None, 3))"
    )
    numbered = "\n".join(f"{gutter(n)}{line}" for n, line in enumerate(code.splitlines(), 1))
    assert [line.rstrip() for line in readable(numbered).splitlines()] == code.splitlines()
    found = extract(f"Keras 3.3.3\n\n```python\n{numbered}\n```\n\n{TRACEBACK}\n")
    assert found.code is not None
    assert found.code.text.startswith("import keras\n")


def test_a_gutter_s_marked_failing_line_counts_with_the_others() -> None:
    gutter = "  11\u2502     x = layer(x)\n\u2192 12\u2502     return model(x)\n  13\u2502 "
    assert readable(gutter) == "    x = layer(x)\n    return model(x)\n"


def test_numbers_that_do_not_count_up_and_ipython_s_numbered_lines_stay() -> None:
    listed = "1 | keras\n3 | tensorflow"
    assert readable(listed) == listed
    notebook = (
        "Cell In[3], line 4\n"
        "      2 import keras\n"
        "      3 net = keras.Sequential()\n"
        '----> 4 net.compile(optimizer="sgd",\n'
        '      5   loss="mae")'
    )
    assert readable(notebook) == notebook
    session = ">>> import keras\n>>> keras.__version__\n'3.3.3'\nIn [1]: import tensorflow as tf"
    assert readable(session) == session


def test_a_report_without_a_log_is_left_as_it_is() -> None:
    report = (
        "# Dense fails\n\nTensorFlow version: 2.16.1\n\n```python\nimport keras\n"
        "keras.layers.Dense(1)(None)\n```\n\n"
        "2024-05-02 10:11:12.123456: I tensorflow/core/util/port.cc:113] oneDNN custom ops\n"
        "2024-05-02 10:11:12,123 - ERROR - training failed\n"
        f"{TRACEBACK}\n"
    )
    assert readable(report) == report


# 4. Time: as the log grows, not faster.


@pytest.mark.parametrize(
    ("name", "shape", "n"),
    [
        ("timestamped lines", lambda n: marked("2024-05-02T10:11:12.1Z ", TRACEBACK * n), 200),
        ("service lines", lambda n: "web-1  | x\n" * n, 8_000),
        ("a gutter", lambda n: "".join(f"{i} | x\n" for i in range(n)), 8_000),
        ("open colours", lambda n: "[1;" * n, 40_000),
        ("a long run link", lambda n: "[1](https://github.com/" + "a" * n, 4_000),
        ("spaces before a bar", lambda n: "web" + " " * n + "x\n" + "web |\n", 4_000),
    ],
)
def test_taking_marks_off_grows_with_the_text(
    name: str, shape: Callable[[int], str], n: int
) -> None:
    small, large = shape(n), shape(4 * n)
    linear, said = grows_linearly(lambda: readable(small), lambda: readable(large))
    assert linear, f"{name}: {said}"
