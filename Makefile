# Shortcuts; the commands themselves are in README.md.
.PHONY: env study test test-slow test-launcher lint bench

env:
	containers/run --build

study:
	containers/run -n 2 python3 -m studies.constriction --out results/constriction

test:
	containers/run tests/run.sh

test-slow:
	containers/run tests/run.sh --slow

test-launcher:
	tests/launcher.sh

lint:
	containers/run ruff check .

bench:
	containers/run python3 -m studies.benchmarks.current_solver --out results/bench
	containers/run -n 2 python3 -m studies.benchmarks.current_solver --out results/bench
