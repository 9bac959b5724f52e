"""A single backtest: one strategy on one or more symbols, through the one engine."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from alpha_arena.agents.rule_agent import rule_agent
from alpha_arena.agents.strategy_agent import Sizing, entry_fee
from alpha_arena.analytics.metrics import Metrics, compute_metrics
from alpha_arena.backtest.trades import round_trips
from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import timeframe_ms, to_iso
from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.market import Candles, FundingRates
from alpha_arena.domain.positions import MarginMode, PositionMode
from alpha_arena.domain.trades import Trade
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.engine.ledger import Ledger, RiskEvent
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.service import DataService
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import Strategy, StrategyInput

MAX_LEVERAGE = 125.0


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    """Everything that defines a backtest; two runs with equal configs give equal results."""

    strategy: str
    symbols: tuple[str, ...]
    timeframe: str
    ts_start: int
    ts_end: int
    capital: float = 10_000.0
    fee_rate: float | None = None  # None: each instrument's own maker/taker fees
    slippage_bps: float = 0.0
    leverage: float = 1.0
    stop_loss: float | None = None
    take_profit: float | None = None
    params: tuple[tuple[str, str], ...] = ()
    exchange: str = "binance"
    # Risk limits set by the backtest's preset, its file or ARENA_CONFIG_FILE (seasons/profile.py);
    # none: the leverage asked for is the only cap.
    risk: tuple[tuple[str, float | bool | None], ...] = ()
    # How the paper account holds positions (execution.paper): isolated or cross margin, net or
    # hedged (a long and a short of a coin at once).
    margin_mode: MarginMode = MarginMode.ISOLATED
    position_mode: PositionMode = PositionMode.NET

    def __post_init__(self) -> None:
        timeframe_ms(self.timeframe)
        if not self.symbols:
            raise InvalidInputError("no symbol given")
        if self.ts_start >= self.ts_end:
            raise InvalidInputError(
                f"start {to_iso(self.ts_start)} is not before end {to_iso(self.ts_end)}"
            )
        if not 0 < self.capital < 1e12:
            raise InvalidInputError(f"capital {self.capital:g} must be positive (and finite)")
        if not 0 < self.leverage <= MAX_LEVERAGE:
            raise InvalidInputError(f"leverage {self.leverage:g} must be in (0, {MAX_LEVERAGE:g}]")
        if self.fee_rate is not None and not 0 <= self.fee_rate < 0.1:
            raise InvalidInputError(f"fee rate {self.fee_rate:g} must be in [0, 0.1)")
        if not 0 <= self.slippage_bps < 1000:
            raise InvalidInputError(f"slippage {self.slippage_bps:g} bps must be in [0, 1000)")
        for name in ("stop_loss", "take_profit"):
            value = getattr(self, name)
            if value is not None and not 0 < value < 1:
                raise InvalidInputError(f"{name} {value:g} must be a fraction in (0, 1)")
        if self.risk:
            self.limits()  # unknown or out-of-range limits

    def limits(self) -> RiskLimits:
        """The leverage asked for as the leverage cap, under the limits ``risk`` sets."""
        if not self.risk:
            return RiskLimits(max_leverage=self.leverage)
        return RiskLimits.from_mapping({"max_leverage": self.leverage, **dict(self.risk)})

    @property
    def name(self) -> str:
        return self.strategy


@dataclass(frozen=True, slots=True)
class BacktestResult:
    config: BacktestConfig
    metrics: Metrics
    ledger: Ledger
    trades: list[Trade]
    bars: int
    #: The strategy's target (in [-1, 1]) behind each decision's actions, by (ts, symbol).
    targets: Mapping[tuple[int, str], float] = field(default_factory=dict)

    @property
    def denials(self) -> dict[str, int]:
        """How many actions the risk checks denied, by rule."""
        return denial_counts(self.ledger.risk_events)


def denial_counts(events: Iterable[RiskEvent]) -> dict[str, int]:
    """Count the denied actions among ``events`` by rule (a RiskRule value), most first."""
    counts = Counter(event.rule or "unknown" for event in events if not event.approved)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def build_strategy(config: BacktestConfig) -> Strategy:
    return registry.create(config.strategy, dict(config.params))


@dataclass(frozen=True, slots=True)
class SymbolData:
    """A symbol's candles from some warm-up bars before the test window to its end, and the
    funding settlements of that span."""

    candles: Candles
    funding: FundingRates


def load_market(data: DataService, config: BacktestConfig, warmup: int) -> dict[str, SymbolData]:
    """Read each symbol's data for ``config``'s window plus ``warmup`` bars before it."""
    step = timeframe_ms(config.timeframe)
    first = config.ts_start - warmup * step
    market = {}
    for symbol in config.symbols:
        candles = data.candles(symbol, config.timeframe, first, config.ts_end - step)
        if not len(candles) or candles.ts[-1] < config.ts_start:
            raise NotFoundError(
                f"no {config.timeframe} candles for {symbol} between "
                f"{to_iso(config.ts_start)} and {to_iso(config.ts_end)}"
            )
        market[symbol] = SymbolData(candles, data.funding(symbol, first, config.ts_end))
    return market


def funding_per_bar(candles: Candles, funding: FundingRates, step_ms: int) -> np.ndarray:
    """The newest funding rate settled by each bar's close (NaN before the first)."""
    position = np.searchsorted(funding.ts, candles.ts + step_ms, side="right") - 1
    rates = np.full(len(candles), np.nan)
    known = position >= 0
    rates[known] = funding.rate[position[known]]
    return rates


