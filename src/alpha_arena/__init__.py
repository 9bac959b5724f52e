"""Alpha Arena: can an AI trade, and which one trades best."""

__version__ = "0.1.0"
