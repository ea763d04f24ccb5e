"""Benchmarks of the sync and of its local runtime; `python -m bench` writes RESULTS.md.

Numbers are measured, never asserted: tests/bench only smoke-runs tiny sizes.
"""
