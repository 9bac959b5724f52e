"""The strategy library: rules that turn market data into target positions."""
