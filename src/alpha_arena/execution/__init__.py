"""Venues: where orders go. The paper venue simulates an exchange; a CCXT venue trades one."""
