"""``arena season`` reading what entries did, on both databases: the decisions with the model
chat behind them, the open positions marked at the last tick, the completed round trips, the
leaderboard and the pairwise comparison at 100 columns, and the lifecycle moves saying where
the ledger stopped. The season is a two-day replay of an EMA agent, a scripted LLM trader (a
loopback server speaking the OpenAI protocol) and the two baselines."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.cli.compare import comparison_table
from alpha_arena.cli.leaderboard import leaderboard_table
from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.seasons.compare import Comparison
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.fake_llm import FakeLlmServer, scripted_trader
from tests.support.sample import sample_subset

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [f"binance_usdm_{coin}USDT_{kind}.csv.gz" for coin in ("BTC", "ETH")
         for kind in ("1h", "funding_8h")]  # fmt: skip
START, END = "2024-06-01", "2024-06-03"
TICKS = 48
HOUR = 3_600_000
ARENA = str(Path(sys.executable).with_name("arena"))


@dataclass(frozen=True)
class Played:
    url: str
    season_id: int


@pytest.fixture(scope="module", params=BACKENDS)
def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Played]:
    """A finished replay season of ``trend`` (EMA 5/20), ``llm`` and the baselines."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url, \
            FakeLlmServer(api_key="test-key") as model:  # fmt: skip
        model.respond_with(scripted_trader)
        os.environ["DEEPSEEK_API_KEY"] = "test-key"
        settings = Settings(_env_file=None, database_url=url,
                            llm_base_url=model.openai_base_url, llm_max_retries=0)  # fmt: skip
        context = open_context(settings, clock=SimClock(parse_ts("2026-01-01")))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend",
                                         "params": {"fast": "5", "slow": "20"}})  # fmt: skip
            add_agent(context, "llm", {"kind": "llm", "provider": "deepseek", "model": "m"})
            season = seasons.create_season(context, {
                "name": "cli views", "symbols": [BTC, ETH], "start": parse_ts(START),
                "end": parse_ts(END), "participants": ["trend", "llm"],
            })  # fmt: skip
            seasons.run_season(context, season.id)
        finally:
            context.close()
            os.environ.pop("DEEPSEEK_API_KEY", None)
        yield Played(url, season.id)


def cli(played: Played, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"ARENA_DATABASE_URL": played.url})


