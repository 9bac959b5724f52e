"""The leaderboard: every entry measured from its stored ledger alone, with the uncertainty of
its result (a bootstrap interval of return and Sharpe, the probability that it beat BTC
buy-and-hold) and a flag where it traded too little to judge.

What an LLM-driven entry's decisions were is counted from each stored decision's outcome:
``invalid_decisions`` (holds because nothing valid came back), ``repaired_answers`` (decisions
from the answer to a repair request) and ``missed_deadlines`` (holds at the decision deadline).
``llm_cost_usd`` is the sum of the calls' costs, or None when the price of any of them is
unknown (a model missing from the price table, without a price of the agent's own): a partial
sum would pass for the whole. ``model_version`` names the model version that answered the
entry's latest call (the label the provider's answer gave), ``model_versions`` every version that
answered it, the latest first: more than one means the provider updated the model mid-season.

Skill and exposure: beta to BTC buy-and-hold and to the equal-weight basket of the season's
coins, Jensen's alpha per year with its bootstrap interval (``analytics.skill``, on the market's
own curves from ``seasons.benchmarks``), and how much of the market each entry held and traded
(``analytics.exposure``). The board can be ranked by account value (the default), by alpha vs
BTC or by Sharpe (``ranked_by``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from alpha_arena.analytics.bootstrap import ranking_stats
from alpha_arena.analytics.exposure import Exposure, exposure
from alpha_arena.analytics.metrics import compute_metrics
from alpha_arena.analytics.skill import Skill, skill
from alpha_arena.backtest.trades import round_trips
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import DAY_MS, timeframe_ms, to_iso
from alpha_arena.domain.decisions import DecisionOutcome
from alpha_arena.domain.fills import Fill
from alpha_arena.domain.llm import LlmCall
from alpha_arena.domain.seasons import SeasonMode
from alpha_arena.marketdata.service import DataService
from alpha_arena.seasons.benchmarks import SeasonMarketCurves, market_curves
from alpha_arena.seasons.config import SeasonConfig
from alpha_arena.seasons.lineup import BTC_BASELINE, describe
from alpha_arena.storage.season_store import EntryRecord, SeasonRecord, SeasonStore

CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    rank: int
    entry_id: int
    name: str
    description: str  # kind, model, prompt version, parameters
    fingerprint: str
    baseline: bool
    status: str
    account_value: float
    return_pct: float  # percent
    pnl: float
    fees: float
    funding: float  # received (+) or paid (-)
    win_rate: float | None  # fraction of trades that made money after fees and funding
    biggest_win: float | None
    biggest_loss: float | None
    sharpe: float | None  # annualized, from per-tick returns
    max_drawdown_pct: float
    trades: int
    llm_cost_usd: float | None  # None: some call's price is unknown
    invalid_decisions: int  # holds because nothing valid came back
    repaired_answers: int  # decisions from the answer to a repair request
    missed_deadlines: int  # holds at the decision deadline
    avg_decision_ms: float | None
    return_low_pct: float  # the bootstrap interval of the return, percent
    return_high_pct: float
    sharpe_low: float
    sharpe_high: float
    p_beats_btc: float | None  # None for the BTC baseline itself or without it
    few_trades: bool  # fewer trades than the season's ``min_trades``: too few to judge
    # Skill vs exposure (None where undefined: too few ticks, or no market data for the curve).
    beta_btc: float | None  # the slope of its per-tick returns on BTC buy-and-hold's
    alpha_btc_pct: float | None  # Jensen's alpha vs BTC, per year, percent
    alpha_btc_low_pct: float | None  # its bootstrap interval
    alpha_btc_high_pct: float | None
    beta_basket: float | None  # the same against the equal-weight basket of the season's coins
    alpha_basket_pct: float | None
    alpha_basket_low_pct: float | None
    alpha_basket_high_pct: float | None
    net_exposure: float | None  # average signed position value over equity
    gross_exposure: float | None  # average unsigned position value over equity
    long_share: float | None  # share of ticks net long, net short, and flat
    short_share: float | None
    flat_share: float | None
    turnover: float | None  # notional traded over the average equity
    model_version: str | None = None  # the version that answered last; None: no answered call
    model_versions: tuple[str, ...] = ()  # every version that answered, the latest first

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Leaderboard:
    season_id: int
    name: str
    status: str
    ticks: int
    start: str
    last_tick: str | None
    confidence: float
    min_trades: int
    rows: list[LeaderboardRow]
    real: bool = False  # a live season: every figure comes from real exchange executions
    rank_by: str = "value"  # what the rows are ranked by: one of RANK_BY

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["rows"] = [row.as_dict() for row in self.rows]
        return values

    def ranked_by(self, key: str) -> Leaderboard:
        """The same board ranked by ``key`` (see ``RANK_BY``); undefined values rank last."""
        if key not in RANK_BY:
            raise InvalidInputError(f"cannot rank by {key!r}; accepted: {', '.join(RANK_BY)}")
        field = RANK_BY[key]
        rows = sorted(self.rows, key=lambda row: _order(getattr(row, field), row))
        ranked = [_with_rank(row, rank) for rank, row in enumerate(rows, 1)]
        return replace(self, rows=ranked, rank_by=key)


#: What a board can be ranked by, and the row field each key ranks on (highest first).
RANK_BY = {"value": "account_value", "alpha": "alpha_btc_pct", "sharpe": "sharpe"}


def _order(value: float | None, row: LeaderboardRow) -> tuple[bool, float, float, str]:
    return (value is None, -(value or 0.0), -row.account_value, row.name)


def build_leaderboard(store: SeasonStore, data: DataService, season: SeasonRecord) -> Leaderboard:
    config = SeasonConfig.model_validate(season.config)
    entries = store.entries(season.id)
    # Every read stops at the ticks counted here: a runner may commit more meanwhile.
    horizon = season.ticks_done
    curves = {entry.id: _curve(store, entry, config.capital, horizon) for entry in entries}
    fills = {entry.id: store.fills(entry.id, horizon) for entry in entries}
    btc = next((e for e in entries if e.baseline and e.name == BTC_BASELINE), None)
    benchmark = curves[btc.id][1] if btc is not None else None
    ticks = max((ts for ts, _ in curves.values()), key=len, default=np.empty(0, np.int64))
    traded = {fill.symbol for entry_fills in fills.values() for fill in entry_fills}
    market = market_curves(data, config, ticks, traded)
    rows = [
        _measure(
            store, data, config, entry, curves[entry.id], fills[entry.id], benchmark,
            entry is btc, horizon, _on_ticks(market, ticks, curves[entry.id][0]),
        )
        for entry in entries
    ]  # fmt: skip
    rows.sort(key=lambda row: (-row.account_value, row.name))
    ranked = [_with_rank(row, rank) for rank, row in enumerate(rows, 1)]
    last = None if season.ts_last_tick is None else to_iso(season.ts_last_tick)
    return Leaderboard(
        season.id, season.name, season.status.value, season.ticks_done, to_iso(season.ts_start),
        last, CONFIDENCE, config.min_trades, ranked, config.mode is SeasonMode.LIVE,
    )  # fmt: skip


def _curve(
    store: SeasonStore, entry: EntryRecord, capital: float, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps and equity, the initial capital first (so the first tick's return counts)."""
    rows = store.equity(entry.id, horizon)
    ts = np.array([row["ts"] for row in rows], dtype=np.int64)
    equity = np.array([capital] + [row["equity"] for row in rows], dtype=np.float64)
    return ts, equity


