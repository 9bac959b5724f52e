"""Analytics: performance metrics of equity curves and trades."""

from alpha_arena.analytics.metrics import Metrics, compute_metrics, periods_per_year

__all__ = ["Metrics", "compute_metrics", "periods_per_year"]
