"""Property-based tests (hypothesis): the ledger, sign-up and generate under arbitrary input."""
