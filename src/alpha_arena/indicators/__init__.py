"""Indicators: a thin, typed layer over TA-Lib used by the prompts and the strategies."""

from alpha_arena.indicators.ta import (
    BollingerBands,
    DonchianChannel,
    Macd,
    adx,
    atr,
    bollinger,
    donchian,
    ema,
    macd,
    roc,
    rsi,
    sma,
    volume_average,
)

__all__ = [
    "BollingerBands",
    "DonchianChannel",
    "Macd",
    "adx",
    "atr",
    "bollinger",
    "donchian",
    "ema",
    "macd",
    "roc",
    "rsi",
    "sma",
    "volume_average",
]
