"""The one TradingEngine: backtests, replay seasons, paper and live seasons all run on it."""
