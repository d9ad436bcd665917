"""What to run: matrix.yaml and its lock, expanded into cells; scenarios; the sandbox."""
