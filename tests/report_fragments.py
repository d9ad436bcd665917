"""Hypothesis strategies for bug reports as users paste them: realistic fragments (prose,
code, pip lines behind prompts, tracebacks of each kind the reader knows, version listings,
template fields) mixed with hostile noise (HTML, ANSI colours, carriage returns, emoji, CJK,
unbalanced fences, cut pastes). Every name, path and message here is made up."""

from __future__ import annotations

from hypothesis import strategies as st

# Names the recorded PyPI answers know (tests/data/pypi), so resolution gets past the index.
PACKAGES = ("tensorflow", "keras", "tf-keras", "jax", "torch", "numpy", "keras-hub", "pandas")
VERSIONS = (
    "2.16.1",
    "2.15.0",
    "3.3.3",
    "3.0.1",
    "2.11",
    "1.15",
    "2.16",
    "3",
    "2.0.0rc1",
    "2.1.0.rc1",
    "2.17.0-dev20240601",
    "2.3.1+cu121",
    "0.4.30",
    "1.26.4",
    "4.9.0.80",
    "99.99.99",
    "0.0.0",
)
PYTHONS = ("3.11", "3.10", "3.12.4", "3.9", "2.7", "3.13", "3.x", "3.6")

words = st.sampled_from(
    (
        "the",
        "model",
        "fails",
        "works",
        "with",
        "not",
        "after",
        "upgrading",
        "from",
        "to",
        "when",
        "I",
        "import",
        "keras",
        "TF",
        "tensorflow",
        "Python",
        "version",
        "error",
        "shows",
        "says",
        "saved",
        "trained",
        "downgrading",
        "fixes",
        "it",
        "on",
        "in",
        "but",
        "older",
        "no longer",
        "backend",
        "jax",
        "torch",
        "KERAS_BACKEND=jax",
        "`import keras_hub`",
        "keras.json",
        "Date:",
        "2024-03-05",
        "Mar 5, 2024",
        "导入keras时",
        "出现错误",
        "模型",
        "エラーが発生しました",
        "Fehler",
        "ошибка",
        "🙂",
        "🔥🔥",
    )
)
version = st.sampled_from(VERSIONS)
package = st.sampled_from(PACKAGES)
python = st.sampled_from(PYTHONS)


@st.composite
def sentence(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(words, version, package, python), min_size=1, max_size=14))
    return " ".join(parts) + draw(st.sampled_from((".", "", "!", "?", ":", "。")))


@st.composite
def phrased_version(draw: st.DrawFn) -> str:
    name, ver, other = draw(package), draw(version), draw(version)
    return draw(
        st.sampled_from(
            (
                f"It worked fine with {name} {other}, but not with {ver} or {other}.",
                f"With {name} {ver}, the code works fine.",
                f"after upgrading from {name} {other} to {ver} it fails",
                f"works in Python {draw(python)}, not with {draw(python)}",
                f"the .h5 was saved with {name} {other}",
                f"{name}({ver})",
                f"{name} v{ver}",
                f"TF{ver}",
                f"the {name} version I am using is {ver}",
                f"Tensor Flow Version: {ver}",
                f"when I import {name}",
                f"importing `{name.replace('-', '_')}` fails",
                f"I get AttributeError: module '{name}' has no attribute 'x{other}' when I run it",
            )
        )
    )


@st.composite
def template_field(draw: st.DrawFn) -> str:
    label = draw(
        st.sampled_from(
            (
                "TensorFlow version",
                "Keras version",
                "Python version",
                "TensorFlow version and how it was installed (source or binary)",
                "OS Platform and Distribution",
                "Model saved at",
                "Python path",
                "Code location",
                "title",
                "created",
                "KERAS_BACKEND",
            )
        )
    )
    value = draw(
        st.one_of(
            version,
            python,
            st.sampled_from(
                (
                    "jax",
                    "binary",
                    "/content/drive/tf2.12/m.h5",
                    r"C:\Users\Ana\AppData\Local\Programs\Python\Python312\Lib\site-packages",
                    "~/proj/keras-3.1/train.py",
                    "Linux Ubuntu 22.04",
                    "v2.16.1-19-g810f233968c 2.16.2",
                    "",
                    "N/A",
                )
            ),
        )
    )
    form = draw(st.sampled_from(("{l}: {v}", "### {l}\n\n{v}", "- **{l}**: {v}", "{l} = {v}")))
    return form.format(l=label, v=value)


