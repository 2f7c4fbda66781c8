"""The `s2b` command line: the composition root that wires ingestion, recsys and the assistant."""
