# Python 3.13 / keras3-jax: rendered by keras-matrix-harness from matrix.yaml.
# Build it with: docker build . (the build context also holds ca-bundle.crt and constraints.txt
# where this file copies them)
# Base: python:3.13-slim, pinned by the digest this host pulled.
# Few instructions, and none after the installs: the classic builder commits every instruction
# as a layer, and a storage driver without a native diff (fuse-overlayfs, vfs) compares whole
# trees to commit one, however little it changed (seconds each, once TensorFlow is installed).
# So the labels come first, and name nothing an environment of this base does not share; the
# image's tag names the environment and this file's digest. Cells run as the unprivileged `cell`
# user created below: the harness starts every container with `--user 1000:1000`.
FROM python@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
LABEL "io.keras-matrix.harness"="environment"
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# The build host's CA bundle, so pip trusts whatever TLS proxy the host trusts.
COPY ca-bundle.crt /etc/keras-matrix/ca-bundle.crt
ENV PIP_CERT=/etc/keras-matrix/ca-bundle.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_PROGRESS_BAR=off PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv
# The index pip installs from. The harness passes its host-side caching mirror so that each file
# is downloaded once per host; left unset, pip uses PyPI.
ARG PIP_INDEX_URL PIP_TRUSTED_HOST
# The user cells run as, with its own home (for ~/.keras/keras.json).
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
RUN timeout --kill-after=10 3600 pip install keras==3.12.0 'jax[cpu]==0.7.2' 2>&1 | tee /opt/keras-matrix/steps/1.log \
 && (pip check || true) > /opt/keras-matrix/pip-check.txt 2>&1 \
 && pip freeze --all > /opt/keras-matrix/pip-freeze.txt
