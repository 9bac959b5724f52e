"""Season series use cases: plan the windows, pin the lineup once and create a replay season
per window, and read the series back with the aggregate of its finished windows."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import DAY_MS, timeframe_ms, to_iso
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.marketdata.resample import can_resample
from alpha_arena.seasons.series import (
    DataSpan,
    SeriesAggregate,
    SeriesKind,
    Window,
    WindowResult,
    WindowRow,
    aggregate,
    monthly_windows,
    parse_length,
    random_windows,
    repeat_windows,
)
from alpha_arena.services import backtests, seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.services.demo import DEMO_RULES
from alpha_arena.services.profiles import pin_season_profile
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.backtest_store import BacktestStore
from alpha_arena.storage.season_store import NewEntry, SeasonRecord, SeasonStore
from alpha_arena.storage.series_store import SeriesRecord, SeriesStore

logger = logging.getLogger(__name__)

#: The demo's coins: the built-in series trades what `arena demo` trades.
DEFAULT_SYMBOLS = tuple(f"{coin}/USDT:USDT" for coin in ("BTC", "ETH", "SOL", "BNB", "DOGE", "XRP"))
PORTFOLIO = "regime-portfolio"
#: The portfolio agent learns from backtests of up to a year before the first window; with
#: less history than this before it, it is left out (it would learn from noise).
LEARNING_DAYS = 365
MIN_LEARNING_DAYS = 60
MAX_NAME = 100  # a window's season is named "NAME 12/12"


@dataclass(frozen=True, slots=True)
class SeriesRequest:
    """A series to create. ``agents`` empty: the built-in agents (the demo's)."""

    name: str
    kind: SeriesKind
    count: int
    agents: tuple[str, ...] = ()
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS
    timeframe: str = "1h"
    exchange: str = "binance"
    capital: float = 10_000.0
    baselines: bool = True
    start: int | None = None  # consecutive: the first month; repeat: the window's start
    end: int | None = None  # repeat: the window's end (exclusive)
    length: str | None = None  # random: each window's length, e.g. 30d
    seed: int | None = None  # random: the draw's seed


@dataclass(frozen=True, slots=True)
class CreatedSeries:
    series: SeriesRecord
    entries: list[str]
    notes: list[str] = field(default_factory=list)  # what the creator should know


@dataclass(frozen=True, slots=True)
class WindowView:
    window: int
    season_id: int
    name: str
    start: int
    end: int
    status: str
    ticks_done: int
    ticks_total: int
    winner: str | None  # the leaderboard's first, once the window has finished


@dataclass(frozen=True, slots=True)
class SeriesView:
    series: SeriesRecord
    windows: list[WindowView]
    aggregate: SeriesAggregate

    @property
    def finished(self) -> bool:
        return all(window.status in _DONE for window in self.windows)

    def note(self) -> str | None:
        """What a reader of a repeated series must know about its rule agents."""
        if self.series.kind != SeriesKind.REPEAT.value:
            return None
        rules = [entry.name for entry in self.aggregate.entries if entry.deterministic]
        if not rules:
            return None
        return (
            "the same window repeated: rule agents and baselines are deterministic, so their "
            f"repeats are identical ({', '.join(rules)}); only LLM sampling differs"
        )


_DONE = (SeasonStatus.FINISHED.value, SeasonStatus.CANCELED.value)


def create_series(context: AppContext, request: SeriesRequest) -> CreatedSeries:
    """Plan the windows, pin the lineup once (for the first window, so a learning agent sees
    nothing after any window's start) and create a draft replay season per window."""
    name = request.name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInputError(f"a series name has 1 to {MAX_NAME} characters")
    step = timeframe_ms(request.timeframe)
    notes: list[str] = []
    if _nothing_stored(context, request):
        notes.append(_load_bundled(context))
    windows = plan_windows(request, data_span(context, request), step)
    agents = list(request.agents)
    if not agents:
        agents = builtin_agents(context, request.timeframe, windows[0].start, notes)
    values = [_season_values(request, name, window, agents) for window in windows]
    # All refused before any is stored; ARENA_CONFIG_FILE's values pinned into each alike.
    configs = [pin_season_profile(context.settings, item) for item in values]
    first = seasons.create_season(context, values[0])
    store = SeasonStore(context.engine)
    pinned = [_reuse(entry) for entry in store.entries(first.id)]
    created: list[SeasonRecord] = [first]
    now = context.clock.now_ms()
    for index, config in enumerate(configs[1:], start=2):
        entries = pinned
        if request.kind is SeriesKind.REPEAT:  # the same requests again: another draw
            entries = [_another_draw(entry, index) for entry in pinned]
        created.append(
            store.create(
                config.model_dump(mode="json"), entries, config.capital, now, message=first.message
            )
        )
    series_config: dict[str, Any] = {
        "count": request.count, "agents": agents, "symbols": list(request.symbols),
        "timeframe": request.timeframe, "exchange": request.exchange,
        "capital": request.capital, "baselines": request.baselines,
        "start": request.start, "end": request.end, "length": request.length,
        "seed": request.seed, "windows": [[w.start, w.end] for w in windows],
    }  # fmt: skip
    record = SeriesStore(context.engine).create(
        name, request.kind.value, series_config, [season.id for season in created], now
    )
    if first.message:
        notes.append(first.message)
    return CreatedSeries(record, [entry.name for entry in pinned], notes)


def plan_windows(request: SeriesRequest, span: DataSpan, step: int) -> list[Window]:
    if request.kind is SeriesKind.CONSECUTIVE:
        return monthly_windows(request.count, span, request.start)
    if request.kind is SeriesKind.RANDOM:
        if request.length is None or request.seed is None:
            raise InvalidInputError(
                "random windows need a length (--length, e.g. 30d) and a seed (--seed)"
            )
        return random_windows(request.count, parse_length(request.length), request.seed,
                              span, step)  # fmt: skip
    if request.start is None or request.end is None:
        raise InvalidInputError("a repeated window needs a start and an end (--start, --end)")
    return repeat_windows(request.count, request.start, request.end, span)


def data_span(context: AppContext, request: SeriesRequest) -> DataSpan:
    """Where every coin the series trades (and the BTC baseline's) has bars of its timeframe,
    stored or resampled from shorter ones."""
    step = timeframe_ms(request.timeframe)
    wanted = set(_traded(request))
    spans: dict[str, tuple[int, int]] = {}
    for summary in context.market.series(request.exchange):
        if summary.dataset != "candles" or summary.symbol not in wanted:
            continue
        if summary.timeframe != request.timeframe and not can_resample(
            summary.timeframe, request.timeframe
        ):
            continue
        first = -(-summary.ts_first // step) * step
        end = summary.ts_last + timeframe_ms(summary.timeframe)
        end -= end % step
        low, high = spans.get(summary.symbol, (first, end))
        spans[summary.symbol] = (min(low, first), max(high, end))
    missing = sorted(wanted - set(spans))
    if missing:
        raise InvalidInputError(
            f"no {request.timeframe} candles of {', '.join(missing)} on {request.exchange} "
            "(load data first: `arena data load-sample` or `arena data ingest`)"
        )
    start = max(low for low, _ in spans.values())
    end = min(high for _, high in spans.values())
    if end <= start:
        raise InvalidInputError("the series' coins have no stretch of data in common")
    return DataSpan(start, end)


def builtin_agents(context: AppContext, timeframe: str, before: int, notes: list[str]) -> list[str]:
    """Register (once) the demo's agents for ``timeframe``: its rule strategies (a fixed list,
    so a strategy added to the library leaves the built-in series as it was) and the regime
    portfolio, which learns from backtests that ended by ``before``."""
    suffix = "" if timeframe == "1h" else f"-{timeframe}"
    names = []
    for strategy in DEMO_RULES:
        name = strategy.replace("_", "-") + suffix
        _register(context, name, {"kind": "strategy", "strategy": strategy,
                                  "timeframe": timeframe})  # fmt: skip
        names.append(name)
    if _learning_backtests(context, before):
        name = PORTFOLIO + suffix
        _register(context, name, {"kind": "portfolio", "top_n": 3, "timeframe": timeframe})
        names.append(name)
    else:
        notes.append(
            f"{PORTFOLIO} left out: less than {MIN_LEARNING_DAYS} days of data before the first "
            "window to learn from"
        )
    return names


def series_view(context: AppContext, series_id: int) -> SeriesView:
    """The series, its windows' seasons and the aggregate of those that have finished."""
    record = SeriesStore(context.engine).get(series_id)
    store = SeasonStore(context.engine)
    windows, results = [], []
    for index, season_id in enumerate(record.season_ids, start=1):
        season = store.get(season_id)
        winner = None
        if season.status is SeasonStatus.FINISHED:
            result = window_result(context, index, season)
            results.append(result)
            winner = next(row.name for row in result.rows)
        step = timeframe_ms(season.timeframe)
        windows.append(
            WindowView(
                index, season.id, season.name, season.ts_start, season.ts_end,
                season.status.value, season.ticks_done, (season.ts_end - season.ts_start) // step,
                winner,
            )
        )  # fmt: skip
    return SeriesView(record, windows, aggregate(results))


def window_result(context: AppContext, window: int, season: SeasonRecord) -> WindowResult:
    """A finished window's leaderboard, as the aggregate reads it."""
    board = seasons.leaderboard(context, season.id)
    kinds = {entry.name: entry.kind for entry in SeasonStore(context.engine).entries(season.id)}
    rows = tuple(
        WindowRow(
            row.name,
            kinds[row.name],
            row.baseline,
            row.account_value,
            row.return_pct,
            row.llm_cost_usd,
        )
        for row in board.rows
    )
    return WindowResult(window, season.id, rows)


def all_series(context: AppContext) -> list[tuple[SeriesRecord, dict[str, int]]]:
    """Every series, newest first, with how many of its windows are in each status."""
    store = SeasonStore(context.engine)
    statuses = {season.id: season.status.value for season in store.all(limit=100_000)}
    found = []
    for record in SeriesStore(context.engine).all():
        counts: dict[str, int] = {}
        for season_id in record.season_ids:
            status = statuses.get(season_id, "missing")
            counts[status] = counts.get(status, 0) + 1
        found.append((record, counts))
    return found


def _season_values(
    request: SeriesRequest, name: str, window: Window, agents: list[str]
) -> dict[str, Any]:
    return {
        "name": f"{name} {window.index}/{request.count}", "mode": "replay",
        "exchange": request.exchange, "symbols": list(request.symbols),
        "start": window.start, "end": window.end, "timeframe": request.timeframe,
        "capital": request.capital, "baselines": request.baselines, "participants": agents,
    }  # fmt: skip


def _reuse(entry: Any) -> NewEntry:
    """A stored entry as a new one: the same pinned configuration and fingerprint."""
    return NewEntry(entry.name, entry.kind, entry.config, entry.fingerprint, entry.baseline,
                    entry.agent_id)  # fmt: skip


def _another_draw(entry: NewEntry, sample: int) -> NewEntry:
    """A model-driven or remote entry of a repeated window, its answers cached apart from the
    other windows' (else the first window's answers would be replayed); the same fingerprint:
    the draw is not the configuration. Rule agents and baselines stay as they are."""
    if entry.kind not in ("llm", "selector", "remote"):
        return entry
    pinned = {**entry.config.get("pinned", {}), "sample": sample}
    return replace(entry, config={**entry.config, "pinned": pinned})


def _traded(request: SeriesRequest) -> list[str]:
    if not request.symbols:
        raise InvalidInputError("a series needs at least one symbol")
    quote = request.symbols[0].partition("/")[2] or "USDT"
    btc = [f"BTC/{quote}"] if request.baselines else []
    return list(dict.fromkeys([*request.symbols, *btc]))


def _nothing_stored(context: AppContext, request: SeriesRequest) -> bool:
    from alpha_arena.marketdata.sources.sample import SAMPLE_EXCHANGE

    if request.exchange != SAMPLE_EXCHANGE:
        return False
    wanted = set(_traded(request))
    return not any(s.symbol in wanted for s in context.market.series(request.exchange))


def _load_bundled(context: AppContext) -> str:
    from alpha_arena.services.sample import load_sample

    report = load_sample(context)
    return f"loaded the bundled Binance sample first ({report.inserted:,} rows)"


def _register(context: AppContext, name: str, config: dict[str, Any]) -> None:
    """Register ``name`` unless an agent of that name exists (it is then used as it is)."""
    if name not in {agent.name for agent in AgentStore(context.engine).all()}:
        add_agent(context, name, config)


def _learning_backtests(context: AppContext, before: int) -> bool:
    """Store (once) a 1h backtest of every library strategy on BTC and ETH over up to a year
    before ``before``: the portfolio agent's evidence. False: too little history for it."""
    symbols = DEFAULT_SYMBOLS[:2]
    request = SeriesRequest("learning", SeriesKind.CONSECUTIVE, 2, symbols=symbols,
                            baselines=False)  # fmt: skip
    try:
        span = data_span(context, request)
    except InvalidInputError:
        return False
    start = max(before - LEARNING_DAYS * DAY_MS, -(-span.start // DAY_MS) * DAY_MS)
    if before - start < MIN_LEARNING_DAYS * DAY_MS or before > span.end:
        return False
    store = BacktestStore(context.engine)
    have = {
        (run.strategy, run.symbols[0])
        for run in store.recent(limit=10_000)
        if (run.ts_start, run.ts_end) == (start, before) and len(run.symbols) == 1
    }
    base = BacktestConfig("flat", symbols[:1], "1h", start, before, fee_rate=0.0005,
                          slippage_bps=2.0)  # fmt: skip
    for symbol in symbols:
        for strategy in (*DEMO_RULES, "buy_and_hold"):  # what the demo's portfolio learns from
            if (strategy, symbol) not in have:
                logger.info("learning backtest %s on %s to %s", strategy, symbol, to_iso(before))
                backtests.run(context, replace(base, strategy=strategy, symbols=(symbol,)))
    return True
