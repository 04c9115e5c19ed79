"""Benchmarks run by scripts/bench.py; one module per capability, each with `run(args)`."""
