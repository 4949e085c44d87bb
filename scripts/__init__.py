"""Operator scripts (the local cluster); importable by tests and benchmarks."""
