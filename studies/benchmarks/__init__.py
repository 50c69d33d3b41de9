"""Performance benchmarks (not timed tests): throughput against a bare DOLFINx solve."""