def ok_json(played: Played, *args: str) -> object:
    result = cli(played, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def store_of(played: Played) -> Iterator[SeasonStore]:
    context = open_context(settings_for(played.url))
    try:
        yield SeasonStore(context.engine)
    finally:
        context.close()


@pytest.fixture
def store(played: Played) -> Iterator[SeasonStore]:
    yield from store_of(played)


# -- decisions ---------------------------------------------------------------------------------


def test_decisions_show_the_model_chat_oldest_first_without_the_prompt_unless_asked(
    played: Played,
) -> None:
    found = ok_json(played, "season", "decisions", str(played.season_id), "--entry", "llm",
                    "--last", "3")  # fmt: skip
    assert isinstance(found, list) and [d["tick"] for d in found] == [TICKS - 3, TICKS - 2,
                                                                       TICKS - 1]  # fmt: skip
    for decision in found:
        assert decision["entry"] == "llm" and decision["outcome"] == "valid"
        assert decision["reasoning"].startswith("choice ")
        [call] = decision["llm_calls"]
        assert call["model"] == "m" and "messages" not in call
        assert json.loads(call["raw_response"])["reasoning"] == decision["reasoning"]
        assert call["parsed_decision"]["actions"][0]["symbol"] == BTC
        assert call["reasoning"] == f"thinking about {decision['reasoning']}"

    with_prompt = ok_json(played, "season", "decisions", str(played.season_id), "--entry",
                          "llm", "--last", "1", "--prompt")  # fmt: skip
    assert isinstance(with_prompt, list)
    messages = with_prompt[0]["llm_calls"][0]["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "=== BTC/USDT:USDT ===" in messages[1]["content"]


def test_decisions_print_as_text_with_the_answer_and_the_parsed_decision(played: Played) -> None:
    result = cli(played, "season", "decisions", str(played.season_id), "--entry", "llm",
                 "--last", "2", "--prompt")  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count("model call 1: deepseek/m") == 2
    assert "response: " in out and "parsed: " in out and "model reasoning: thinking" in out
    assert "user: " in out and "=== BTC/USDT:USDT ===" in out


def test_a_rule_agents_decisions_show_its_justification_and_filter_by_symbol(
    played: Played,
) -> None:
    # A rule agent decides when its signal turns: a few times in two days, per symbol.
    found = ok_json(played, "season", "decisions", str(played.season_id), "--entry", "trend",
                    "--symbol", ETH, "--last", str(TICKS))  # fmt: skip
    assert isinstance(found, list) and len(found) >= 2
    newest = ok_json(played, "season", "decisions", str(played.season_id), "--entry", "trend",
                     "--symbol", ETH, "--last", "1")  # fmt: skip
    assert newest == found[-1:]
    assert [d["tick"] for d in found] == sorted(d["tick"] for d in found)
    for decision in found:
        assert decision["llm_calls"] == []
        assert [a["symbol"] for a in decision["actions"] if a["symbol"] == ETH]
        assert all(a["justification"].startswith("ema_trend: EMA5") for a in decision["actions"])


def test_decisions_of_an_unknown_entry_or_season_are_one_line(played: Played) -> None:
    for args, fragment in (((str(played.season_id), "--entry", "nobody"), "no entry 'nobody'"),
                           (("999999",), "999999")):  # fmt: skip
        result = cli(played, "season", "decisions", *args)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0], result.stderr


# -- positions ---------------------------------------------------------------------------------


def test_positions_are_marked_at_the_last_tick_with_their_exit_plans(
    played: Played, store: SeasonStore
) -> None:
    found = ok_json(played, "season", "positions", str(played.season_id))
    assert isinstance(found, list)
    stored = {(e.name, p.symbol) for e in store.entries(played.season_id)
              for _, p in store.positions(e.id)}  # fmt: skip
    assert {(p["entry"], p["symbol"]) for p in found} == stored
    held = next(p for p in found if p["entry"] == "btc-buy-and-hold")
    assert held["symbol"] == BTC and held["side"] == "long"
    last_tick = store.get(played.season_id).ts_last_tick
    assert last_tick is not None
    context = open_context(settings_for(played.url))
    try:  # the close of the last bar that had closed by the last tick
        bars = context.market.read_candles("binance", BTC, "1h", last=1, ts_to=last_tick - HOUR)
        last_close = bars.close[-1]
    finally:
        context.close()
    assert held["mark_price"] == pytest.approx(last_close)
    assert held["unrealized_pnl"] == pytest.approx(
        held["quantity"] * (last_close - held["entry_price"])
    )
    for position in found:
        if position["entry"] == "llm":  # the scripted model's exit plan rides along
            assert (position["take_profit"], position["stop_loss"]) == (1_000_000, 1_000)
            assert position["invalidation"] == "BTC < 1k"

    text = cli(played, "season", "positions", str(played.season_id))
    assert text.exit_code == 0 and "btc-buy-and-hold" in text.stdout


# -- trades ------------------------------------------------------------------------------------


def test_trades_are_the_completed_round_trips_and_carry_the_realized_pnl(
    played: Played, store: SeasonStore
) -> None:
    found = ok_json(played, "season", "trades", str(played.season_id), "--entry", "trend")
    assert isinstance(found, list) and len(found) >= 2
    assert all(t["entry"] == "trend" and t["exit_reason"] != "open_at_end" for t in found)
    assert [t["closed"] for t in found] == sorted(t["closed"] for t in found)
    assert all(t["opened"] <= t["closed"] for t in found)
    for trade in found:
        assert trade["net_pnl"] == pytest.approx(trade["pnl"] - trade["fees"] + trade["funding"])
    # EMA 5/20 flips whole positions: its fills' realized PnL is exactly that of its trades.
    trend = next(e for e in store.entries(played.season_id) if e.name == "trend")
    realized = sum(fill.realized_pnl for fill in store.fills(trend.id))
    assert sum(t["pnl"] for t in found) == pytest.approx(realized)

    every = ok_json(played, "season", "trades", str(played.season_id))
    assert isinstance(every, list) and {t["entry"] for t in every} >= {"trend"}
    text = cli(played, "season", "trades", str(played.season_id), "--entry", "trend")
    assert text.exit_code == 0 and f"{len(found):,} trades: PnL " in text.stdout


# -- the leaderboard at 100 columns ------------------------------------------------------------


def _no_cut(text: str, width: int) -> None:
    assert "…" not in text, text
    assert max(len(line) for line in text.splitlines()) <= width, text


def test_the_leaderboard_fits_100_columns_without_cutting_a_cell(played: Played) -> None:
    result = subprocess.run(
        [ARENA, "season", "leaderboard", str(played.season_id)], check=False, capture_output=True,
        text=True, timeout=120, env=os.environ | {"ARENA_DATABASE_URL": played.url,
                                                  "COLUMNS": "100"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _no_cut(result.stdout, 100)
    for header in ("P(beats", "drawdown", "invalid", "repaired", "missed", "fingerprint"):
        assert header in result.stdout
    for name in ("trend", "llm", "btc-buy-and-hold", "equal-weight-hold"):
        assert name in result.stdout


def test_the_leaderboard_fits_100_columns_with_extreme_figures(played: Played) -> None:
    context = open_context(settings_for(played.url))
    try:
        board = seasons.leaderboard(context, played.season_id)
    finally:
        context.close()
    rows = [replace(
        row, name=row.name + "-with-a-rather-long-name", account_value=1_234_567.0,
        return_pct=-1234.5, return_low_pct=-99.9, return_high_pct=1234.5, sharpe=-12.34,
        sharpe_low=-12.3, sharpe_high=12.3, max_drawdown_pct=99.9, trades=12_345,
        pnl=-1_234_567.0, fees=123_456.0, funding=-12_345.0, biggest_win=123_456.0,
        biggest_loss=-123_456.0, llm_cost_usd=None if row.name == "llm" else 1234.56,
        avg_decision_ms=12_345.6,
    ) for row in board.rows]  # fmt: skip
    console = Console(width=100, file=io.StringIO())
    console.print(leaderboard_table(replace(board, rows=rows)))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    _no_cut(text, 100)
    assert "unknown" in text  # an unknown price is said so, not shown as 0
    assert "1,234,567" in text and "-99.9%..+1234.5%" in text


def test_the_wide_leaderboard_is_one_table_of_every_column(played: Played) -> None:
    result = cli(played, "season", "leaderboard", str(played.season_id), "--wide")
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "agent" in line)
    assert "P(beats" in result.stdout and "fingerprint" in header and "PnL" in header


# -- lifecycle ---------------------------------------------------------------------------------


def test_pause_and_end_say_at_which_tick_the_ledger_stopped(played: Played) -> None:
    created = ok_json(played, "season", "create", "--name", "moves", "--symbols", BTC,
                      "--start", START, "--end", END, "--agents", "trend")  # fmt: skip
    assert isinstance(created, dict)
    season = str(created["id"])
    assert cli(played, "season", "start", season).stdout.strip() == f"season {season} is running"
    paused = cli(played, "season", "pause", season)
    assert paused.exit_code == 0, paused.output
    assert paused.stdout.strip() == f"season {season} is paused at tick 0 (its ledger stops there)"
    ended = cli(played, "season", "end", season)
    assert ended.stdout.strip() == f"season {season} is finished at tick 0 (its ledger stops there)"


# -- pairwise comparison -----------------------------------------------------------------------


def test_compare_json_is_the_matrix_in_leaderboard_order(played: Played) -> None:
    compared = ok_json(played, "season", "compare", str(played.season_id))
    assert isinstance(compared, dict)
    context = open_context(settings_for(played.url))
    try:
        board = seasons.leaderboard(context, played.season_id)
    finally:
        context.close()
    assert compared["entries"] == [row.name for row in board.rows]
    assert compared["season_id"] == played.season_id and compared["ticks"] == TICKS
    assert compared["samples"] == 2000
    matrix = compared["p_beats"]
    assert len(matrix) == 4 and all(len(row) == 4 for row in matrix)
    for i in range(4):
        assert matrix[i][i] == 0.5
        for j in range(4):
            assert matrix[i][j] + matrix[j][i] == pytest.approx(1.0, abs=1e-12)


def test_compare_prints_percentages_that_fit_100_columns(played: Played) -> None:
    result = subprocess.run(
        [ARENA, "season", "compare", str(played.season_id)], check=False, capture_output=True,
        text=True, timeout=120, env=os.environ | {"ARENA_DATABASE_URL": played.url,
                                                  "COLUMNS": "100"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _no_cut(result.stdout, 100)
    assert "%" in result.stdout and "P(row's return beats column's)" in result.stdout
    for name in ("trend", "llm", "btc-buy-and-hold", "equal-weight-hold"):
        assert name in result.stdout


def test_compare_of_nine_long_named_entries_fits_100_columns() -> None:
    names = [f"entry-{index}-with-a-rather-long-descriptive-name" for index in range(1, 10)]
    cells = [[0.5 if a == b else (1.0 if a < b else 0.0) for b in range(9)] for a in range(9)]
    cells[0][1], cells[1][0] = 0.63, 0.37
    cells[0][2], cells[2][0] = 0.999, 0.001  # not certain: not printed as 100% and 0%
    console = Console(width=100, file=io.StringIO())
    console.print(comparison_table(Comparison(7, 12_345, 2000, names, cells)))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    _no_cut(text, 100)
    assert "63%" in text and "37%" in text and "100%" in text and " 0%" in text
    assert ">99%" in text and "<1%" in text
    assert "entry-9" in text


def test_compare_of_an_unknown_season_is_one_line(played: Played) -> None:
    result = cli(played, "season", "compare", "999999")
    assert result.exit_code != 0
    assert "no season 999999" in result.output and "Traceback" not in result.output
