"""Which PyPI distribution an `import` needs, and which distributions come with others.

A report's code often imports a package the prose never names (`import torch`); the
reproduction has to install it, under its distribution name, which is not always the import's.
"""

from __future__ import annotations

import sys

from packaging.utils import canonicalize_name
from packaging.version import Version

# Import names whose distribution is named differently on PyPI.
DISTRIBUTION_OF = {
    "tf_keras": "tf-keras",
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "keras_nlp": "keras-nlp",
    "keras_hub": "keras-hub",
    "keras_core": "keras-core",
    "keras_cv": "keras-cv",
    "tensorflow_probability": "tensorflow-probability",
    "tensorflow_hub": "tensorflow-hub",
    "tensorflow_datasets": "tensorflow-datasets",
    "tensorflow_text": "tensorflow-text",
    "tensorflow_addons": "tensorflow-addons",
    "tensorflow_io": "tensorflow-io",
    "skimage": "scikit-image",
    "bs4": "beautifulsoup4",
    "google": "protobuf",
    "absl": "absl-py",
    "attr": "attrs",
    "dateutil": "python-dateutil",
    # TensorFlow 2.0 and 2.1 put their code under `tensorflow_core`; errors name it.
    "tensorflow_core": "tensorflow",
    # Libraries built on Keras whose reports reach Keras's tracker: their import names.
    "segmentation_models": "segmentation-models",
    "tcn": "keras-tcn",
    "keras_tuner": "keras-tuner",
    "kerastuner": "keras-tuner",
    "tensorflow_recommenders": "tensorflow-recommenders",
    "tensorflow_model_optimization": "tensorflow-model-optimization",
    "keras_preprocessing": "keras-preprocessing",
    "keras_applications": "keras-applications",
    "keras_vggface": "keras-vggface",
    "retinaface": "retina-face",
    "sentence_transformers": "sentence-transformers",
    # Applications built on Keras that are on PyPI under another name than their import.
    "tf_keras_vis": "tf-keras-vis",
    "keras_retinanet": "keras-retinanet",
    "keras_resnet": "keras-resnet",
    "keras_ocr": "keras-ocr",
    "rasa_core": "rasa-core",
    "IPython": "ipython",
}
# Distributions installed when the code imports them and the report names no version (a
# Keras-based library is what the reporter ran); any other import (a local module, an unknown
# name) is listed, not looked up.
_KERAS_LIBRARIES = (
    *("deepface", "efficientnet", "autokeras", "spektral", "tensorflowjs", "tf2onnx", "mtcnn"),
    *("transformers", "stellargraph", "keras-rl2", "tf2crf", "voxelmorph", "neurite"),
    *("imageai", "tf-keras-vis", "keras-retinanet", "keras-resnet", "keras-ocr", "rasa-core"),
    *("deeplabcut", "chatterbot", "ktrain"),
    # Converters and trackers that take a Keras model; their reports name their own versions.
    *("coremltools", "mlflow"),
)
# Libraries built on Keras whose installed files a traceback runs through, or whose module the
# claimed error's type names (`keras_tuner.src.errors.FatalError`): the reporter ran them.
KERAS_LIBRARIES = frozenset(
    (
        *_KERAS_LIBRARIES,
        *("segmentation-models", "keras-tcn", "keras-tuner", "tensorflow-recommenders"),
        *("tensorflow-model-optimization", "keras-vggface", "retina-face"),
    )
)
_COMMON = ("pandas", "scipy", "matplotlib", "seaborn", "h5py", "flax", "optax", "imgaug")
# The backends of multi-backend Keras (before 2.4) besides TensorFlow.
_OLD_BACKENDS = ("theano", "cntk")
# What installing a distribution brings along: importing these needs no step of its own.
# Kept to what matters for Keras reports; pip's resolver handles the rest.
_TF_BRINGS = ("numpy", "h5py", "absl-py", "protobuf", "tensorboard", "ml-dtypes", "six", "wrapt")
# A variant build provides the import of the package it replaces (`import tensorflow`).
COMES_WITH: dict[str, tuple[str, ...]] = {
    "tensorflow": _TF_BRINGS,
    "tensorflow-cpu": (*_TF_BRINGS, "tensorflow"),
    "tensorflow-gpu": (*_TF_BRINGS, "tensorflow"),
    "tensorflow-intel": (*_TF_BRINGS, "tensorflow"),
    "tensorflow-macos": (*_TF_BRINGS, "tensorflow"),
    "tf-nightly": (*_TF_BRINGS, "tensorflow", "keras-nightly", "keras"),
    "keras": ("numpy", "h5py", "absl-py", "rich", "namex", "optree", "ml-dtypes"),
    "keras-nightly": ("numpy", "h5py", "absl-py", "rich", "namex", "optree", "keras"),
    "keras-core": ("numpy", "h5py", "absl-py", "rich", "namex", "dm-tree"),
    "keras-nlp": ("numpy", "keras-core", "tensorflow-text", "regex", "rich"),
    "keras-hub": ("numpy", "keras", "regex", "rich", "kagglehub"),
    "keras-cv": ("numpy", "keras-core", "regex"),
    "jax": ("numpy", "scipy", "jaxlib", "ml-dtypes", "opt-einsum"),
    "jaxlib": ("numpy", "scipy", "ml-dtypes"),
    "torch": ("filelock", "typing-extensions", "sympy", "networkx", "jinja2", "fsspec"),
    "tensorflow-probability": ("numpy", "absl-py", "six", "dm-tree", "decorator", "cloudpickle"),
    "tensorflow-hub": ("numpy", "protobuf", "tf-keras"),
    "tensorflow-datasets": ("numpy", "absl-py", "protobuf", "requests", "tqdm"),
    "scikit-learn": ("numpy", "scipy", "joblib", "threadpoolctl"),
    "pandas": ("numpy", "python-dateutil", "pytz"),
    "opencv-python": ("numpy",),
    "requests": ("urllib3", "certifi", "idna", "charset-normalizer"),
}


