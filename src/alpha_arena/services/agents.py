"""Agent use cases: register, list, show, and ask one agent for one decision."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alpha_arena.agents.config import (
    AnyAgentConfig,
    LlmAgentConfig,
    PortfolioAgentConfig,
    RemoteAgentConfig,
    SelectorAgentConfig,
    StrategyAgentConfig,
    parse_config,
)
from alpha_arena.agents.context import account_context, build_context, rank_standings
from alpha_arena.agents.llm.caller import CacheMode, CallSettings, LlmCaller
from alpha_arena.agents.llm.prompts import MODES, shipped_prompt
from alpha_arena.agents.llm.providers import (
    SdkProvider,
    configured_provider,
    get_spec,
)
from alpha_arena.agents.llm.trader import LlmTrader, TraderOutcome, TraderSettings
from alpha_arena.agents.portfolio import (
    DEFAULT_SCORING,
    PortfolioScoring,
    RegimePortfolio,
    RegimePortfolioParams,
    RunReturns,
    Weights,
    regime_scores,
    regime_weights,
)
from alpha_arena.agents.rule_agent import rule_agent
from alpha_arena.agents.selector import StrategySelector
from alpha_arena.agents.strategy_agent import Sizing, entry_fee
from alpha_arena.backtest.run import funding_per_bar, warmup_bars
from alpha_arena.core.errors import ConflictError, InvalidInputError, NotFoundError
from alpha_arena.core.time import timeframe_ms, to_iso
from alpha_arena.domain.decisions import Decision
from alpha_arena.domain.llm import LlmCall
from alpha_arena.engine.participant import StepView
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import AppContext
from alpha_arena.services.profiles import profile
from alpha_arena.storage.agent_store import AgentRecord, AgentStore, PromptStore
from alpha_arena.storage.backtest_store import BacktestStore
from alpha_arena.storage.llm_store import LlmCache, LlmCallStore
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import Strategy, StrategyInput
from alpha_arena.strategies.regime import DEFAULT_THRESHOLDS, RegimeThresholds

_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def add_agent(context: AppContext, name: str, values: dict[str, Any]) -> AgentRecord:
    """Validate and register an agent."""
    if not name or not set(name.lower()) <= _NAME_CHARACTERS or len(name) > 64:
        raise InvalidInputError(
            f"agent name {name!r}: use up to 64 letters, digits, '-', '_' or '.'"
        )
    config = parse_config(values)
    config = _without_disabled(context, config, explicit="strategies" in values)
    require_stored_prompt(context, config)
    return AgentStore(context.engine).add(
        name, config.kind, config.model_dump(mode="json"), context.clock.now_ms()
    )


def _without_disabled(
    context: AppContext, config: AnyAgentConfig, explicit: bool
) -> AnyAgentConfig:
    """Refuse a new agent that would run a disabled strategy; a selector given no list of
    its own gets the default list without the disabled ones instead."""
    off = registry.disabled(context.settings.disabled_strategies)
    if isinstance(config, StrategyAgentConfig):
        registry.check_enabled([config.strategy], off)
    elif isinstance(config, SelectorAgentConfig) and explicit:
        registry.check_enabled(config.strategies, off)
    elif isinstance(config, SelectorAgentConfig) and off:
        kept = [name for name in config.strategies if name not in off]
        return config.model_copy(update={"strategies": kept})
    return config


def delete_agent(context: AppContext, name: str) -> AgentRecord:
    """Delete an agent that never competed (a remote agent's secret with it) and return what
    it was. ConflictError for one that entered a season: its entries keep the standings and
    the audit trail readable, so it is disabled instead, never deleted."""
    store = AgentStore(context.engine)
    record = store.get(name)
    seasons = store.delete_unless_entered(name)
    if seasons:
        plural = "season" if seasons == 1 else "seasons"
        raise ConflictError(
            f"agent {name!r} competed in {seasons} {plural} and is kept for their records; "
            f"disable it instead (`arena agent disable {name}`, POST /agents/{name}/disable)"
        )
    return record


def add_agent_from_backtest(
    context: AppContext, name: str, backtest_id: int, settings: dict[str, Any] | None = None
) -> AgentRecord:
    """Register a strategy agent that trades as stored backtest ``backtest_id`` did: its
    strategy, parameters, symbols, timeframe, leverage and exits (``settings`` override
    them). NotFoundError for an unknown id; InvalidInputError for a backtest whose strategy
    no agent can run (it is no longer in the library, or its parameters no longer parse)."""
    run = BacktestStore(context.engine).get(backtest_id)
    if run.strategy not in registry.names():
        raise InvalidInputError(
            f"backtest {backtest_id} ran {run.strategy!r}, which is not a library strategy an "
            f"agent can run; accepted: {', '.join(registry.names())}"
        )
    registry.check_enabled([run.strategy], registry.disabled(context.settings.disabled_strategies))
    config = run.config
    params = {str(key): str(value) for key, value in (config.get("params") or {}).items()}
    try:
        registry.parse_params(run.strategy, params)
    except InvalidInputError as error:
        raise InvalidInputError(
            f"backtest {backtest_id}'s parameters cannot make an agent: {error}"
        ) from None
    values: dict[str, Any] = {
        "kind": "strategy", "strategy": run.strategy, "params": params,
        "symbols": list(run.symbols), "timeframe": run.timeframe,
        "leverage": config.get("leverage", 1.0), "stop_loss": config.get("stop_loss"),
        "take_profit": config.get("take_profit"), **(settings or {}),
    }  # fmt: skip
    if values["kind"] != "strategy":
        raise InvalidInputError(
            f"an agent from backtest {backtest_id} is a strategy agent, not {values['kind']!r}"
        )
    return add_agent(context, name, values)


def store_shipped_prompt(prompts: PromptStore, name: str, ts: int) -> None:
    """Store the shipped prompt ``name`` (the default or a competition mode's) on first use,
    and as its next version when the package ships a new text; nothing for a user's prompt.
    A pinned season keeps the version it was created with either way."""
    shipped = shipped_prompt(name)
    if shipped is not None:
        template, description = shipped
        prompts.add(name, template, ts, description)


def store_shipped_prompts(prompts: PromptStore, ts: int) -> PromptStore:
    """Store every shipped prompt (see ``store_shipped_prompt``): what a listing shows."""
    for mode in MODES.values():
        store_shipped_prompt(prompts, mode.prompt, ts)
    return prompts


def require_stored_prompt(context: AppContext, config: AnyAgentConfig) -> None:
    """Refuse an LLM agent whose prompt (or prompt version) is not stored: found out at
    season creation instead, it would cost the season, not the registration."""
    if not isinstance(config, LlmAgentConfig):
        return
    prompts = PromptStore(context.engine)
    store_shipped_prompt(prompts, config.prompt, context.clock.now_ms())
    try:
        newest = prompts.latest(config.prompt)
    except NotFoundError:
        shipped = {mode.prompt for mode in MODES.values()}
        stored = sorted({prompt.name for prompt in prompts.all()} | shipped)
        raise InvalidInputError(
            f"agent prompt {config.prompt!r} is not stored (stored: {', '.join(stored)}); "
            f"add it first with `arena prompt add {config.prompt} --file TEMPLATE`"
        ) from None
    if config.prompt_version is not None and config.prompt_version > newest.version:
        raise InvalidInputError(
            f"agent prompt_version {config.prompt_version}: prompt {config.prompt!r} has "
            f"versions 1 to {newest.version}"
        )


@dataclass(frozen=True, slots=True)
class AgentDecision:
    decision: Decision
    prompt: str | None = None  # the rendered prompt, for LLM agents
    valid: bool = True  # False: the model's output did not parse, the decision is a hold
    llm_calls: int = 0
    cost_usd: float | None = 0.0  # of its LLM calls; None when a model's price is unknown


def calls_cost(calls: Sequence[LlmCall]) -> float | None:
    """What ``calls`` cost in all; None when any call's price is unknown."""
    costs = [call.cost_usd for call in calls]
    return None if any(cost is None for cost in costs) else sum(c for c in costs if c is not None)


def decide_once(
    context: AppContext,
    name: str,
    ts: int,
    symbols: list[str],
    capital: float = 10_000.0,
    exchange: str = "binance",
    cache_mode: CacheMode = CacheMode.READWRITE,
) -> AgentDecision:
    """Ask agent ``name`` what it would do at ``ts`` with a flat account of ``capital``."""
    record = AgentStore(context.engine).get(name)
    config = parse_config(record.config)
    data = DataService(context.market, exchange)
    _require_known_moment(context, data, config.timeframe, ts, symbols)
    if isinstance(config, StrategyAgentConfig):
        strategy = registry.create(config.strategy, config.params)
        fee = _entry_fee(context, exchange, symbols)
        sizing = Sizing(config.leverage, config.stop_loss, config.take_profit, fee_rate=fee)
        return AgentDecision(
            _rule_decision(data, strategy, sizing, config.timeframe, name, ts, symbols, capital)
        )
    if isinstance(config, PortfolioAgentConfig):
        tuned = profile(context.settings, [])  # ARENA_CONFIG_FILE's thresholds and scoring
        thresholds = tuned.regime.thresholds()
        weights = portfolio_weights(context, config.top_n, exchange, ts, thresholds,
                                    tuned.portfolio.scoring())  # fmt: skip
        portfolio = RegimePortfolio(RegimePortfolioParams(weights, thresholds))
        sizing = Sizing(config.leverage, fee_rate=_entry_fee(context, exchange, symbols))
        return AgentDecision(
            _rule_decision(data, portfolio, sizing, config.timeframe, name, ts, symbols, capital)
        )
    if isinstance(config, SelectorAgentConfig):
        return _selector_decision(context, data, record, config, ts, symbols, capital, cache_mode)
    if isinstance(config, RemoteAgentConfig):
        from alpha_arena.services.remote_agents import decide_remote_once  # it imports us

        remote = decide_remote_once(
            context, record, config, ts, symbols, capital, exchange, cache_mode
        )
        return AgentDecision(remote.decision, remote.body, remote.valid, remote.calls)
    return _llm_decision(context, data, record, config, ts, symbols, capital, cache_mode)


def _require_known_moment(
    context: AppContext, data: DataService, timeframe: str, ts: int, symbols: list[str]
) -> None:
    """Refuse a moment in the future, or past the end of a symbol's stored bars: the decision
    would otherwise be made, silently, from the last bars stored."""
    now = context.clock.now_ms()
    if ts > now:
        raise InvalidInputError(
            f"--at {to_iso(ts)} is in the future (now is {to_iso(now)}); an agent decides "
            "from bars that have closed"
        )
    step = timeframe_ms(timeframe)
    for symbol in symbols:
        last = data.candles(symbol, timeframe, last=1)
        if not len(last):
            continue  # nothing stored at all: the read of its bars says so
        closed = int(last.ts[-1]) + step  # when the newest stored bar closed
        if ts > closed + step:
            raise InvalidInputError(
                f"--at {to_iso(ts)} is after the stored {timeframe} data of {symbol}, whose "
                f"last bar opened {to_iso(int(last.ts[-1]))}; choose a moment by "
                f"{to_iso(closed + step)} or ingest newer data (`arena data ingest`)"
            )


def _selector_decision(
    context: AppContext,
    data: DataService,
    record: AgentRecord,
    config: SelectorAgentConfig,
    ts: int,
    symbols: list[str],
    capital: float,
    cache_mode: CacheMode,
) -> AgentDecision:
    strategies = {name: registry.create(name) for name in config.strategies}
    warmup = max(warmup_bars(strategy) for strategy in strategies.values())
    inputs, bars = _inputs(data, config.timeframe, ts, symbols, warmup)
    spec = get_spec(config.provider)
    settings = CallSettings(
        config.provider, config.model, config.temperature, 500, spec.supports_json_mode,
        endpoint=config.base_url,
    )  # fmt: skip

    async def ask() -> tuple[Decision | None, bool, list[LlmCall]]:
        provider = _provider(context, config, cache_mode)
        caller = LlmCaller(
            settings, provider, LlmCache(context.engine), cache_mode, context.clock, record.id
        )
        sizing = Sizing(config.leverage, fee_rate=_entry_fee(context, data.exchange, symbols))
        thresholds = profile(context.settings, []).regime.thresholds()  # ARENA_CONFIG_FILE's
        selector = StrategySelector(
            record.name, caller, strategies, inputs, sizing, None, config.reselect_every,
            thresholds=thresholds,
        )  # fmt: skip
        try:
            decision = await selector.decide_async(StepView(0, ts, bars, capital, capital, {}))
        finally:
            if provider is not None:
                await provider.aclose()
        for call in selector.calls:
            LlmCallStore(context.engine).record(call)
        return decision, selector.invalid_outputs == 0, list(selector.calls)

    decision, valid, calls = asyncio.run(ask())
    if decision is None:
        decision = Decision(ts, (), reasoning="every target is flat: hold")
    return AgentDecision(decision, None, valid, len(calls), calls_cost(calls))


def _entry_fee(context: AppContext, exchange: str, symbols: list[str]) -> float:
    """The taker fee an entry on ``symbols`` pays (the highest of their instruments')."""
    traded = [item for item in context.market.instruments(exchange) if item.symbol in symbols]
    return entry_fee(None, traded)


def _provider(
    context: AppContext, config: LlmAgentConfig | SelectorAgentConfig, cache_mode: CacheMode
) -> SdkProvider | None:
    """The agent's model client (its endpoint, key variable and price where it names them);
    none when answers may come only from the cache."""
    if cache_mode is CacheMode.READ:
        return None
    return configured_provider(
        config.provider, context.settings, base_url=config.base_url,
        api_key_env=config.api_key_env, price=config.price(),
    )  # fmt: skip


def _inputs(
    data: DataService, timeframe: str, ts: int, symbols: list[str], warmup: int
) -> tuple[dict[str, StrategyInput], dict[str, int]]:
    """Each symbol's closed bars up to ``ts`` (with ``warmup`` before), as strategy input."""
    step = timeframe_ms(timeframe)
    inputs = {}
    bars = {}
    for symbol in symbols:
        candles = data.closed_candles(symbol, timeframe, ts, warmup + 1)
        if len(candles) == 0:
            raise NotFoundError(f"no {timeframe} bar of {symbol} had closed by then")
        funding = data.funding(symbol, int(candles.ts[0]), ts)
        inputs[symbol] = StrategyInput(symbol, timeframe, candles, funding_per_bar(
            candles, funding, step))  # fmt: skip
        bars[symbol] = len(candles) - 1
    return inputs, bars


def portfolio_weights(
    context: AppContext,
    top_n: int,
    exchange: str,
    as_of: int | None = None,
    thresholds: RegimeThresholds = DEFAULT_THRESHOLDS,
    scoring: PortfolioScoring = DEFAULT_SCORING,
) -> Weights:
    """Regime weights learned from the stored single-symbol backtests that made trades and had
    ended by ``as_of``: a backtest of a later window would hand the agent hindsight, and one
    that never traded (every entry denied, say) scores a strategy on a flat line. The regimes
    are told apart by ``thresholds``; ``scoring`` turns scores into weights."""
    store = BacktestStore(context.engine)
    data = DataService(context.market, exchange)
    off = registry.disabled(context.settings.disabled_strategies)
    runs = []
    for summary in store.recent(limit=1_000):
        if len(summary.symbols) != 1 or summary.config.get("exchange", exchange) != exchange:
            continue
        if as_of is not None and summary.ts_end > as_of:
            continue
        if not summary.metrics.get("trade_count"):
            continue
        if summary.strategy in off or (
            summary.strategy in registry.STRATEGIES
            and not registry.STRATEGIES[summary.strategy].trades_targets
        ):
            continue  # disabled for new seasons; or a grid, which has no target to blend
        rows = store.equity(summary.id)
        if len(rows) < 3:
            continue
        step = timeframe_ms(summary.timeframe)
        opens = np.array([row["ts"] for row in rows], dtype=np.int64) - step
        candles = data.candles(summary.symbols[0], summary.timeframe, int(opens[0]),
                               int(opens[-1]))  # fmt: skip
        keep = np.isin(opens, candles.ts)
        aligned = np.isin(candles.ts, opens)
        equity = np.array([row["equity"] for row in rows], dtype=np.float64)[keep]
        bars = candles.where(aligned)
        runs.append(RunReturns(summary.strategy, equity, bars))
    if not runs:
        raise NotFoundError(
            "the portfolio agent learns from stored backtests and there are none with trades"
            + ("" if as_of is None else f" that ended by {to_iso(as_of)}")
            + "; run some first, e.g. `arena backtest run --strategy ema_trend ...`"
        )
    return regime_weights(regime_scores(runs, thresholds), top_n, scoring)


def _llm_decision(
    context: AppContext,
    data: DataService,
    record: AgentRecord,
    config: LlmAgentConfig,
    ts: int,
    symbols: list[str],
    capital: float,
    cache_mode: CacheMode,
) -> AgentDecision:
    prompts = PromptStore(context.engine)
    store_shipped_prompt(prompts, config.prompt, context.clock.now_ms())
    version = (
        prompts.latest(config.prompt)
        if config.prompt_version is None
        else prompts.version(config.prompt, config.prompt_version)
    )
    spec = get_spec(config.provider)
    account = account_context(capital, capital, capital, {}, {}, 0.0005)
    alone = rank_standings(((record.name, capital),), record.name, capital)  # no season: no rivals
    decision_context = build_context(data, symbols, ts, account, config.timeframe,
                                     standings=alone)  # fmt: skip
    if not decision_context.coins:
        raise NotFoundError(f"no {config.timeframe} bar of {', '.join(symbols)} had closed by then")
    settings = TraderSettings(
        provider=config.provider, model=config.model, template=version.template,
        prompt_version_id=version.id, temperature=config.temperature,
        max_tokens=config.max_tokens, json_mode=spec.supports_json_mode,
        max_leverage=config.max_leverage, exchange=data.exchange,
    )  # fmt: skip

    async def ask() -> TraderOutcome:
        provider = _provider(context, config, cache_mode)
        # No deadline here: a call cut off in a season is asked again, not replayed as a hold.
        trader = LlmTrader(
            settings, provider, LlmCache(context.engine), cache_mode, context.clock, record.id,
            endpoint=config.base_url,
        )  # fmt: skip
        try:
            return await trader.decide(decision_context)
        finally:
            if provider is not None:
                await provider.aclose()

    outcome = asyncio.run(ask())
    calls = LlmCallStore(context.engine)
    for call in outcome.calls:
        calls.record(call)
    return AgentDecision(
        outcome.decision, outcome.prompt, outcome.valid, len(outcome.calls),
        calls_cost(outcome.calls),
    )  # fmt: skip


def _rule_decision(
    data: DataService,
    strategy: Strategy,
    sizing: Sizing,
    timeframe: str,
    name: str,
    ts: int,
    symbols: list[str],
    capital: float,
) -> Decision:
    inputs, bars = _inputs(data, timeframe, ts, symbols, warmup_bars(strategy))
    agent = rule_agent(name, strategy, inputs, sizing)
    view = StepView(0, ts, bars, capital, capital, {})
    decision = agent.decide(view)
    if decision is None:  # every target flat: say so explicitly
        return Decision(ts, (), reasoning="every target is flat: hold")
    return decision
