"""Benchmark harness of okr_sales: `python -m bench.run --help`."""
