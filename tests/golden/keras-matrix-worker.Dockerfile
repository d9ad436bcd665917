FROM keras-matrix-base:bookworm
COPY wheels /tmp/wheels
RUN /usr/bin/python3 -m venv /opt/harness \
 && /opt/harness/bin/pip install --no-index --find-links /tmp/wheels --no-cache-dir \
    'keras-matrix-harness[cluster]' \
 && rm -rf /tmp/wheels
ENV PATH=/opt/harness/bin:$PATH
CMD ["dask", "worker", "--help"]
