"""Where market data comes from: the bundled sample and exchanges through CCXT."""
