"""Fault and load tests: the real app in child processes, killed, restarted and doubled."""
