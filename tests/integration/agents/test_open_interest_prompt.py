"""The prompt's open-interest line comes from the stored open interest history: the reading
stamped at or before the decision, never a later one, with its change over 24 hours; a prompt
with no open interest stored is the one it always was."""

from __future__ import annotations

from pathlib import Path

from alpha_arena.agents.context import account_context, build_context
from alpha_arena.agents.llm.prompts import default_template, render
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.market import OpenInterest
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import AppContext
from alpha_arena.services.sample import load_sample
from tests.support.sample import sample_subset

FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
BTC = "BTC/USDT:USDT"
ACCOUNT = account_context(10_000.0, 10_000.0, 10_000.0, {}, {}, 0.0005)
DAY0 = parse_ts("2024-03-01")


def decide(context: AppContext, ts: int) -> tuple[float | None, str]:
    decision = build_context(DataService(context.market, "binance"), [BTC], ts, ACCOUNT)
    coin = decision.coins[0]
    return coin.open_interest, render(default_template(), decision).user


def line(prompt: str) -> str:
    return next(text for text in prompt.splitlines() if text.startswith("current price:"))


def test_the_line_shows_the_reading_known_at_the_decision_and_its_24h_change(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    no_interest = decide(context, DAY0 + 30 * HOUR_MS)[1]
    # Hourly readings from DAY0: 80,000 rising by 100 an hour.
    context.derivatives.write_open_interest_history(
        "binance", BTC, "1h",
        [OpenInterest(BTC, DAY0 + h * HOUR_MS, 80_000.0 + 100 * h, None) for h in range(48)],
    )  # fmt: skip

    # Half an hour past hour 30: the reading of hour 30 (83,000) against hour 6 (80,600).
    shown, prompt = decide(context, DAY0 + 30 * HOUR_MS + 30 * 60_000)
    assert shown == 83_000.0
    assert line(prompt).endswith(", open interest: 83000.0 (24h change: +2.98%)")
    # One millisecond before hour 31's reading is stamped, hour 30's is still the newest.
    assert decide(context, DAY0 + 31 * HOUR_MS - 1)[0] == 83_000.0
    assert decide(context, DAY0 + 31 * HOUR_MS)[0] == 83_100.0
    # Within the first day there is nothing 24 hours back to compare with.
    shown, prompt = decide(context, DAY0 + 5 * HOUR_MS)
    assert shown == 80_500.0
    assert line(prompt).endswith(", open interest: 80500.0 (24h change: n/a)")
    # Before the first reading nothing is shown, as when none is stored at all.
    assert decide(context, DAY0 - 1)[0] is None
    assert "open interest" not in decide(context, DAY0 - 1)[1]
    assert "open interest" not in no_interest
    # After the last reading the newest one stays shown.
    assert decide(context, DAY0 + 100 * HOUR_MS)[0] == 80_000.0 + 100 * 47


def test_without_history_a_stored_snapshot_shows_as_before(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    context.market.write_open_interest("binance", [OpenInterest(BTC, DAY0, 81_234.5, None)])

    shown, prompt = decide(context, DAY0 + HOUR_MS)
    assert shown == 81_234.5
    assert line(prompt).endswith(", open interest: 81234.5")  # no change: a snapshot has none
    assert decide(context, DAY0 - 1)[0] is None