def _on_ticks(
    market: SeasonMarketCurves, ticks: np.ndarray, own: np.ndarray
) -> SeasonMarketCurves | None:
    """The market at an entry's own ticks: the season's, cut where the entry's equity ends (an
    eliminated entry); None when its ticks are not a prefix of the season's."""
    if len(own) > len(ticks) or not np.array_equal(ticks[: len(own)], own):
        return None
    keep = len(own) + 1  # the start, then each of its ticks

    def cut(curve: np.ndarray | None) -> np.ndarray | None:
        return None if curve is None else curve[:keep]

    prices = {symbol: curve[:keep] for symbol, curve in market.prices.items()}
    return SeasonMarketCurves(prices, cut(market.btc), cut(market.basket))


def _measure(
    store: SeasonStore,
    data: DataService,
    config: SeasonConfig,
    entry: EntryRecord,
    curve: tuple[np.ndarray, np.ndarray],
    fills: list[Fill],
    benchmark: np.ndarray | None,
    is_benchmark: bool,
    horizon: int,
    market: SeasonMarketCurves | None,
) -> LeaderboardRow:
    ts, equity = curve
    step = timeframe_ms(config.timeframe)
    funding = store.funding(entry.id, horizon)
    ts_end = int(ts[-1]) if len(ts) else config.start
    marks = _marks(data, {fill.symbol for fill in fills}, config.timeframe, ts_end)
    trades = round_trips(fills, funding, marks, ts_end)
    points = np.concatenate(([config.start], ts))
    fees = sum(fill.fee for fill in fills)
    received = sum(amount for _, _, amount in funding)
    metrics = compute_metrics(
        points, equity, trades, timeframe=config.timeframe, fees_paid=fees,
        funding_paid=-received,
    )  # fmt: skip
    stats = ranking_stats(
        equity, 365 * DAY_MS / step, None if is_benchmark else benchmark, seed=entry.id
    )
    calls = [call for _, call in store.llm_calls(entry.id, horizon)]
    costs = [call.cost_usd for call in calls]
    versions = _versions_latest_first(calls)
    decisions = store.decisions(entry.id, horizon)
    per_year = 365 * DAY_MS / step
    vs_btc = _skill(equity, None if market is None else market.btc, per_year, entry.id)
    vs_basket = _skill(equity, None if market is None else market.basket, per_year, entry.id)
    held = _NO_EXPOSURE if market is None else exposure(ts, equity[1:], fills, market.closes())
    btc_low, btc_high = _bounds(vs_btc)
    basket_low, basket_high = _bounds(vs_basket)
    outcomes = Counter(DecisionOutcome(row["outcome"]) for row in decisions)
    latencies = [row["latency_ms"] for row in decisions]
    return LeaderboardRow(
        rank=0,
        entry_id=entry.id,
        name=entry.name,
        description=describe(entry),
        fingerprint=entry.fingerprint,
        baseline=entry.baseline,
        status=entry.status.value,
        account_value=float(equity[-1]),
        return_pct=metrics.total_return * 100,
        pnl=float(equity[-1] - config.capital),
        fees=fees,
        funding=received,
        win_rate=metrics.win_rate,
        biggest_win=metrics.best_trade if metrics.best_trade and metrics.best_trade > 0 else None,
        biggest_loss=(
            metrics.worst_trade if metrics.worst_trade and metrics.worst_trade < 0 else None
        ),
        sharpe=metrics.sharpe,
        max_drawdown_pct=metrics.max_drawdown * 100,
        trades=len(trades),
        llm_cost_usd=None if None in costs else float(sum(c for c in costs if c is not None)),
        invalid_decisions=outcomes[DecisionOutcome.INVALID],
        repaired_answers=outcomes[DecisionOutcome.REPAIRED],
        missed_deadlines=outcomes[DecisionOutcome.DEADLINE],
        avg_decision_ms=float(np.mean(latencies)) if latencies else None,
        return_low_pct=stats.return_interval.low * 100,
        return_high_pct=stats.return_interval.high * 100,
        sharpe_low=stats.sharpe_interval.low,
        sharpe_high=stats.sharpe_interval.high,
        p_beats_btc=stats.p_beats_benchmark,
        few_trades=not entry.baseline and len(trades) < config.min_trades,
        beta_btc=vs_btc.beta,
        alpha_btc_pct=_percent(vs_btc.alpha_annualized),
        alpha_btc_low_pct=btc_low,
        alpha_btc_high_pct=btc_high,
        beta_basket=vs_basket.beta,
        alpha_basket_pct=_percent(vs_basket.alpha_annualized),
        alpha_basket_low_pct=basket_low,
        alpha_basket_high_pct=basket_high,
        net_exposure=held.net,
        gross_exposure=held.gross,
        long_share=held.long_share,
        short_share=held.short_share,
        flat_share=held.flat_share,
        turnover=held.turnover,
        model_version=versions[0] if versions else None,
        model_versions=versions,
    )