def known_distributions(pinned: tuple[str, ...]) -> frozenset[str]:
    """Distributions an import is installed as: `pinned` ones, those named here."""
    mapped = (str(canonicalize_name(d)) for d in DISTRIBUTION_OF.values())
    return frozenset((*pinned, *mapped, *_KERAS_LIBRARIES, *_COMMON, *_OLD_BACKENDS))


def distribution_of(module: str) -> str | None:
    """The distribution an `import module` needs; None for the standard library."""
    top = module.split(".", maxsplit=1)[0]
    if not top or top == "__future__" or top in sys.stdlib_module_names:
        return None
    return str(canonicalize_name(DISTRIBUTION_OF.get(top, top)))


def brought_by(installed: dict[str, str | None]) -> set[str]:
    """Distributions that the `installed` ones (name -> version or None) pull in."""
    found: set[str] = set()
    for name, version in installed.items():
        found.update(COMES_WITH.get(name, ()))
        # TensorFlow depends on the `keras` distribution from 2.6 on (Keras 2 up to 2.15,
        # Keras 3 from 2.16); before that `import keras` needs its own install.
        if name in _TENSORFLOWS and _at_least(version, "2.6"):
            found.add("keras")
    return found


def bringer_of(name: str, installed: dict[str, str | None]) -> str | None:
    """The first of the `installed` distributions that brings `name` along, if one does."""
    return next((n for n, v in installed.items() if name in brought_by({n: v})), None)


_TENSORFLOWS = ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly", "tensorflow-macos")


def _at_least(version: str | None, floor: str) -> bool:
    """Whether `version` (exact, or a prefix such as '1.15' or '2') may be `floor` or later;
    an unknown or ambiguous version may."""
    if not version:
        return True
    try:
        given, least = Version(version), Version(floor)
    except ValueError:  # InvalidVersion, or a part longer than int() reads
        return True
    prefix = given.release
    return given >= least or least.release[: len(prefix)] == prefix
