"""Reading a bug report as people write it: versions, code, tracebacks, settings."""
