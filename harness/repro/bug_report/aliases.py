"""The distributions that decide Keras/TensorFlow behaviour, and how reports name them."""

from __future__ import annotations

# A freeze dump's other lines (requests, six, ...) are listed but not installed, to keep the
# environment small. A superset of the packages the driver records in every cell
# (harness.driver.PACKAGES): a report may pin a nightly or an add-on (keras-hub,
# tensorflow-probability) that no cell reads back.
PINNED_PACKAGES = (
    "tensorflow",
    "tensorflow-cpu",
    # The GPU build under its own name, up to TensorFlow 2.11 (`conda list`, pip freeze).
    "tensorflow-gpu",
    # TensorFlow's macOS and Windows builds under their own names, and Apple's GPU plugin:
    # read so that a Linux container can install what stands in for them (repro's
    # platform_builds).
    "tensorflow-macos",
    "tensorflow-intel",
    "tensorflow-metal",
    "tf-nightly",
    "keras",
    "keras-nightly",
    "tf-keras",
    "jax",
    "jaxlib",
    "torch",
    "numpy",
    "keras-hub",
    "keras-nlp",
    "keras-cv",
    "keras-core",
    "tensorflow-probability",
    "tensorflow-hub",
    "tensorflow-text",
    "tensorflow-datasets",
    # Multi-backend Keras's other backends (before 2.4): "Theano 0.9.0", "CNTK version: 2.7".
    "theano",
    "cntk",
)
"""The distributions whose versions a report's pins (freeze lines, printed versions, conda
installs) are read and installed for: those that decide Keras/TensorFlow behaviour."""
# How prose and `X.__version__` name them.
ALIASES = {
    "tf": "tensorflow",
    "tensorflow": "tensorflow",
    "tensor flow": "tensorflow",  # notebooks' own spelling: print(f"Tensor Flow Version: ...")
    "tensorflow-cpu": "tensorflow-cpu",
    "tensorflow_cpu": "tensorflow-cpu",
    "tensorflow-gpu": "tensorflow-gpu",
    "tensorflow_gpu": "tensorflow-gpu",
    "tensorflow-macos": "tensorflow-macos",
    "tensorflow_macos": "tensorflow-macos",
    "tensorflow-intel": "tensorflow-intel",
    "tensorflow-metal": "tensorflow-metal",
    "keras": "keras",
    # The nightly builds by name, as a template's version field gives them: "tf-nightly
    # 2.13.0-dev20230427", "TF-nightly (2.13.0-dev20230427)".
    "tf-nightly": "tf-nightly",
    "tf_nightly": "tf-nightly",
    "keras-nightly": "keras-nightly",
    "keras_nightly": "keras-nightly",
    "tf-keras": "tf-keras",
    "tf_keras": "tf-keras",
    "jax": "jax",
    "jaxlib": "jaxlib",
    "torch": "torch",
    "pytorch": "torch",
    "numpy": "numpy",
    "np": "numpy",
    "tfp": "tensorflow-probability",
    "tensorflow-probability": "tensorflow-probability",
    "tensorflow_probability": "tensorflow-probability",
    "tensorflow probability": "tensorflow-probability",
    "keras-nlp": "keras-nlp",
    "keras_nlp": "keras-nlp",
    "kerasnlp": "keras-nlp",
    # The libraries' own names in prose: "Latest Keras hub giving import error", "KerasNLP".
    "keras nlp": "keras-nlp",
    "keras-hub": "keras-hub",
    "keras_hub": "keras-hub",
    "kerashub": "keras-hub",
    "keras hub": "keras-hub",
    "keras-core": "keras-core",
    "keras_core": "keras-core",
    "keras-cv": "keras-cv",
    "keras_cv": "keras-cv",
    "keras cv": "keras-cv",
    "tensorflow-hub": "tensorflow-hub",
    "tensorflow_hub": "tensorflow-hub",
    # Add-ons pinned to TensorFlow's minor, as their own reports' fields name them.
    "tensorflow-text": "tensorflow-text",
    "tensorflow_text": "tensorflow-text",
    "tensorflow-datasets": "tensorflow-datasets",
    "tensorflow_datasets": "tensorflow-datasets",
    "theano": "theano",
    "cntk": "cntk",
}
PACKAGING_TOOLS = ("pip", "setuptools", "wheel")
"""Installers every environment has: a report's pins of them are neither installed nor listed
as ignored, and a pip command naming only them is not read as the report's install line."""

# Names snippets use without importing them (the reporter's notebook had an earlier cell):
# the conventional aliases, each as the import that binds it.
IMPORT_ALIASES = {
    "tf": "import tensorflow as tf",
    "np": "import numpy as np",
    "pd": "import pandas as pd",
    "plt": "import matplotlib.pyplot as plt",
    "tfp": "import tensorflow_probability as tfp",
    "hub": "import tensorflow_hub as hub",
    "tfds": "import tensorflow_datasets as tfds",
    "tfa": "import tensorflow_addons as tfa",
    "sns": "import seaborn as sns",
    "jnp": "import jax.numpy as jnp",
    "ak": "import autokeras as ak",
    "kt": "import keras_tuner as kt",
}
# `K` is by convention Keras's backend module, but of which Keras: tf.keras's or standalone
# Keras's. Imported only from the one Keras the snippet itself uses (see python_code).
BACKEND_ALIAS = "K"
BACKEND_IMPORTS = {
    "tf.keras": "from tensorflow.keras import backend as K",
    "keras": "from keras import backend as K",
}
# "tensorflow" as sentences mistype it, two letters swapped or one dropped ("我tensorlfow版本1.4",
# "tenserflow 2.3"): read only where a version follows in prose, never in a pip line or code,
# where the misspelt name is what pip or Python was given (and may be another project).
MISSPELT = dict.fromkeys(
    (
        "tensorlfow",
        "tensorflwo",
        "tesnorflow",
        "tensroflow",
        "tenosrflow",
        "tensofrlow",
        "tensorfolw",
        "tenserflow",
        "tensoflow",
        "tensorfow",
        "tesorflow",
        "tenorflow",
        "tensrflow",
    ),
    "tensorflow",
)
