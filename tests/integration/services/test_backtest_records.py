"""A stored backtest keeps what its strategy decided, the path of its positions with their
exits and the risk checks' events, on both databases: equal to what the run produced, checked
by hand on a week of real BTC bars, and written back unchanged by the CSV export."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from alpha_arena.backtest.run import BacktestResult
from alpha_arena.core.time import parse_ts
from alpha_arena.services import backtests
from alpha_arena.services.context import AppContext
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.backtest_store import BacktestStore
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = [
    "binance_usdm_BTCUSDT_1h.csv.gz",
    "binance_usdm_BTCUSDT_funding_8h.csv.gz",
    "binance_spot_BTCUSDT_1h.csv.gz",
]


@pytest.fixture
def market(context: AppContext, tmp_path: Path) -> AppContext:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    return context


def week_with_exits(market: AppContext) -> tuple[int, BacktestResult]:
    """EMA 8/21 on the first week of 2024, long and short, all in, with a 2% stop-loss and a
    3% take-profit (nine decisions, both exits triggered, two flips)."""
    config = backtests.build_config(
        "ema_trend", BTC, "1h", "2024-01-01", "2024-01-08", fee_rate=0.0005,
        params={"fast": "8", "slow": "21"}, stop_loss=0.02, take_profit=0.03,
    )  # fmt: skip
    return backtests.run(market, config)


def test_the_stored_decisions_are_the_runs_actions_with_the_strategys_target(
    market: AppContext,
) -> None:
    run_id, result = week_with_exits(market)
    stored = BacktestStore(market.engine).decisions(run_id)

    produced = [(d.ts, a) for d in result.ledger.decisions for a in d.actions]
    assert len(stored) == len(produced) == 9
    for seq, (row, (ts, action)) in enumerate(zip(stored, produced, strict=True)):
        assert row == {
            "seq": seq, "ts": ts, "symbol": BTC, "signal": action.signal.value,
            "target": 1.0 if row["reason"].endswith("long") else -1.0,
            "quantity": action.quantity, "notional": action.notional,
            "leverage": 1.0, "stop_loss": None, "take_profit": None,
            "stop_loss_fraction": action.stop_loss_fraction,
            "take_profit_fraction": action.take_profit_fraction,
            "reason": action.justification,
        }  # fmt: skip
    # By hand: the first entry, at the close of 2024-01-01 20:00, commits 99% of the 10,000
    # (1% reserve) with room for its 0.05% fee: 9,900 / 1.0005.
    first = stored[0]
    assert first["ts"] == parse_ts("2024-01-01T21:00:00")
    assert (first["signal"], first["target"]) == ("buy_to_enter", 1.0)
    assert first["notional"] == pytest.approx(9_900 / 1.0005)
    assert (first["stop_loss_fraction"], first["take_profit_fraction"]) == (0.02, 0.03)
    assert first["reason"].startswith("ema_trend: EMA8 ")
    # A flip is a close and an entry at the same step, both toward the new target.
    flip = [row for row in stored if row["ts"] == parse_ts("2024-01-06T07:00:00")]
    assert [(r["signal"], r["target"]) for r in flip] == [
        ("close", -1.0), ("sell_to_enter", -1.0),
    ]  # fmt: skip


def test_the_stored_position_path_has_the_exits_the_decisions_asked_for(
    market: AppContext,
) -> None:
    run_id, result = week_with_exits(market)
    stored = BacktestStore(market.engine).positions(run_id)

    assert len(stored) == len(result.ledger.positions) == 10
    for row, change in zip(stored, result.ledger.positions, strict=True):
        held = change.position
        assert (row["ts"], row["symbol"], row["tag"]) == (change.ts, change.symbol, change.tag)
        if held is None:
            assert (row["quantity"], row["entry_price"], row["stop_loss"]) == (0.0, None, None)
        else:
            assert (row["quantity"], row["entry_price"], row["margin"]) == (
                held.quantity, held.entry_price, held.margin,
            )  # fmt: skip
            assert (row["stop_loss"], row["take_profit"]) == (
                held.exit_plan.stop_loss, held.exit_plan.take_profit,
            )  # fmt: skip

    # By hand: the first entry fills at the next bar's open, 43,753.2, for 9,895.05 / 43,753.2
    # = 0.22616 BTC, floored to the 0.001 step; its exits sit 2% and 3% away, on the 0.1 tick.
    opened = stored[0]
    assert (opened["ts"], opened["ts_opened"]) == (parse_ts("2024-01-01T21:00:00"),) * 2
    assert (opened["quantity"], opened["entry_price"]) == (0.226, 43_753.2)
    assert opened["stop_loss"] == pytest.approx(42_878.1)  # 43,753.2 x 0.98 = 42,878.14
    assert opened["take_profit"] == pytest.approx(45_065.8)  # 43,753.2 x 1.03 = 45,065.80
    # Three hours later the high passes the take-profit: the position is gone.
    closed = stored[1]
    assert (closed["ts"], closed["tag"], closed["quantity"]) == (
        parse_ts("2024-01-02T00:00:00"), "take_profit", 0.0,
    )  # fmt: skip

    # Every entry's exits are its decision's fractions from its fill price (a long's stop
    # below, a short's above), on the tick.
    decided = {row["ts"]: row for row in BacktestStore(market.engine).decisions(run_id)}
    entries = [row for row in stored if row["tag"] == "entry"]
    assert len(entries) == 6
    for row in entries:
        decision = decided[row["ts"]]
        side = 1.0 if row["quantity"] > 0 else -1.0
        assert decision["signal"] == ("buy_to_enter" if side > 0 else "sell_to_enter")
        price = row["entry_price"]
        stop = round(price * (1 - side * decision["stop_loss_fraction"]), 1)
        take = round(price * (1 + side * decision["take_profit_fraction"]), 1)
        assert (row["stop_loss"], row["take_profit"]) == (pytest.approx(stop), pytest.approx(take))


def test_the_csv_export_writes_the_stored_rows_back_unchanged(
    market: AppContext, tmp_path: Path
) -> None:
    run_id, _ = week_with_exits(market)
    written = {path.stem: path for path in backtests.export(market, run_id, tmp_path / "out")}

    assert set(written) == set(backtests.TABLES)
    for name in ("decisions", "positions"):
        with written[name].open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        stored = backtests.table(market, run_id, name)
        assert rows and [_as_text(row) for row in stored] == rows
    assert written["risk_events"].read_text() == ""  # none in this run: an empty file


def test_risk_events_are_stored_with_their_rule_and_level(
    market: AppContext, tmp_path: Path
) -> None:
    # Leverage 2 on spot (whose instruments allow 1): every entry goes through, clamped.
    clamped = backtests.build_config(
        "ema_trend", "BTC/USDT", "1h", "2024-01-01", "2024-01-08", fee_rate=0.001,
        leverage=2, params={"fast": "8", "slow": "21", "allow_short": "false"},
    )  # fmt: skip
    run_id, result = backtests.run(market, clamped)
    events = BacktestStore(market.engine).risk_events(run_id)
    entries = [a for d in result.ledger.decisions for a in d.actions if a.signal != "close"]
    assert len(events) == len(entries) > 0
    for event in events:
        assert (event["level"], event["rule"], event["signal"]) == ("warn", "", "buy_to_enter")
        leverage, size = json.loads(event["adjustments"])
        assert leverage == "leverage 2 clamped to 1 (limit 2, instrument 1)"
        assert size.startswith("notional ") and "scaled to" in size
    assert result.denials == {}

    # 1 USDT cannot buy BTC's 5 USDT minimum: every entry is denied by that rule.
    denied = backtests.build_config(
        "ema_trend", "BTC/USDT", "1h", "2024-01-01", "2024-01-08", capital=1,
        params={"fast": "8", "slow": "21", "allow_short": "false"},
    )  # fmt: skip
    run_id, result = backtests.run(market, denied)
    events = BacktestStore(market.engine).risk_events(run_id)
    assert {(e["level"], e["rule"]) for e in events} == {("deny", "min_notional")}
    assert result.denials == {"min_notional": len(events)}
    assert BacktestStore(market.engine).positions(run_id) == []


def _as_text(row: dict[str, Any]) -> dict[str, str]:
    """A stored row as csv.DictReader reads it back: None as an empty cell."""
    return {key: "" if value is None else str(value) for key, value in row.items()}
