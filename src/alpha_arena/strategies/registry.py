"""The strategy library by name: build a strategy from string parameters, describe them all."""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, get_type_hints

from alpha_arena.core.errors import ConfigurationError, InvalidInputError
from alpha_arena.strategies.base import Strategy, StrategyParams
from alpha_arena.strategies.library.baselines import BuyAndHold, Flat
from alpha_arena.strategies.library.bollinger_range import BollingerRange
from alpha_arena.strategies.library.breakout import Breakout
from alpha_arena.strategies.library.ema_trend import EmaTrend
from alpha_arena.strategies.library.funding_rate_arbitrage import FundingRateArbitrage
from alpha_arena.strategies.library.grid import Grid
from alpha_arena.strategies.library.martingale import Martingale
from alpha_arena.strategies.library.momentum import Momentum
from alpha_arena.strategies.library.rsi_mean_reversion import RsiMeanReversion
from alpha_arena.strategies.library.seasonality import Seasonality
from alpha_arena.strategies.library.volatility_breakout import VolatilityBreakout

ParamValue = int | float | bool | str

STRATEGIES: Mapping[str, type[Strategy]] = {
    strategy.name: strategy
    for strategy in (
        EmaTrend,
        BollingerRange,
        FundingRateArbitrage,
        Breakout,
        Momentum,
        RsiMeanReversion,
        VolatilityBreakout,
        Seasonality,
        Martingale,
        Grid,
        BuyAndHold,
        Flat,
    )
}

#: The setting that disables strategies for new agents, backtests and seasons.
DISABLED_SETTING = "ARENA_DISABLED_STRATEGIES"

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


@dataclass(frozen=True, slots=True)
class ParamInfo:
    """One parameter: its name, type name (int, float, bool or str) and default."""

    name: str
    type: str
    default: ParamValue


@dataclass(frozen=True, slots=True)
class StrategyInfo:
    """What ``arena strategies list`` shows: the name, the rule, the parameters, and whether
    new agents, backtests and seasons may use it (``enabled``)."""

    name: str
    summary: str
    rule: str
    params: tuple[ParamInfo, ...]
    enabled: bool = True

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def names() -> list[str]:
    """Return the registered strategy names, in library order."""
    return list(STRATEGIES)


def strategy_type(name: str) -> type[Strategy]:
    """Return the strategy class registered as ``name``."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise InvalidInputError(
            f"unknown strategy {name!r}; accepted: {', '.join(STRATEGIES)}"
        ) from None


def disabled(setting: str) -> frozenset[str]:
    """The strategies a ``DISABLED_SETTING`` value names (comma-separated); a name that is not
    in the library is a configuration error, so that a typo does not leave a rule enabled."""
    found = frozenset(name.strip() for name in setting.split(",") if name.strip())
    unknown = sorted(found - set(STRATEGIES))
    if unknown:
        raise ConfigurationError(
            f"{DISABLED_SETTING} names {unknown[0]!r}, which is not a strategy; "
            f"accepted: {', '.join(STRATEGIES)}"
        )
    return found


def check_enabled(strategies: Iterable[str], disabled_names: Collection[str]) -> None:
    """Refuse, naming it and the setting, the first of ``strategies`` that is disabled: what
    every new agent, backtest and season goes through (stored results stay readable)."""
    for name in strategies:
        strategy_type(name)  # an unknown name says so first
        if name in disabled_names:
            raise InvalidInputError(
                f"strategy {name} is disabled by {DISABLED_SETTING}; remove it from that "
                "setting to use it in a new agent, backtest or season"
            )


def check_live_trading(agent: str, strategies: Iterable[str]) -> None:
    """Refuse, naming it, the first of an agent's strategies that may not trade live."""
    for name in strategies:
        strategy = strategy_type(name)
        if not strategy.live_trading:
            raise InvalidInputError(
                f"agent {agent!r} runs strategy {name}, {strategy.live_refusal}; "
                "enter it in a replay or paper season instead"
            )


def parse_params(name: str, raw_params: Mapping[str, str]) -> StrategyParams:
    """Build strategy ``name``'s parameters from strings (``fast=12``); omitted ones default."""
    params_type = strategy_type(name).params_type
    types = _field_types(params_type)
    unknown = sorted(set(raw_params) - set(types))
    if unknown:
        accepted = ", ".join(types) if types else "none"
        raise InvalidInputError(f"{name} has no parameter {unknown[0]!r}; accepted: {accepted}")
    values = {key: _parse(key, text, types[key]) for key, text in raw_params.items()}
    return params_type(**values)


def create(name: str, raw_params: Mapping[str, str] | None = None) -> Strategy:
    """Build strategy ``name`` from string parameters, validating every value."""
    return strategy_type(name)(parse_params(name, raw_params or {}))


def describe(disabled_names: Collection[str] = ()) -> list[StrategyInfo]:
    """Describe every registered strategy: summary, rule, parameters with defaults, and
    whether it is enabled (not in ``disabled_names``)."""
    return [
        dataclasses.replace(_info(strategy), enabled=name not in disabled_names)
        for name, strategy in STRATEGIES.items()
    ]


def enabled_names(disabled_names: Collection[str]) -> list[str]:
    """The registered names minus ``disabled_names``, in library order."""
    return [name for name in STRATEGIES if name not in disabled_names]


def _info(strategy: type[Strategy]) -> StrategyInfo:
    rule = inspect.getdoc(strategy) or ""
    defaults = strategy.params_type()
    params = tuple(
        ParamInfo(field, kind.__name__, getattr(defaults, field))
        for field, kind in _field_types(strategy.params_type).items()
    )
    return StrategyInfo(strategy.name, rule.splitlines()[0] if rule else "", rule, params)


def _field_types(params_type: type[StrategyParams]) -> dict[str, type[ParamValue]]:
    hints = get_type_hints(params_type)
    return {field.name: hints[field.name] for field in dataclasses.fields(params_type)}


def _parse(key: str, text: str, kind: type[ParamValue]) -> ParamValue:
    cleaned = text.strip()
    if kind is str:
        return cleaned  # the params class validates what it means
    if kind is bool:
        if cleaned.lower() in _TRUE:
            return True
        if cleaned.lower() in _FALSE:
            return False
        raise InvalidInputError(f"{key} must be true or false, got {text!r}")
    if kind is int:
        try:
            return int(cleaned)
        except ValueError:
            raise InvalidInputError(f"{key} must be a whole number, got {text!r}") from None
    try:
        number = float(cleaned)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise InvalidInputError(f"{key} must be a finite number, got {text!r}")
    return number
