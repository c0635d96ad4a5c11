"""Benchmarks: `python -m bench.<name>`. They print figures; tests assert behaviour."""
