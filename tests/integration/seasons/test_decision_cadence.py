"""Per-agent decision cadence on both databases: in one 1h season, a 4h LLM trader (a loopback
server speaking the OpenAI protocol) and a 4h rule decide at the closes of their own 4h bars,
while a 1h rule decides on every bar, and exits act on every bar.

A 4h rule in the 1h season trades exactly as it does in a 4h season of the same window: same
decisions at the same moments, fills at the same prices (a market order fills at the next bar's
open, which is the next 4h bar's open). An agent shorter than the season's bars, or of a
timeframe that is not a whole multiple of them, is refused."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database
from tests.support.fake_llm import FakeAnswer, FakeLlmServer, ReceivedRequest
from tests.support.sample import sample_subset

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [f"binance_usdm_{coin}USDT_{kind}.csv.gz"
         for coin in ("BTC", "ETH") for kind in ("1h", "funding_8h")]  # fmt: skip
START, END = parse_ts("2024-03-01"), parse_ts("2024-03-11")  # ten days: 240 1h bars, 60 of 4h
HOUR, FOUR_HOURS = 3_600_000, 4 * 3_600_000
TREND = {"kind": "strategy", "strategy": "ema_trend", "params": {"fast": "5", "slow": "20"}}
COIN_BLOCK = re.compile(r"=== (\S+?) ===\ncurrent price: ([^,\n]+)")


def scripted(request: ReceivedRequest, prompts: list[str]) -> FakeAnswer:
    """Flat, the trader buys the first coin shown with a stop 0.3% under the price (so exits
    fire between its decisions); holding, it holds. Keeps the prompt in ``prompts``."""
    user = request.body["messages"][1]["content"]
    prompts.append(user)
    found = COIN_BLOCK.search(user)
    assert found is not None, user
    coin, price = found.group(1), float(found.group(2))
    if "open positions: none" in user:
        decision = {"coin": coin, "signal": "buy_to_enter", "notional": 1_000, "leverage": 5,
                    "profit_target": round(price * 1.05, 2), "stop_loss": round(price * 0.997, 2),
                    "invalidation_condition": "a close below the stop", "confidence": 0.7,
                    "justification": "scripted entry"}  # fmt: skip
    else:
        decision = {"coin": coin, "signal": "hold", "justification": "scripted wait"}
    return FakeAnswer(json.dumps({"reasoning": "scripted", "decisions": [decision]}))


@dataclass(frozen=True)
class Played:
    mixed: int  # a 1h season: the 4h trader, the 4h rule and the 1h rule
    four_hourly: int  # a 4h season of the 4h rule alone
    prompts: list[str]  # the user prompts the trader was sent


@pytest.fixture(scope="module", params=BACKENDS)
def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Played, AppContext]]:
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key")
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url, \
            FakeLlmServer(api_key="test-key") as model:  # fmt: skip
        prompts: list[str] = []
        model.respond_with(lambda request: scripted(request, prompts))
        settings = Settings(_env_file=None, database_url=url,
                            llm_base_url=model.openai_base_url, llm_max_retries=0)  # fmt: skip
        context = open_context(settings, clock=SimClock(parse_ts("2026-01-01")))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "trend-4h", TREND | {"timeframe": "4h"})
            add_agent(context, "trend-1h", TREND)
            add_agent(
                context,
                "trader-4h",
                {"kind": "llm", "provider": "deepseek", "model": "m", "timeframe": "4h"},
            )
            mixed = create(context, "mixed", "1h", ["trend-4h", "trend-1h", "trader-4h"])
            seasons.run_season(context, mixed)
            four_hourly = create(context, "four-hourly", "4h", ["trend-4h"])
            seasons.run_season(context, four_hourly)
            yield Played(mixed, four_hourly, prompts), context
        finally:
            context.close()
    monkeypatch.undo()


def create(context: AppContext, name: str, timeframe: str, participants: list[str]) -> int:
    return seasons.create_season(context, {
        "name": name, "symbols": [BTC, ETH], "start": START, "end": END, "timeframe": timeframe,
        "participants": participants, "baselines": False,
    }).id  # fmt: skip


def entry(store: SeasonStore, season_id: int, name: str) -> int:
    (found,) = [e.id for e in store.entries(season_id) if e.name == name]
    return found


def decision_times(store: SeasonStore, entry_id: int) -> list[int]:
    return [row["ts"] for row in store.decisions(entry_id)]


def test_the_4h_agents_decide_at_4h_closes_and_the_1h_rule_on_every_bar(
    played: tuple[Played, AppContext],
) -> None:
    run, context = played
    store = SeasonStore(context.engine)
    for name in ("trend-4h", "trader-4h"):
        times = decision_times(store, entry(store, run.mixed, name))
        assert times and all(ts % FOUR_HOURS == 0 for ts in times), name
    trader = decision_times(store, entry(store, run.mixed, "trader-4h"))
    # The trader is asked at every 4h close of the season, and only then: 60 of 240 bars.
    assert trader == list(range(START + FOUR_HOURS, END + 1, FOUR_HOURS))
    hourly = decision_times(store, entry(store, run.mixed, "trend-1h"))
    assert any(ts % FOUR_HOURS != 0 for ts in hourly)


def test_the_4h_traders_prompt_shows_4h_bars(played: tuple[Played, AppContext]) -> None:
    run, _ = played
    assert len(run.prompts) == (END - START) // FOUR_HOURS
    assert all("Decision timeframe: 4h." in prompt for prompt in run.prompts)


def test_the_4h_traders_exits_act_on_the_1h_bars_between_its_decisions(
    played: tuple[Played, AppContext],
) -> None:
    run, context = played
    store = SeasonStore(context.engine)
    fills = store.fills(entry(store, run.mixed, "trader-4h"))
    entries = [fill for fill in fills if fill.tag == "entry"]
    stops = [fill for fill in fills if fill.tag == "stop_loss"]
    assert entries and stops
    # Entries fill at the open after a 4h close; stops wherever the 1h bar crossed them.
    assert all(fill.ts % FOUR_HOURS == 0 for fill in entries)
    assert any(fill.ts % FOUR_HOURS != 0 for fill in stops)


def test_a_4h_rule_trades_in_a_1h_season_as_in_a_4h_season(
    played: tuple[Played, AppContext],
) -> None:
    run, context = played
    store = SeasonStore(context.engine)
    mixed = store.fills(entry(store, run.mixed, "trend-4h"))
    alone = store.fills(entry(store, run.four_hourly, "trend-4h"))
    assert len(mixed) >= 4

    def trades(fills: list[Any]) -> list[tuple[int, str, str, float]]:
        return [(f.ts, f.symbol, f.side.value, f.price) for f in fills]

    assert trades(mixed) == trades(alone)
    for one, other in zip(mixed, alone, strict=True):
        # Sized on the equity at the decision: the same marks, the same funding settled.
        assert one.quantity == pytest.approx(other.quantity, rel=1e-9)
    assert decision_times(store, entry(store, run.mixed, "trend-4h")) == decision_times(
        store, entry(store, run.four_hourly, "trend-4h")
    )


@pytest.mark.parametrize(
    ("season_timeframe", "agent_timeframe"),
    [("4h", "1h"), ("8h", "12h")],
    ids=["shorter", "not-a-multiple"],
)
def test_an_agent_shorter_than_the_season_or_off_its_grid_is_refused(
    played: tuple[Played, AppContext], season_timeframe: str, agent_timeframe: str
) -> None:
    _, context = played
    name = f"trend-{agent_timeframe}-refused-{season_timeframe}"
    add_agent(context, name, TREND | {"timeframe": agent_timeframe})
    with pytest.raises(InvalidInputError) as raised:
        create(context, name, season_timeframe, [name])
    assert str(raised.value) == (
        f"agent {name!r} decides on {agent_timeframe} bars; a season ticking every "
        f"{season_timeframe} holds agents of {season_timeframe} or a whole multiple of it"
    )