CODE_LINES = (
    "import tensorflow as tf",
    "import keras",
    "from keras import layers",
    "import numpy as np",
    "import os",
    'os.environ["KERAS_BACKEND"] = "jax"',
    'os.environ["TF_USE_LEGACY_KERAS"] = "1"',
    "model = keras.Sequential([layers.Dense(4)])",
    "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])",
    'model.compile(optimizer="adam", loss="mse")',
    "model.fit(np.zeros((4, 2)), np.zeros((4, 1)))",
    "print(tf.__version__)  # 2.16.1",
    "print(keras.__version__)",
    "x = tf.constant([1, 2, 3])",
    "def build(units):",
    "    return keras.layers.Dense(units)",
    "class Net(tf.keras.Model):",
    "    pass",
    "for i in range(3):",
    "    print(i)",
    "!pip install -q keras==3.3.3",
    "%pip install tensorflow",
    "%env KERAS_BACKEND=torch",
    "get_ipython().system('pip install tf-keras')",
    ">>> import keras",
    ">>> keras.__version__",
    "'3.3.3'",
    "In [3]: import tensorflow as tf",
    "Out[3]: '2.15.0'",
    "...     x = 1",
    "if True:",
    "return x",
    "x = (1,",
    "print('unterminated",
    "λ = 1",
    "x = y = ",
    "\tx = 1",
    "import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()",
)


@st.composite
def code(draw: st.DrawFn) -> str:
    return "\n".join(draw(st.lists(st.sampled_from(CODE_LINES), min_size=1, max_size=10)))


@st.composite
def fenced(draw: st.DrawFn, body: st.SearchStrategy[str]) -> str:
    fence = draw(st.sampled_from(("```", "~~~", "````", "   ```")))
    info = draw(st.sampled_from(("", "python", "py", "shell", "bash", "console", "text", "pycon")))
    close = draw(st.sampled_from((fence.strip(), fence.strip(), "", "``", "```python")))
    return f"{fence}{info}\n{draw(body)}\n{close}"


@st.composite
def pip_line(draw: st.DrawFn) -> str:
    prompt = draw(
        st.sampled_from(
            (
                "",
                "$ ",
                "(base) sh-4.2$ ",
                "(venv) root@host:/# ",
                "> ",
                "PS C:\\> ",
                "!",
                "%",
                "C:\\Users\\Ana> ",
            )
        )
    )
    command = draw(
        st.sampled_from(
            (
                "pip install",
                "pip3 install",
                "python -m pip --quiet install",
                "py -3.11 -m pip install",
                "uv pip install",
                "pip install -U",
                "pip install --user",
            )
        )
    )
    specs = draw(
        st.lists(
            st.one_of(
                st.builds(lambda n, v: f"{n}=={v}", package, version),
                package,
                st.sampled_from(
                    (
                        "xxx",
                        "<package>",
                        "2.0-rc",
                        "git+https://github.com/acme-ml/widgets.git@v0.1.2",
                        "widgets@git+https://github.com/acme-ml/widgets",
                        '"keras>=3,<4"',
                        "tensorflow[and-cuda]==2.16.1",
                        "-r requirements.txt",
                        "\\",
                        "&& python -c 'import keras'",
                    )
                ),
            ),
            min_size=1,
            max_size=4,
        )
    )
    return f"{prompt}{command} {' '.join(specs)}"


@st.composite
def uv_line(draw: st.DrawFn) -> str:
    names = draw(st.lists(package, min_size=1, max_size=3))
    withs = " ".join(f"--with {n}" for n in names)
    return f"uv run {withs} --exclude-newer 2024-05-01 python repro.py"


FRAME_LIBRARY = (
    '  File "/usr/local/lib/python3.11/site-packages/keras/src/utils/traceback_utils.py", '
    "line 122, in error_handler\n    raise e.with_traceback(filtered_tb) from None"
)


@st.composite
def python_traceback(draw: st.DrawFn) -> str:
    error = draw(error_line())
    own = '  File "/home/ana/proj/train.py", line 12, in <module>\n    model.fit(x, y)'
    stdin = '  File "<stdin>", line 1, in <module>'
    frames = draw(st.lists(st.sampled_from((own, stdin, FRAME_LIBRARY)), max_size=4))
    return "\n".join(["Traceback (most recent call last):", *frames, error])


