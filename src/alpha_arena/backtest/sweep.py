"""Parameter sweeps: one strategy over a grid of parameters, on the same data, in parallel.

The data are read once; each worker process receives them once and runs its share of the grid
through the same engine as a single backtest, so a sweep's figures equal those of
``arena backtest run`` with the same parameters (a test checks it).

Trying many combinations and keeping the best overstates it. Each point also carries what the
overfitting checks need of its per-bar returns (``analytics.overfitting.ReturnSummary``), so
that the finished sweep gives every point its deflated Sharpe ratio (N: the combinations run)
and measures its probability of backtest overfitting (``conclude``)."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace

from alpha_arena.analytics.metrics import Metrics
from alpha_arena.analytics.overfitting import (
    Overfitting,
    ReturnSummary,
    deflated_sharpes,
    overfitting,
    period_returns,
    summarize,
)
from alpha_arena.backtest.run import (
    BacktestConfig,
    MarketWindow,
    SymbolData,
    build_strategy,
    load_market,
    market_window,
    simulate,
    warmup_bars,
)
from alpha_arena.core.collector import collector_paused
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.instrument import Instrument
from alpha_arena.marketdata.service import DataService

MAX_COMBINATIONS = 10_000


@dataclass(frozen=True, slots=True)
class SweepPoint:
    params: tuple[tuple[str, str], ...]
    metrics: Metrics
    summary: ReturnSummary | None = None  # of the per-bar returns, for the overfitting checks
    deflated_sharpe: float | None = None  # set by ``conclude``, once every point is known

    def metrics_dict(self) -> dict[str, float | int | None]:
        """Every metric by name, the deflated Sharpe ratio included (as stored and served)."""
        return {**self.metrics.as_dict(), "deflated_sharpe": self.deflated_sharpe}


@dataclass(frozen=True, slots=True)
class SweepResult:
    points: list[SweepPoint]  # ranked, best first
    skipped: list[tuple[tuple[tuple[str, str], ...], str]]  # invalid combinations and why
    rank_by: str
    overfitting: Overfitting | None = None  # None: fewer than 2 points or too short a window


def parse_grid(specs: Sequence[str]) -> dict[str, list[str]]:
    """Read ``name=start:stop:step`` (inclusive), ``name=a,b,c`` or ``name=value`` specs."""
    grid: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise InvalidInputError(
                f"--grid {spec!r}: use NAME=START:STOP:STEP or NAME=A,B,C, e.g. fast=5:50:5"
            )
        if name in grid:
            raise InvalidInputError(f"--grid {name} is given twice")
        grid[name] = _values(name, values.strip())
    return grid


def _values(name: str, text: str) -> list[str]:
    if ":" not in text:
        return [part.strip() for part in text.split(",") if part.strip()]
    parts = text.split(":")
    try:
        start, stop, step = (float(part) for part in parts) if len(parts) == 3 else (0, 0, 0)
    except ValueError:
        start = stop = step = 0
    if len(parts) != 3 or step <= 0 or stop < start:
        raise InvalidInputError(
            f"--grid {name}={text}: a range is START:STOP:STEP with STEP > 0 and STOP >= START"
        )
    count = int((stop - start) / step + 1e-9) + 1
    if count > MAX_COMBINATIONS:
        raise InvalidInputError(
            f"--grid {name}={text} has {count:,} values; at most {MAX_COMBINATIONS:,}"
        )
    whole = all(float(part).is_integer() for part in parts)
    values = [start + index * step for index in range(count)]
    return [str(int(v)) if whole else f"{v:g}" for v in values]


def combinations(
    base: Mapping[str, str], grid: Mapping[str, list[str]]
) -> list[tuple[tuple[str, str], ...]]:
    names = list(grid)
    total = 1
    for values in grid.values():
        total *= len(values)
    if total > MAX_COMBINATIONS:
        raise InvalidInputError(
            f"the grid has {total:,} combinations; at most {MAX_COMBINATIONS:,}"
        )
    return [
        tuple(sorted({**base, **dict(zip(names, chosen, strict=True))}.items()))
        for chosen in itertools.product(*(grid[name] for name in names))
    ]


# Worker state: the market data and instruments, sent once per worker process, and the market
# window its points share (cut at the first point's start: they all start there).
_WORKER: dict[str, object] = {}


def _init_worker(market: Mapping[str, SymbolData], instruments: Mapping[str, Instrument]) -> None:
    _WORKER["market"] = market
    _WORKER["instruments"] = instruments
    _WORKER.pop("window", None)


def _run_point(config: BacktestConfig) -> SweepPoint:
    market = _WORKER["market"]
    instruments = _WORKER["instruments"]
    assert isinstance(market, dict) and isinstance(instruments, dict)
    window = _WORKER.get("window")
    if not isinstance(window, MarketWindow) or not window.fits(config):
        window = _WORKER["window"] = market_window(market, config)
    # The run's ledger is dropped inside the block: the collector never scans it.
    with collector_paused():
        strategy = build_strategy(config)
        result = simulate(market, instruments, config, strategy, window=window)
        summary = summarize(period_returns(result.ledger.equity))
    return SweepPoint(config.params, result.metrics, summary)


@dataclass(frozen=True, slots=True)
class SweepPlan:
    """A grid expanded: the configurations to run, in grid order, and the refused ones."""

    configs: list[BacktestConfig]
    skipped: list[tuple[tuple[tuple[str, str], ...], str]]
    warmup: int  # bars loaded before the window: the most any configuration needs


def plan_sweep(
    base: BacktestConfig, grid: Mapping[str, list[str]], rank_by: str = "sharpe"
) -> SweepPlan:
    """Expand ``base`` over ``grid``; refuse an unknown ``rank_by`` or a grid without a valid
    combination."""
    if rank_by not in Metrics.__dataclass_fields__:
        raise InvalidInputError(f"cannot rank by {rank_by!r}; e.g. sharpe, total_return, calmar")
    configs: list[BacktestConfig] = []
    skipped: list[tuple[tuple[tuple[str, str], ...], str]] = []
    warmup = 0
    for params in combinations(dict(base.params), grid):
        config = replace(base, params=params)
        try:
            strategy = build_strategy(config)
        except InvalidInputError as error:
            skipped.append((params, str(error)))
            continue
        warmup = max(warmup, warmup_bars(strategy))
        configs.append(config)
    if not configs:
        raise InvalidInputError(
            f"no valid parameter combination in the grid (e.g. {skipped[0][1]})"
            if skipped
            else "no parameter combination in the grid"
        )
    return SweepPlan(configs, skipped, warmup)


def run_sweep(
    data: DataService,
    instruments: Mapping[str, Instrument],
    base: BacktestConfig,
    grid: Mapping[str, list[str]],
    jobs: int = 0,
    rank_by: str = "sharpe",
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run ``base`` once per grid combination and rank the results by ``rank_by``."""
    plan = plan_sweep(base, grid, rank_by)
    market = load_market(data, base, plan.warmup)
    chosen = {symbol: instruments[symbol] for symbol in base.symbols if symbol in instruments}
    points = _run_all(plan.configs, market, chosen, jobs or os.cpu_count() or 1, progress)
    return conclude(points, plan.skipped, rank_by)


