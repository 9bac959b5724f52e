"""Real Binance market data shipped with the package (see README.md here for provenance)."""