def _versions_latest_first(calls: list[LlmCall]) -> tuple[str, ...]:
    """The labels of the versions that answered ``calls`` (in the order made), latest first."""
    last_answered = {call.version.label: n for n, call in enumerate(calls) if call.version}
    return tuple(sorted(last_answered, key=last_answered.__getitem__, reverse=True))


_UNDEFINED = Skill(0, None, None, None, None, None, None, None)


def _skill(equity: np.ndarray, market: np.ndarray | None, per_year: float, seed: int) -> Skill:
    """The entry regressed on ``market`` (same points), or undefined without one."""
    if market is None or len(market) != len(equity) or equity[0] <= 0:
        return _UNDEFINED
    return skill(equity, market, per_year, confidence=CONFIDENCE, seed=seed)


_NO_EXPOSURE = Exposure(None, None, None, None, None, None)


def _bounds(measured: Skill) -> tuple[float | None, float | None]:
    """The alpha interval's ends, in percent."""
    interval = measured.alpha_interval
    return (None, None) if interval is None else (interval.low * 100, interval.high * 100)


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100


def _marks(data: DataService, symbols: set[str], timeframe: str, ts: int) -> dict[str, float]:
    """Each symbol's last close by ``ts``: where a position still open is valued."""
    marks = {}
    for symbol in symbols:
        candles = data.closed_candles(symbol, timeframe, ts, 1)
        if len(candles):
            marks[symbol] = float(candles.close[-1])
    return marks


def _with_rank(row: LeaderboardRow, rank: int) -> LeaderboardRow:
    values = row.as_dict()
    values["rank"] = rank
    return LeaderboardRow(**values)