def warmup_bars(strategy: Strategy) -> int:
    """Bars loaded before the window: three times the strategy's minimum, so that recursive
    indicators (EMA, RSI, ATR) have settled from their seed when the test starts."""
    return 3 * strategy.warmup + 10


def run_backtest(
    data: DataService,
    instruments: Mapping[str, Instrument],
    config: BacktestConfig,
    strategy: Strategy | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Run ``config`` on the stored data and measure it."""
    strategy = strategy or build_strategy(config)
    market = load_market(data, config, warmup_bars(strategy))
    return simulate(market, instruments, config, strategy, progress)


@dataclass(frozen=True, slots=True)
class MarketWindow:
    """A market cut at a test window's start: each symbol's strategy input (every bar loaded,
    warm-up included, with ``offsets[symbol]`` warm-up bars before the start) and the feed the
    engine replays from the start on. Runs of the same symbols, timeframe and start can share
    one (a sweep builds it once per process, not once per point)."""

    symbols: tuple[str, ...]
    timeframe: str
    ts_start: int
    inputs: dict[str, StrategyInput]
    offsets: dict[str, int]
    feed: ReplayFeed

    def fits(self, config: BacktestConfig) -> bool:
        """Whether ``config`` runs over this window."""
        return (self.symbols, self.timeframe, self.ts_start) == (
            config.symbols, config.timeframe, config.ts_start,
        )  # fmt: skip


def market_window(market: Mapping[str, SymbolData], config: BacktestConfig) -> MarketWindow:
    """Cut ``market`` (loaded with warm-up bars) at ``config``'s start."""
    step = timeframe_ms(config.timeframe)
    inputs: dict[str, StrategyInput] = {}
    offsets: dict[str, int] = {}
    window: dict[str, Candles] = {}
    funding: dict[str, FundingRates] = {}
    for symbol in config.symbols:
        candles, rates = market[symbol].candles, market[symbol].funding
        warm = int(np.searchsorted(candles.ts, config.ts_start))
        inputs[symbol] = StrategyInput(
            symbol, config.timeframe, candles, funding_per_bar(candles, rates, step)
        )
        offsets[symbol] = warm
        window[symbol] = candles.slice(warm, len(candles))
        funding[symbol] = rates
    feed = ReplayFeed(config.timeframe, window, funding)
    return MarketWindow(config.symbols, config.timeframe, config.ts_start, inputs, offsets, feed)


def simulate(
    market: Mapping[str, SymbolData],
    instruments: Mapping[str, Instrument],
    config: BacktestConfig,
    strategy: Strategy,
    progress: Callable[[int, int], None] | None = None,
    fast_forward: bool = True,
    window: MarketWindow | None = None,
) -> BacktestResult:
    """Run ``config`` on data already in memory (a sweep loads it once for all its runs).
    ``fast_forward=False`` steps every bar (the parity test compares the two). ``window``:
    ``market_window(market, config)`` when already made (runs that share it: a sweep)."""
    missing = [symbol for symbol in config.symbols if symbol not in instruments]
    if missing:
        raise NotFoundError(f"no instrument {', '.join(missing)} on {config.exchange}")
    if window is None:
        window = market_window(market, config)
    elif not window.fits(config):
        raise ValueError("the market window was cut for other symbols, timeframe or start")
    feed, inputs, offsets = window.feed, window.inputs, window.offsets
    sizing = Sizing(
        leverage=config.leverage,
        stop_loss=config.stop_loss,
        take_profit=config.take_profit,
        fee_rate=entry_fee(config.fee_rate, [instruments[s] for s in config.symbols]),
    )
    agent = rule_agent(config.strategy, strategy, inputs, sizing, offsets)
    venue = PaperVenue(
        PaperVenueConfig(
            config.capital,
            config.slippage_bps,
            config.fee_rate,
            config.margin_mode,
            config.position_mode,
        ),
        {symbol: instruments[symbol] for symbol in config.symbols},
        NextBarOpen(),
    )
    limits = config.limits()
    engine = TradingEngine(
        feed,
        [(agent, venue)],
        instruments,
        limits,
        SimClock(config.ts_start),
        # Quiet spans model isolated net accounts only: a cross account's level moves with
        # every mark. Stepping gives the same ledger, only slower.
        fast_forward=fast_forward and venue.config.plain,
    )
    ledger = engine.run(progress)[agent.name]
    marks = {symbol: venue.mark(symbol) or 0.0 for symbol in config.symbols}
    ts_end = ledger.equity_ts[-1] if ledger.equity_ts else config.ts_end
    trades = round_trips(ledger.fills, ledger.funding, marks, ts_end)
    first = feed.series[config.symbols[0]].candles
    benchmark = first.close if len(config.symbols) == 1 else None
    metrics = compute_metrics(
        np.asarray(ledger.equity_ts, dtype=np.int64),
        np.asarray(ledger.equity, dtype=np.float64),
        trades,
        timeframe=config.timeframe,
        fees_paid=venue.fees,
        funding_paid=-venue.funding,
        benchmark_close=benchmark,
        exposure_bars=np.asarray(ledger.exposure) > 0,
    )
    # The target behind each decision, where the rule trades targets (a grid trades a ladder).
    decided = getattr(agent, "targets_decided", ())
    targets = {(ts, symbol): target for ts, symbol, target in decided}
    return BacktestResult(config, metrics, ledger, trades, len(feed), targets)
