"""Golden cases on the bundled real Binance data, run through the one engine on both databases.

Each case is small enough to check by hand against the sample CSV files, which the tests read
straight from disk (not through the project's parser) for the expected numbers:

- funding: a long held through the 2024-01-02 08:00 settlement of BTC/USDT:USDT pays
  quantity x the close of the 07:00 bar x the published rate;
- sizing: a 25x long's margin plus its taker fee fit in cash; spot asked for 2x trades at 1x
  with the margin it asked for;
- a stop inside a bar: the 2024-08-05 00:00 bar (the yen carry-trade unwind) falls through a
  stop 2% under the entry's fill price, and the stop fills at its level less slippage;
- a liquidation: a 20x long into the 2025-10-10 21:00 crash (low 101,516.5) is liquidated at
  its liquidation price in that bar and loses exactly its margin;
- an exchange outage: spot BTC/USDT has no bars from 2019-05-15 03:00 to 12:00; nothing is
  priced or recorded in those hours, a resting stop and a pending close meet the 13:00 bar."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from alpha_arena.backtest.run import BacktestConfig, run_backtest
from alpha_arena.backtest.trades import round_trips
from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.fills import Fill
from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.market import IntArray
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.engine.ledger import Ledger
from alpha_arena.engine.participant import StepView
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.service import DataService
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import SAMPLE, sample_subset

PERP, SPOT = "BTC/USDT:USDT", "BTC/USDT"
PERP_BARS = "binance_usdm_BTCUSDT_1h.csv.gz"
PERP_FUNDING = "binance_usdm_BTCUSDT_funding_8h.csv.gz"
SPOT_BARS = "binance_spot_BTCUSDT_1h.csv.gz"
CAPITAL = 10_000.0


@dataclass(frozen=True)
class Row:
    ts: int
    open: float
    high: float
    low: float
    close: float


def csv_rows(name: str) -> list[list[str]]:
    with gzip.open(SAMPLE / name, "rt", newline="") as handle:
        return list(csv.reader(handle))[1:]


def bars(name: str, start: str, end: str) -> list[Row]:
    """The sample's bars opened in [start, end), read straight from the CSV."""
    low, high = parse_ts(start), parse_ts(end)
    return [
        Row(int(r[0]), float(r[1]), float(r[2]), float(r[3]), float(r[4]))
        for r in csv_rows(name)
        if low <= int(r[0]) < high
    ]


def funding_rate(ts: str) -> float:
    """The published BTC/USDT:USDT funding rate settled at ``ts``, straight from the CSV."""
    [rate] = [float(r[1]) for r in csv_rows(PERP_FUNDING) if int(r[0]) == parse_ts(ts)]
    return rate


