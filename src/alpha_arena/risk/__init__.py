"""Risk: pre-trade checks that return a verdict with a reason; a denial is never an exception."""

from alpha_arena.risk.checks import RiskContext, RiskRule, RiskVerdict, check, daily_loss
from alpha_arena.risk.limits import RiskLimits, TradingDay

__all__ = [
    "RiskContext",
    "RiskLimits",
    "RiskRule",
    "RiskVerdict",
    "TradingDay",
    "check",
    "daily_loss",
]
