"""The strategy selector names each coin's regime for its model by the season's thresholds
(seasons/profile.py [regime]), as the portfolio agent classifies by them."""

from __future__ import annotations

from alpha_arena.agents.selector import Regime
from alpha_arena.strategies.regime import RegimeThresholds

REGIME = Regime("BTC/USDT:USDT", adx=27.0, band_width=0.01, band_width_percentile=22.0,
                return_4_bars=0.01)  # fmt: skip


def test_the_default_thresholds_name_an_adx_of_27_a_trend_and_a_22nd_percentile_normal() -> None:
    described = REGIME.describe()
    assert "ADX14 27.0 (strong trend)" in described
    assert "percentile 22 (bands normal)" in described


def test_a_seasons_thresholds_name_the_same_coin_otherwise() -> None:
    described = REGIME.describe(RegimeThresholds(trend_adx=30.0, squeeze_percentile=25.0))
    assert "ADX14 27.0 (weak or no trend)" in described
    assert "percentile 22 (bands squeezed)" in described
