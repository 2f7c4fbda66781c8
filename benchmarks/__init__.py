"""Speed and memory benchmarks: scripts that print tables. Never timed assertions in tests."""
