"""Use cases and transaction boundaries; the composition root that wires the parts."""