@st.composite
def ipython_traceback(draw: st.DrawFn) -> str:
    error = draw(error_line())
    kind = error.split(":")[0]
    new = (
        f"---------------------------------------------------------------------------\n"
        f"{kind}                            Traceback (most recent call last)\n"
        "Cell In[7], line 4\n"
        "      2 import keras\n"
        "      3 net = keras.Sequential()\n"
        '----> 4 net.compile(optimizer="sgd",\n'
        '      5   loss="mae")\n\n'
        "File ~/lab/.venv/lib/python3.10/site-packages/keras/src/trainers/trainer.py:122, in "
        "Trainer.compile(self)\n"
    )
    old = (
        f"{kind}                                 Traceback (most recent call last)\n"
        "<ipython-input-3-5be4f1d1ab2> in <module>()\n"
        "      1 import tensorflow as tf\n"
        "----> 2 tf.keras.layers.Dense(3)(None)\n\n"
        "/usr/local/lib/python3.10/dist-packages/keras/layers/core.py in call(self, x)\n"
    )
    colab = (
        f"{kind}                                 Traceback (most recent call last)\n"
        "[<ipython-input-2-5b1c>](https://localhost:8080/#) in <cell line: 3>()\n"
        "      1 import keras\n"
        "----> 3 keras.utils.get_file()\n"
    )
    headless = "---> 20 x = keras.applications.ResNet50()\n     21 print(x)\n"
    body = draw(st.sampled_from((new, old, colab, headless)))
    return body + error


@st.composite
def pytest_traceback(draw: st.DrawFn) -> str:
    error = draw(error_line())
    return (
        "_________________________ test_fit _________________________\n\n"
        "    def test_fit():\n"
        ">       model.fit(x, y)\n\n"
        "tests/test_model.py:14: \n"
        "_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _\n"
        "../.venv/lib/python3.12/site-packages/keras/src/trainers/trainer.py:88: in fit\n"
        "    return self._fit()\n"
        f"E   {error}\n"
        "=========================== short test summary info ============================\n"
        f"FAILED tests/test_model.py::test_fit - {error}"
    )


@st.composite
def error_line(draw: st.DrawFn) -> str:
    return draw(
        st.sampled_from(
            (
                "ValueError: Input 0 of layer 'dense' is incompatible with the layer",
                "AttributeError: module 'keras.utils' has no attribute 'generic_utils'",
                "ModuleNotFoundError: No module named 'keras.legacy'",
                "ModuleNotFoundError: No module named 'tensorflow'",
                "ImportError: cannot import name 'Adam' from 'keras.optimizers'",
                "ImportError: cannot import name 'x' from partially initialized module 'keras'",
                "RuntimeError: Unable to import backend : mxnet",
                "keras_tuner.src.errors.FatalError: trial failed",
                "TypeError: 'NoneType' object is not callable",
                "ValueError:",
                "KeyError",
                "tensorflow.python.framework.errors_impl.InvalidArgumentError: Graph execution "
                "error:",
                "Exception encountered when calling Dense.call().\n\nsome message\n\nArguments "
                "received by Dense.call():\n  • x=None",
                "SystemExit: 1",
                "Warning: something",
            )
        )
    )


@st.composite
def traceback(draw: st.DrawFn) -> str:
    text = draw(
        st.one_of(python_traceback(), ipython_traceback(), pytest_traceback(), error_line())
    )
    shape = draw(st.sampled_from(("plain", "indented", "quoted", "fenced", "cut")))
    if shape == "indented":
        return "\n".join("    " + line for line in text.splitlines())
    if shape == "quoted":
        return "\n".join("> " + line for line in text.splitlines())
    if shape == "fenced":
        return f"```\n{text}\n```"
    if shape == "cut":
        lines = text.splitlines()
        start = draw(st.integers(0, len(lines)))
        end = draw(st.integers(start, len(lines)))
        return "\n".join(lines[start:end])
    return text


@st.composite
def listing(draw: st.DrawFn) -> str:
    rows = draw(st.lists(st.tuples(package, version), min_size=1, max_size=6))
    shape = draw(st.sampled_from(("freeze", "list", "conda", "dashed", "installed", "wheel")))
    if shape == "freeze":
        return "\n".join(f"{n}=={v}" for n, v in rows)
    if shape == "list":
        return "Package    Version\n---------- -------\n" + "\n".join(
            f"{n:<10} {v}" for n, v in rows
        )
    if shape == "conda":
        return "# Name  Version  Build  Channel\n" + "\n".join(
            f"{n}  {v}  py310h1234_0  conda-forge" for n, v in rows
        )
    if shape == "dashed":
        return "\n".join(f"- {n}=={v}" for n, v in rows)
    if shape == "installed":
        return "Successfully installed " + " ".join(f"{n}-{v}" for n, v in rows)
    return "\n".join(f"Downloading {n.replace('-', '_')}-{v}-py3-none-any.whl" for n, v in rows)