def conclude(
    points: Sequence[SweepPoint],
    skipped: list[tuple[tuple[tuple[str, str], ...], str]],
    rank_by: str,
) -> SweepResult:
    """The sweep's result from its points in grid order (wherever they ran): each point with its
    deflated Sharpe ratio, the probability of backtest overfitting, the points ranked."""
    summaries = [point.summary for point in points]
    known = [summary for summary in summaries if summary is not None]
    if len(known) < len(summaries):  # points made without their returns: nothing to judge
        return SweepResult(rank(points, rank_by), skipped, rank_by)
    judged = [
        replace(point, deflated_sharpe=value)
        for point, value in zip(points, deflated_sharpes(known), strict=True)
    ]
    return SweepResult(rank(judged, rank_by), skipped, rank_by, overfitting(known))


def run_points(
    market: Mapping[str, SymbolData],
    instruments: Mapping[str, Instrument],
    configs: Sequence[BacktestConfig],
    progress: Callable[[int, int], None] | None = None,
) -> list[SweepPoint]:
    """Run ``configs`` one after another in this process on data already loaded (with the
    sweep's warm-up: ``plan_sweep``); the points come back in the order of ``configs``."""
    _init_worker(market, instruments)
    points = []
    for done, config in enumerate(configs, start=1):
        points.append(_run_point(config))
        if progress is not None:
            progress(done, len(configs))
    return points


def rank(points: Sequence[SweepPoint], rank_by: str) -> list[SweepPoint]:
    """``points`` best first by ``rank_by``; ties keep their order (give them in grid order
    for a ranking that does not depend on which run finished first)."""
    return sorted(points, key=lambda point: _rank_key(point.metrics, rank_by), reverse=True)


def _run_all(
    configs: list[BacktestConfig],
    market: dict[str, SymbolData],
    instruments: dict[str, Instrument],
    jobs: int,
    progress: Callable[[int, int], None] | None,
) -> list[SweepPoint]:
    """Every config's point, in the order of ``configs``."""
    total = len(configs)
    if jobs == 1 or total == 1:
        return run_points(market, instruments, configs, progress)
    with ProcessPoolExecutor(
        max_workers=min(jobs, total), initializer=_init_worker, initargs=(market, instruments)
    ) as pool:
        futures = [pool.submit(_run_point, config) for config in configs]
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, total)
        return [future.result() for future in futures]


#: Metrics where less is better; the others rank highest first.
_LOWER_IS_BETTER = frozenset(
    {"max_drawdown", "max_drawdown_bars", "max_drawdown_ms", "volatility", "fees_paid"}
)


def _rank_key(metrics: Metrics, rank_by: str) -> tuple[bool, float]:
    """Known values first, best first; None and NaN last."""
    value = getattr(metrics, rank_by)
    if value is None or math.isnan(value):
        return (False, 0.0)
    return (True, -float(value) if rank_by in _LOWER_IS_BETTER else float(value))
