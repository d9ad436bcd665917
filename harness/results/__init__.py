"""A run's records and what is made from them: outcomes, tables, diffs, merges."""