@st.composite
def settings_fragment(draw: st.DrawFn) -> str:
    return draw(
        st.sampled_from(
            (
                "export KERAS_BACKEND=jax",
                "KERAS_BACKEND=torch python train.py",
                "`KERAS_BACKEND=numpy`",
                "$env:KERAS_BACKEND='jax'",
                "set TF_USE_LEGACY_KERAS=1",
                "$ cat ~/.keras/keras.json\n"
                '{"backend": "theano", "floatx": "float32", "image_data_format": "channels_last"}',
                '```json\n{"backend": "jax"}\n```',
                "Using Theano backend.",
                "Using TensorFlow backend.",
                "python -c 'import keras; print(keras.__version__)'\n3.3.3",
                "python - <<EOF\nimport keras\nEOF",
                "conda create -n tf python=3.9 tensorflow=2.10",
                "docker run -it python:3.11 bash",
                "Python 3.11.7 (main, Dec 8 2023, 18:56:58) [GCC 11.4.0] on linux",
                "/opt/conda/lib/python3.10/site-packages/keras/src/backend/jax/core.py:12: "
                "UserWarning: x",
            )
        )
    )


NOISE = (
    "<details><summary>Full log</summary>\n\n",
    "</details>",
    "<br>",
    "<img src='https://example.invalid/x.png' width=300>",
    "<!-- Please fill in the template -->",
    "<pre><code>x = 1</code></pre>",
    "\x1b[31mERROR\x1b[0m",
    "\x1b[1;32m",
    "\x1b[0m",
    "\r",
    "\r\n",
    "\t",
    "\t\t",
    "\x00",
    "\ufeff",
    "\u200b",
    "\x0c",
    "\u2028",
    "\u0085",
    "😀🔥",
    "👩‍💻",
    "模型训练失败",
    "ｔｅｎｓｏｒｆｌｏｗ＝＝２．１６．１",
    "Python ٣.١١",
    "keras==２.１５.０",
    "TF 2.١٦",
    r"C:\Users\Ana\miniconda3\envs\tf\Lib\site-packages\keras\__init__.py",
    r"\\server\share\python3.10\lib",
    "```",
    "~~~",
    "````",
    "> > > nested quote",
    ">",
    "---",
    "***",
    "Comment by someone",
    "ana-dev commented",
    "**bold**",
    "# ",
    "###",
    "|a|b|\n|-|-|\n|1|2|",
    "[link](https://github.com/acme-ml/x/issues/1)",
    "@maintainer",
    "\\",
    '"""',
    "'''",
    "${HOME}",
    "%",
    "==",
    "==1.",
    "1" * 60,
    "tensorflow==" + "9" * 30,
    "Python 3." + "1" * 30,
    "v" * 40,
)


@st.composite
def noise(draw: st.DrawFn) -> str:
    return draw(
        st.one_of(
            st.sampled_from(NOISE),
            st.text(max_size=20),
            st.text(alphabet=" \t\n\r>`~#*-_=.:\\/'\"", max_size=30),
        )
    )


fragment = st.one_of(
    sentence(),
    phrased_version(),
    template_field(),
    fenced(code()),
    code(),
    pip_line(),
    uv_line(),
    fenced(st.one_of(pip_line(), traceback(), listing())),
    traceback(),
    listing(),
    settings_fragment(),
    noise(),
)


@st.composite
def report(draw: st.DrawFn) -> str:
    """A report: fragments joined by line breaks, then perhaps cut, with noise spliced in."""
    parts = draw(st.lists(fragment, min_size=1, max_size=12))
    joins = draw(st.sampled_from(("\n", "\n\n", "\r\n", " ", "\n> ", "\n    ")))
    text = joins.join(parts)
    if draw(st.booleans()):
        # A paste cut anywhere: half a traceback, half a fence.
        start = draw(st.integers(0, len(text)))
        text = text[start:] if draw(st.booleans()) else text[:start]
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(noise()) + text[at:]
    return text
