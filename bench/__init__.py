"""County-scale benchmark harness (`make bench`, docs/bench.md)."""
