"""Benchmark and load harness: the pipeline and the site measured against their floors and targets."""
