"""Backtests: single runs and parameter sweeps on the one engine, and their results."""
