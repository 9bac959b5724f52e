"""A repeated window of a season series is another draw for a model-driven agent: every
window asks the model afresh (its answers are cached apart, not replayed from the first
window), with one pinned lineup and fingerprint; the rule agent and the baselines repeat
exactly. Both databases; the model is a loopback server that samples (its answer to a prompt
changes from one call to the next)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.seasons.series import SeriesKind
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.series import SeriesRequest, create_series, series_view
from alpha_arena.services.series_runs import run_series
from alpha_arena.storage.season_store import SeasonStore
from tests.support.fake_llm import FakeAnswer, FakeLlmServer, ReceivedRequest
from tests.support.sample import sample_subset

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [f"binance_usdm_{coin}USDT_{kind}.csv.gz" for coin in ("BTC", "ETH")
         for kind in ("1h", "funding_8h")]  # fmt: skip
TICKS = 24


def sampling_trader() -> tuple[itertools.count[int], object]:
    calls = itertools.count()

    def answer(request: ReceivedRequest) -> FakeAnswer:
        signal = ["buy_to_enter", "close", "hold"][next(calls) % 3]  # not a function of the prompt
        decision = {"coin": "BTC", "signal": signal, "quantity": 0.01, "leverage": 2,
                    "profit_target": 1_000_000, "stop_loss": 1_000,
                    "invalidation_condition": "BTC < 1k", "confidence": 0.5,
                    "justification": "sampled"}  # fmt: skip
        return FakeAnswer(json.dumps({"reasoning": signal, "decisions": [decision]}))

    return calls, answer


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLlmServer]:
    with FakeLlmServer(api_key="test-key") as server:
        monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key")
        yield server


@pytest.fixture
def loaded(settings: Settings, model: FakeLlmServer, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[AppContext]:  # fmt: skip
    wired = settings.model_copy(update={"llm_base_url": model.openai_base_url,
                                        "llm_max_retries": 0})  # fmt: skip
    context = open_context(wired, clock=SimClock(parse_ts("2026-01-01")))
    try:
        load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
        add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend",
                                     "params": {"fast": "5", "slow": "20"}})  # fmt: skip
        add_agent(context, "llm", {"kind": "llm", "provider": "deepseek", "model": "m"})
        yield context
    finally:
        context.close()


def test_each_repeat_asks_the_model_again_and_rule_agents_repeat_exactly(
    loaded: AppContext, model: FakeLlmServer
) -> None:
    model.respond_with(sampling_trader()[1])  # type: ignore[arg-type]
    request = SeriesRequest("draws", SeriesKind.REPEAT, 3, agents=("trend", "llm"),
                            symbols=(BTC, ETH), start=parse_ts("2024-06-01"),
                            end=parse_ts("2024-06-02"))  # fmt: skip
    created = create_series(loaded, request)
    runs = run_series(loaded, created.series.id, parallel=1)
    assert [run.status for run in runs] == ["finished"] * 3
    assert len(model.received) == 3 * TICKS  # every window asked the model at every tick

    store = SeasonStore(loaded.engine)
    view = series_view(loaded, created.series.id)
    lineups = [store.entries(window.season_id) for window in view.windows]
    assert len({tuple((e.name, e.fingerprint) for e in entries) for entries in lineups}) == 1
    samples = [{e.name: e.config["pinned"].get("sample") for e in es} for es in lineups]
    assert [s["llm"] for s in samples] == [None, 2, 3]
    assert {s["trend"] for s in samples} == {None}

    for entries in lineups:
        llm = next(e for e in entries if e.name == "llm")
        calls = store.llm_calls(llm.id)
        assert len(calls) == TICKS and not any(call.cached for _, call in calls)
    boards = [seasons.leaderboard(loaded, w.season_id) for w in view.windows]
    for name in ("trend", "btc-buy-and-hold", "equal-weight-hold"):
        values = {next(r.account_value for r in b.rows if r.name == name) for b in boards}
        assert len(values) == 1, name
    entries = {entry.name: entry for entry in view.aggregate.entries}
    assert not entries["llm"].deterministic and entries["trend"].deterministic
    note = view.note()
    assert note is not None and "trend" in note and "llm" not in note.split("(")[1]


def test_a_repeated_window_resumes_from_its_own_draw(
    loaded: AppContext, model: FakeLlmServer
) -> None:
    model.respond_with(sampling_trader()[1])  # type: ignore[arg-type]
    request = SeriesRequest("resume", SeriesKind.REPEAT, 2, agents=("llm",), symbols=(BTC,),
                            start=parse_ts("2024-06-03"), end=parse_ts("2024-06-04"),
                            baselines=False)  # fmt: skip
    first, second = create_series(loaded, request).series.season_ids
    seasons.run_season(loaded, first)
    seasons.run_season(loaded, second, stop_after=TICKS // 2)
    asked = len(model.received)
    assert asked == TICKS + TICKS // 2
    # A new runner re-executes the stored half from the second window's own cached answers
    # and asks the model only for the ticks not yet run.
    report = seasons.run_season(loaded, second)
    assert report.status.value == "finished" and report.ticks_done == TICKS
    assert len(model.received) == asked + TICKS // 2


def test_each_repeat_asks_a_remote_agent_again(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A bot built elsewhere may sample too: each repeated window sends it its own requests
    (its answers cached apart), like a language model."""
    from cryptography.fernet import Fernet
    from pydantic import SecretStr

    from alpha_arena.services.remote_agents import add_remote_agent
    from tests.support.remote_bot import example_bot

    keyed = settings.model_copy(update={"secret_key": SecretStr(Fernet.generate_key().decode())})
    context = open_context(keyed, clock=SimClock(parse_ts("2026-01-01")))
    try:
        load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES[:2]))
        with example_bot("placeholder") as (bot, url):
            registered = add_remote_agent(context, "bot", {"kind": "remote", "url": url})
            bot.secret = registered.secret  # type: ignore[attr-defined]
            request = SeriesRequest("bot draws", SeriesKind.REPEAT, 2, agents=("bot",),
                                    symbols=(BTC,), start=parse_ts("2024-06-05"),
                                    end=parse_ts("2024-06-06"), baselines=False)  # fmt: skip
            created = create_series(context, request)
            runs = run_series(context, created.series.id, parallel=1)
            assert [run.status for run in runs] == ["finished"] * 2
            assert bot.requests == 2 * TICKS  # type: ignore[attr-defined]
        store = SeasonStore(context.engine)
        view = series_view(context, created.series.id)
        samples = [store.entries(w.season_id)[0].config["pinned"].get("sample")
                   for w in view.windows]  # fmt: skip
        assert samples == [None, 2]
        assert not view.aggregate.entries[0].deterministic
    finally:
        context.close()
