"""A script run from an IDE's console (Spyder's and PyCharm's `runfile(...)`, `debugfile(...)`,
Spyder 6's `%runfile`): the console's line only ran the script, whose own frame is the code that
failed; Spyder's frames show their source line unnumbered."""

from __future__ import annotations

import pytest

from harness.repro.bug_report.ide_consoles import runs_a_script, spyder_source
from harness.repro.bug_report.parse import extract

_ERROR = "ModuleNotFoundError: No module named 'keras.engine'"
_FAILING = "from keras.engine.topology import Layer"


@pytest.mark.parametrize(
    "code",
    [
        "runfile('C:/work/birds/detect.py', wdir='C:/work/birds')",
        "debugfile('/home/ines/owls/count.py', wdir='/home/ines/owls')",
        "%runfile C:/work/birds/detect.py --wdir",
        "%run count.py",
        "exec(open('count.py').read())",
        "get_ipython().run_line_magic('run', 'count.py')",
        "runfile('a.py')\nrunfile('b.py')",
    ],
)
def test_lines_that_only_run_a_script(code: str) -> None:
    assert runs_a_script(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "model.fit(x, y)",
        "runfile('a.py')\nmodel.fit(x, y)",
        "exec('print(1)')",
        "import keras",
        "get_ipython().run_line_magic('pip', 'install keras')",
    ],
)
def test_lines_that_do_more(code: str) -> None:
    assert not runs_a_script(code)


def test_spyders_unnumbered_source_line() -> None:
    lines = ["  File c:\\w\\x.py:4", "    import keras.engine", "", "Error: x"]
    assert spyder_source(lines, 1) == (("import keras.engine",), 2)
    assert spyder_source(lines, 2) is None  # blank
    assert spyder_source(lines, 3) is None  # at the margin
    assert spyder_source(["  File a.py:3", "  File b.py:4"], 1) is None  # another frame
    assert spyder_source(["x"], 1) is None


_PYCHARM = f"""# detector fails to load

Keras 2.13.1 and TensorFlow 2.13.0, Python 3.9, from the PyCharm console:

```
Traceback (most recent call last):
  File "C:\\py39\\lib\\site-packages\\IPython\\core\\shell.py", line 3433, in run_code
    exec(code_obj, self.user_global_ns, self.user_ns)
  File "<ipython-input-4-1f2e3d4c5b6a>", line 1, in <module>
    runfile('C:/work/birds/detect.py', wdir='C:/work/birds')
  File "C:\\PyCharm\\helpers\\pydev\\_pydev_bundle\\pydev_umd.py", line 198, in runfile
    pydev_imports.execfile(filename, global_vars, local_vars)  # execute the script
  File "C:/work/birds/detect.py", line 4, in <module>
    {_FAILING}
{_ERROR}
```
"""

_SPYDER_5 = f"""Spyder, tensorflow 2.13.0:

```
{{prompt}}runfile('C:/work/birds/detect.py', wdir='C:/work/birds')
Traceback (most recent call last):

  File "C:\\an3\\lib\\site-packages\\spyder_kernels\\py3compat.py", line 356, in compat_exec
    exec(code, globals, locals)

  File "c:\\work\\birds\\detect.py", line 4, in <module>
    {_FAILING}

{_ERROR}
```
"""

_SPYDER_6 = f"""Spyder 6, tensorflow 2.13.0:

```
%runfile C:/work/birds/detect.py --wdir
Traceback (most recent call last):

  File ~\\an3\\Lib\\site-packages\\spyder_kernels\\customize\\utils.py:209 in exec_locals
    exec_fun(compile(code_ast, filename, "exec"), globals)

  File c:\\work\\birds\\detect.py:4
    {_FAILING}

{_ERROR}
```
"""

_DEBUGFILE = f"""Spyder's debugger, tensorflow 2.13.0:

```
---------------------------------------------------------------------------
ModuleNotFoundError                       Traceback (most recent call last)
<ipython-input-7-0a1b2c3d4e5f> in <module>
----> 1 debugfile('C:/work/birds/detect.py', wdir='C:/work/birds')

~\\an3\\lib\\site-packages\\spyder_kernels\\customize\\sc.py in debugfile(filename)
    560     debugger.run("runfile(%r)" % filename)

c:\\work\\birds\\detect.py in <module>
      3
----> 4 {_FAILING}

{_ERROR}
```
"""


@pytest.mark.parametrize(
    "report",
    [
        _PYCHARM,
        _SPYDER_5.format(prompt=""),
        _SPYDER_5.format(prompt="In [2]: "),
        _SPYDER_6,
        _DEBUGFILE,
    ],
    ids=["pycharm-cell", "spyder-line", "spyder-prompt", "spyder-6-magic", "debugfile-cell"],
)
def test_the_script_a_console_ran_is_the_code(report: str) -> None:
    found = extract(report)
    assert found.code is not None
    assert found.code.text.strip().endswith(_FAILING)
    assert "runfile" not in found.code.text and "debugfile" not in found.code.text
    assert found.reported_error is not None
    assert found.reported_error.message == "No module named 'keras.engine'"


def test_a_runfile_line_stays_when_no_frame_of_the_script_is_shown() -> None:
    report = (
        "```\nrunfile('C:/work/birds/detect.py', wdir='C:/work/birds')\n```\n\n"
        "It says ModuleNotFoundError: No module named 'keras.engine'\n"
    )
    found = extract(report)
    assert found.code is not None
    assert "runfile" in found.code.text or "keras.engine" in found.code.text
