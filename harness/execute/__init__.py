"""Running cells: planning, the executor seam, containers, cache, recorder, shards."""
