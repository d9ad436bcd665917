# Python 3.11 / tf-2.15_then_keras-3: rendered by keras-matrix-harness from matrix.yaml.
# Build it with: docker build . (the build context also holds ca-bundle.crt and constraints/
# where this file copies them)
# Base: keras-matrix-base:bookworm is in no registry: the harness made it on the build host from
# Debian's packages. To make it on another host (as root, with mmdebstrap installed):
#   mmdebstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm base.tar
#   docker import '--change=ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' '--change=ENV LANG=C.UTF-8' '--change=CMD ["/bin/bash"]' base.tar keras-matrix-base:bookworm
# A base made later holds Debian's later security updates; the one this image was built on
# is image (not present here).
# Few instructions, and none after the installs: the classic builder commits every instruction
# as a layer, and a storage driver without a native diff (fuse-overlayfs, vfs) compares whole
# trees to commit one, however little it changed (seconds each, once TensorFlow is installed).
# So the labels come first, and name nothing an environment of this base does not share; the
# image's tag names the environment and this file's digest. Cells run as the unprivileged `cell`
# user created below: the harness starts every container with `--user 1000:1000`.
FROM keras-matrix-base:bookworm
LABEL "io.keras-matrix.harness"="environment"
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_PROGRESS_BAR=off PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv
# The index pip installs from. The harness passes its host-side caching mirror so that each file
# is downloaded once per host; left unset, pip uses PyPI.
ARG PIP_INDEX_URL PIP_TRUSTED_HOST
# The user cells run as, with its own home (for ~/.keras/keras.json).
RUN useradd --uid 1000 --create-home --shell /bin/bash cell \
 && /usr/bin/python3 -m venv /opt/venv \
 && /opt/venv/bin/python -m pip install --quiet "pip==24.3.1" \
 && mkdir -p /opt/keras-matrix/steps
WORKDIR /home/cell
# Every package at the version an earlier build installed. Step N installs under
# constraints/N.txt: the pip freeze of the environment that was exactly this one's first N steps
# (this environment's own, for the last step), so that no step is held to versions only a later
# step brought. A step without one installs unpinned. (Copied after pip itself is installed,
# which the constraints must not touch.)
COPY constraints/ /etc/keras-matrix/constraints/
# Each step is one `pip install`, as a user would type it; pip's own words are kept. `timeout`
# ends an install that hangs (the matrix's build_timeout, in seconds; exit 124). `pip check` and
# `pip freeze` follow in the same layer (the last step's are the ones the image keeps), so that
# an environment that extends this one still sits on this very layer.
# Step 1
RUN PIP_CONSTRAINT=/etc/keras-matrix/constraints/1.txt timeout --kill-after=10 3600 pip install tensorflow-cpu==2.15.1 2>&1 | tee /opt/keras-matrix/steps/1.log \
 && (pip check || true) > /opt/keras-matrix/pip-check.txt 2>&1 \
 && pip freeze --all > /opt/keras-matrix/pip-freeze.txt
# Step 2
RUN PIP_CONSTRAINT=/etc/keras-matrix/constraints/2.txt timeout --kill-after=10 3600 pip install keras==3.12.0 2>&1 | tee /opt/keras-matrix/steps/2.log \
 && (pip check || true) > /opt/keras-matrix/pip-check.txt 2>&1 \
 && pip freeze --all > /opt/keras-matrix/pip-freeze.txt
