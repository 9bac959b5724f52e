"""Agents: every kind of trader the engine can ask for a decision."""