@pytest.fixture(scope="module", params=BACKENDS)
def market(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppContext]:
    """A database per backend holding the BTC perpetual bars and funding and the spot bars."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        folder = sample_subset(
            tmp_path_factory.mktemp("sample"), [PERP_BARS, PERP_FUNDING, SPOT_BARS]
        )
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, folder)
            yield context
        finally:
            context.close()


def instruments(context: AppContext) -> dict[str, Instrument]:
    return {item.symbol: item for item in context.market.instruments("binance")}


@dataclass
class Script:
    """A working fake participant: fixed actions at chosen decision times (bar closes)."""

    name: str
    actions: dict[int, tuple[SymbolDecision, ...]]
    seen: list[int] = field(default_factory=list)

    def decide(self, view: StepView) -> Decision | None:
        self.seen.append(view.ts)
        actions = self.actions.get(view.ts)
        return Decision(view.ts, actions) if actions else None

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        return None


def run_engine(
    context: AppContext,
    symbol: str,
    start: str,
    end: str,
    scripts: list[Script],
    *,
    slippage_bps: float = 0.0,
    max_leverage: float = 10.0,
) -> tuple[dict[str, Ledger], dict[str, PaperVenue]]:
    """Replay ``symbol``'s stored 1h bars opened in [start, end) through the engine, one paper
    account per script."""
    data = DataService(context.market, "binance")
    ts_start, ts_end = parse_ts(start), parse_ts(end)
    feed = ReplayFeed(
        "1h",
        {symbol: data.candles(symbol, "1h", ts_start, ts_end - HOUR_MS)},
        {symbol: data.funding(symbol, ts_start, ts_end)},
    )
    markets = {symbol: instruments(context)[symbol]}
    venues = {
        script.name: PaperVenue(PaperVenueConfig(CAPITAL, slippage_bps), markets, NextBarOpen())
        for script in scripts
    }
    engine = TradingEngine(
        feed,
        [(script, venues[script.name]) for script in scripts],
        markets,
        RiskLimits(max_leverage=max_leverage),
        SimClock(ts_start),
    )
    return engine.run(), venues


def buy(
    symbol: str, quantity: float, *, leverage: float = 1.0, stop_loss: float | None = None
) -> SymbolDecision:
    return SymbolDecision(
        symbol, Signal.BUY_TO_ENTER, quantity=quantity, leverage=leverage, stop_loss=stop_loss
    )


def close(symbol: str) -> SymbolDecision:
    return SymbolDecision(symbol, Signal.CLOSE)


def only(fills: list[Fill], tag: str) -> Fill:
    [fill] = [item for item in fills if item.tag == tag]
    return fill


# -- funding -------------------------------------------------------------------------------------


def test_long_held_through_a_settlement_pays_quantity_times_close_times_rate(
    market: AppContext,
) -> None:
    config = BacktestConfig(
        "buy_and_hold", (PERP,), "1h", parse_ts("2024-01-02T05:00"), parse_ts("2024-01-02T12:00")
    )
    result = run_backtest(DataService(market.market, "binance"), instruments(market), config)

    window = bars(PERP_BARS, "2024-01-02T05:00", "2024-01-02T12:00")
    entry = only(result.ledger.fills, "entry")
    assert entry.ts == parse_ts("2024-01-02T06:00")  # decided at the 05:00 bar's close
    assert entry.price == window[1].open == 45_218.2
    # 9,900 of notional (1% kept in reserve) / 45,218.2, floored to the 0.001 step
    assert entry.quantity == pytest.approx(0.218)
    rate = funding_rate("2024-01-02T08:00")  # 0.00035179
    close_0700 = next(row.close for row in window if row.ts == parse_ts("2024-01-02T07:00"))
    expected = -entry.quantity * close_0700 * rate  # -0.218 x 45,495.5 x 0.00035179
    assert result.ledger.funding == [(parse_ts("2024-01-02T08:00"), PERP, pytest.approx(expected))]
    assert expected == pytest.approx(-3.48906, abs=1e-5)
    # the equity step of the 07:00 bar is its price move plus the funding paid
    step = result.ledger.equity_ts.index(parse_ts("2024-01-02T08:00"))
    move = entry.quantity * (close_0700 - window[1].close)
    assert result.ledger.equity[step] - result.ledger.equity[step - 1] == pytest.approx(
        move + expected
    )
    [trade] = result.trades
    assert trade.funding == pytest.approx(expected)
    assert result.metrics.funding_paid == pytest.approx(-expected)


def test_settlement_on_the_bar_before_a_close_belongs_to_the_closed_trade(
    market: AppContext,
) -> None:
    # Entered at the 06:00 open, closed at the 08:00 open: the 08:00 settlement fell while the
    # position was open (at the close of the 07:00 bar), so it is that trade's funding.
    script = Script(
        "scripted",
        {
            parse_ts("2024-01-02T06:00"): (buy(PERP, 0.1),),
            parse_ts("2024-01-02T08:00"): (close(PERP),),
        },
    )
    ledgers, venues = run_engine(market, PERP, "2024-01-02T05:00", "2024-01-02T12:00", [script])
    ledger, venue = ledgers["scripted"], venues["scripted"]

    rate = funding_rate("2024-01-02T08:00")
    expected = -0.1 * 45_495.5 * rate
    assert ledger.funding == [(parse_ts("2024-01-02T08:00"), PERP, pytest.approx(expected))]
    assert only(ledger.fills, "close").ts == parse_ts("2024-01-02T08:00")
    [trade] = round_trips(ledger.fills, ledger.funding, {PERP: 0.0}, ledger.equity_ts[-1])
    assert trade.funding == pytest.approx(expected)
    assert trade.net_pnl == pytest.approx(ledger.equity[-1] - CAPITAL)
    assert venue.positions() == {}


# -- sizing at high leverage and above the cap ---------------------------------------------------


def test_a_25x_entry_fits_its_margin_and_taker_fee_in_cash(market: AppContext) -> None:
    config = BacktestConfig(
        "buy_and_hold", (PERP,), "1h", parse_ts("2024-01-02T05:00"), parse_ts("2024-01-02T12:00"),
        leverage=25,
    )  # fmt: skip
    result = run_backtest(DataService(market.market, "binance"), instruments(market), config)

    # Sized as 9,900 x 25 = 247,500 the entry needed 9,900 of margin + 123.75 of fee, more
    # than the 10,000 of cash: denied. Now 9,900 x 25 / (1 + 25 x 0.0005) = 244,444.44, which
    # at the 06:00 open of 45,218.2 is 5.4059 BTC, 5.405 on the 0.001 step.
    entry = only(result.ledger.fills, "entry")
    assert (entry.price, entry.quantity) == (45_218.2, pytest.approx(5.405))
    margin = 5.405 * 45_218.2 / 25  # 9,776.175
    assert entry.fee == pytest.approx(5.405 * 45_218.2 * 0.0005)  # 122.202
    assert margin + entry.fee == pytest.approx(9_898.377, abs=1e-3)
    assert result.ledger.cash[1] == pytest.approx(CAPITAL - margin - entry.fee)  # 101.62 left
    assert result.ledger.risk_events == [] and result.denials == {}


def test_spot_at_2x_trades_at_1x_with_the_margin_it_asked_for(market: AppContext) -> None:
    config = BacktestConfig(
        "buy_and_hold", (SPOT,), "1h", parse_ts("2024-01-02T05:00"), parse_ts("2024-01-02T12:00"),
        leverage=2,
    )  # fmt: skip
    result = run_backtest(DataService(market.market, "binance"), instruments(market), config)

    # Asked: 9,900 x 2 / (1 + 2 x 0.001) = 19,760.48 at 2x, 9,880.24 of margin. Spot allows
    # 1x: the size falls with the leverage to 9,880.24 (before, the 19,760.48 kept at 1x never
    # fitted: every entry was denied), / the 05:00 close 45,179.48 = 0.218688 BTC, 0.21868 on
    # the 0.00001 step, filled at the 06:00 open (45,179.48).
    entry = only(result.ledger.fills, "entry")
    assert (entry.price, entry.quantity) == (45_179.48, pytest.approx(0.21868))
    assert entry.fee == pytest.approx(0.21868 * 45_179.48 * 0.001)
    [clamp] = result.ledger.risk_events
    assert (clamp.approved, clamp.rule) == (True, "")
    assert clamp.adjustments == (
        "leverage 2 clamped to 1 (limit 2, instrument 1)",
        "notional 19760.48 scaled to 9880.24 with the leverage (margin kept at 9880.24)",
    )


# -- a stop inside a bar -------------------------------------------------------------------------


def test_stop_inside_a_real_bar_fills_at_the_stop_less_slippage_in_that_bar(
    market: AppContext,
) -> None:
    config = BacktestConfig(
        "buy_and_hold", (PERP,), "1h", parse_ts("2024-08-04T22:00"), parse_ts("2024-08-05T04:00"),
        stop_loss=0.02, slippage_bps=5,
    )  # fmt: skip
    result = run_backtest(DataService(market.market, "binance"), instruments(market), config)

    window = bars(PERP_BARS, "2024-08-04T22:00", "2024-08-05T04:00")
    # Decided on the 22:00 bar's close (58,694.1), filled at the 23:00 open plus 5 bps of
    # slippage: 58,694.0 x 1.0005 = 58,723.347. "--stop-loss 0.02" is 2% under that entry
    # (not under the close it was decided on): 58,723.347 x 0.98 = 57,548.88, 57,548.9 on the
    # 0.1 tick.
    entry = only(result.ledger.fills, "entry")
    assert (entry.ts, entry.price) == (window[1].ts, pytest.approx(window[1].open * 1.0005))
    assert entry.price == pytest.approx(58_723.347)
    stop = round(entry.price * 0.98, 1)
    assert stop == 57_548.9
    [position_stop] = [o for o in result.ledger.orders.values() if o.tag == "stop_loss"]
    assert position_stop.trigger_price == stop
    # the first bar after the entry whose low reaches the stop, and it opened above it (the
    # entry's own bar, 23:00, bottomed at 57,975.4: above the stop)
    hit = next(row for row in window[1:] if row.low <= stop)
    assert hit.ts == parse_ts("2024-08-05T00:00")
    assert hit.open > stop > hit.low  # 58,144.5 > 57,548.9 > 55,650.0: inside the bar
    fill = only(result.ledger.fills, "stop_loss")
    assert fill.ts == hit.ts
    # the stop sells at its level less 5 bps: 57,548.9 x 0.9995 = 57,520.12555
    assert fill.price == pytest.approx(stop * (1 - 0.0005))
    assert fill.price == pytest.approx(57_520.12555)
    assert fill.quantity == entry.quantity
    assert fill.realized_pnl == pytest.approx(entry.quantity * (fill.price - entry.price))
    [trade] = result.trades
    assert (trade.exit_reason, trade.ts_exit) == ("stop_loss", hit.ts)
    assert len(result.ledger.fills) == 2  # buy-and-hold does not buy again after the stop


# -- a liquidation in a crash --------------------------------------------------------------------


def test_high_leverage_long_is_liquidated_in_the_crash_bar_and_loses_exactly_its_margin(
    market: AppContext,
) -> None:
    # 1 BTC at 20x, decided at the 19:00 bar's close, filled at the 20:00 open (116,605.2)
    script = Script("levered", {parse_ts("2025-10-10T20:00"): (buy(PERP, 1.0, leverage=20),)})
    ledgers, venues = run_engine(
        market, PERP, "2025-10-10T19:00", "2025-10-11T00:00", [script], max_leverage=20
    )
    ledger, venue = ledgers["levered"], venues["levered"]

    window = bars(PERP_BARS, "2025-10-10T19:00", "2025-10-11T00:00")
    entry = only(ledger.fills, "entry")
    assert (entry.ts, entry.price) == (parse_ts("2025-10-10T20:00"), 116_605.2)
    margin = entry.price / 20  # 5,830.26
    fee = entry.price * 0.0005  # 58.30
    level = (entry.price - margin) / (1 - 0.004)  # 111,219.82 (maintenance 0.4%)
    assert level == pytest.approx(111_219.819, abs=1e-3)
    first = next(row for row in window if row.ts >= entry.ts and row.low <= level)
    assert first.ts == parse_ts("2025-10-10T21:00")  # the 20:00 bar's low 112,786.6 held
    assert first.low == 101_516.5  # the bar gapped 9% through the liquidation price

    liquidation = only(ledger.fills, "liquidation")
    assert (liquidation.ts, liquidation.price) == (first.ts, pytest.approx(level))
    assert liquidation.realized_pnl == pytest.approx(level - entry.price)
    assert liquidation.fee == pytest.approx(margin + level - entry.price)  # what margin was left
    assert venue.positions() == {}
    after = ledger.equity[ledger.equity_ts.index(first.ts + HOUR_MS)]
    assert after == pytest.approx(CAPITAL - fee - margin)  # the margin and the fee, no more
    assert ledger.equity[-1] == pytest.approx(CAPITAL - fee - margin)
    assert min(ledger.cash) >= 0.0


# -- an exchange outage --------------------------------------------------------------------------


def test_outage_gap_is_crossed_without_inventing_prices(market: AppContext) -> None:
    # Both enter 0.5 BTC at the 01:00 open (7,994.86). "stopped" rests a stop at 7,880, below
    # every low before the gap (7,883.38 the lowest); "closer" decides to close at 03:00, the
    # close of the last bar before the outage.
    stopped = Script(
        "stopped", {parse_ts("2019-05-15T01:00"): (buy(SPOT, 0.5, stop_loss=7_880.0),)}
    )
    closer = Script(
        "closer",
        {
            parse_ts("2019-05-15T01:00"): (buy(SPOT, 0.5),),
            parse_ts("2019-05-15T03:00"): (close(SPOT),),
        },
    )
    ledgers, _ = run_engine(
        market, SPOT, "2019-05-14T22:00", "2019-05-15T16:00", [stopped, closer], slippage_bps=5
    )

    window = bars(SPOT_BARS, "2019-05-14T22:00", "2019-05-15T16:00")
    stamps = [row.ts for row in window]
    assert parse_ts("2019-05-15T13:00") - parse_ts("2019-05-15T02:00") == 11 * HOUR_MS
    missing = set(range(parse_ts("2019-05-15T03:00"), parse_ts("2019-05-15T13:00"), HOUR_MS))
    assert not missing & set(stamps)  # the sample has no bar in the outage
    after_gap = window[stamps.index(parse_ts("2019-05-15T13:00"))]
    for ledger in ledgers.values():
        # one equity point per real bar, at its close; none for the missing hours
        assert ledger.equity_ts == [ts + HOUR_MS for ts in stamps]
        assert not {ts + HOUR_MS for ts in missing} & set(ledger.equity_ts)
        # every fill is stamped at a bar that exists
        assert {fill.ts for fill in ledger.fills} <= set(stamps)
    assert stopped.seen == closer.seen == [ts + HOUR_MS for ts in stamps]

    stop = only(ledgers["stopped"].fills, "stop_loss")
    entry_ts = parse_ts("2019-05-15T01:00")
    assert all(row.low > 7_880.0 for row in window if entry_ts <= row.ts < after_gap.ts)
    assert after_gap.open > 7_880.0 >= after_gap.low  # 7,946.71 / 7,850.00
    assert (stop.ts, stop.price) == (after_gap.ts, pytest.approx(7_880.0 * (1 - 0.0005)))

    closed = only(ledgers["closer"].fills, "close")
    assert (closed.ts, closed.price) == (after_gap.ts, pytest.approx(after_gap.open * 0.9995))
    # equity across the gap moves from the last close before it to the first bar after it
    entry = only(ledgers["closer"].fills, "entry")
    index = ledgers["closer"].equity_ts.index(parse_ts("2019-05-15T03:00"))
    before = ledgers["closer"].equity[index]
    assert before == pytest.approx(CAPITAL - entry.fee + 0.5 * (7_946.71 - entry.price))
    assert ledgers["closer"].equity[index + 1] == pytest.approx(
        before + 0.5 * (closed.price - 7_946.71) - closed.fee
    )
