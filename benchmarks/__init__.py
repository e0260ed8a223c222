"""Benchmarks and evaluations of newsearch (run as ``python -m benchmarks.<name>``)."""
