"""A bug report to a clean container: reading the report, resolving, running, bisecting."""
