# Python 3.9 / keras-3.10: rendered by keras-matrix-harness from matrix.yaml.
# Build it with: docker build . (the build context also holds ca-bundle.crt and constraints.txt
# where this file copies them)
# Base: python:3.9-slim, pinned by the digest this host pulled.
# Few instructions, and none between the installs and the end but USER and the labels: the
# classic builder commits every instruction as a layer, and a storage driver without a native
# diff (fuse-overlayfs, vfs) compares whole trees to commit one, however little it changed.
FROM python@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_PROGRESS_BAR=off PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv
# The index pip installs from. The harness passes its host-side caching mirror so that each file
# is downloaded once per host; left unset, pip uses PyPI.
ARG PIP_INDEX_URL PIP_TRUSTED_HOST
# Scenarios run as an unprivileged user with its own home (for ~/.keras/keras.json).
RUN useradd --uid 1000 --create-home --shell /bin/bash cell \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/python -m pip install --quiet "pip==24.3.1" \
 && mkdir -p /opt/keras-matrix/steps
WORKDIR /home/cell
# Each step is one `pip install`, as a user would type it; pip's own words are kept. `timeout`
# ends an install that hangs (the matrix's build_timeout, in seconds; exit 124). `pip check` and
# `pip freeze` follow in the same layer (the last step's are the ones the image keeps), so that
# an environment that extends this one still sits on this very layer.
# Step 1
RUN timeout --kill-after=10 3600 pip install keras==3.10.0 2>&1 | tee /opt/keras-matrix/steps/1.log \
 && (pip check || true) > /opt/keras-matrix/pip-check.txt 2>&1 \
 && pip freeze --all > /opt/keras-matrix/pip-freeze.txt
USER cell
LABEL "io.keras-matrix.harness"="0.1.0" \
      "io.keras-matrix.python"="3.9" \
      "io.keras-matrix.environment"="keras-3.10" \
      "io.keras-matrix.dockerfile-sha256"="3095b880f9b158ddaf259e2fc678525578e59bcf1a6558aa57dabace7fb2b5f5"
