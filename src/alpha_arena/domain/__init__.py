"""Frozen domain values: instruments, market data, and (later) orders, positions, decisions."""
