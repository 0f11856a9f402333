"""Benchmarks and maintenance scripts, run as `python scripts/<name>.py` (the tests import some of them)."""
