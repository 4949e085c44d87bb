"""Use cases: one module per family; each owns its transactions and checks who is calling."""
