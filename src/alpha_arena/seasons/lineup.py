"""A season's lineup: registered agents pinned into entries when the season is created, and
entries turned into engine participants when it runs.

Pinning resolves everything that could change later (the newest prompt version, the
portfolio's weights) so that a season always runs what it was created with; the fingerprint
is a hash of that pinned configuration."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from alpha_arena.agents.config import (
    AnyAgentConfig,
    LlmAgentConfig,
    PortfolioAgentConfig,
    RemoteAgentConfig,
    SelectorAgentConfig,
    StrategyAgentConfig,
    parse_config,
)
from alpha_arena.agents.grid_agent import GridAgent
from alpha_arena.agents.llm.caller import CacheMode, CallSettings, LlmCaller
from alpha_arena.agents.llm.participant import LlmParticipant
from alpha_arena.agents.llm.providers import configured_provider, get_spec
from alpha_arena.agents.llm.providers.base import LlmProvider, LlmRequest, LlmResponse
from alpha_arena.agents.llm.trader import LlmTrader, TraderSettings
from alpha_arena.agents.portfolio import (
    RegimePortfolio,
    RegimePortfolioParams,
    Weights,
    portfolio_warning,
)
from alpha_arena.agents.rule_agent import rule_agent
from alpha_arena.agents.selector import StrategySelector
from alpha_arena.agents.strategy_agent import Sizing, StrategyAgent, entry_fee
from alpha_arena.agents.tape import TapeMask
from alpha_arena.backtest.run import warmup_bars
from alpha_arena.core.clock import Clock
from alpha_arena.core.errors import ConfigurationError, InvalidInputError, TemporaryError
from alpha_arena.domain.seasons import SeasonMode
from alpha_arena.engine.participant import Cadence, Participant
from alpha_arena.marketdata.resample import can_resample
from alpha_arena.marketdata.service import DataService
from alpha_arena.seasons.config import SeasonConfig
from alpha_arena.seasons.market import SeasonMarket
from alpha_arena.services.agents import portfolio_weights, store_shipped_prompt
from alpha_arena.services.context import AppContext
from alpha_arena.services.remote_agents import (
    agent_secret,
    remote_deadline,
    remote_endpoint,
    remote_trader,
)
from alpha_arena.storage.agent_store import AgentRecord, PromptStore
from alpha_arena.storage.llm_store import LlmCache
from alpha_arena.storage.season_store import EntryRecord, NewEntry
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import Strategy, StrategyInput
from alpha_arena.strategies.library.grid import Grid
from alpha_arena.strategies.regime import DEFAULT_THRESHOLDS, RegimeThresholds
from alpha_arena.strategies.resampled import ResampledStrategy

BTC_BASELINE = "btc-buy-and-hold"
EQUAL_WEIGHT_BASELINE = "equal-weight-hold"


# -- pinning, at creation ----------------------------------------------------------------------


def pin_agent(context: AppContext, agent: AgentRecord, season: SeasonConfig) -> NewEntry:
    """Turn a registered agent into a season entry with its configuration pinned."""
    if not agent.enabled:
        raise InvalidInputError(f"agent {agent.name!r} is disabled")
    config = parse_config(agent.config)
    if config.timeframe != season.timeframe and not can_resample(
        season.timeframe, config.timeframe
    ):
        raise InvalidInputError(
            f"agent {agent.name!r} decides on {config.timeframe} bars; a season ticking every "
            f"{season.timeframe} holds agents of {season.timeframe} or a whole multiple of it"
        )
    pinned: dict[str, Any] = {}
    if isinstance(config, LlmAgentConfig):
        prompts = PromptStore(context.engine)
        store_shipped_prompt(prompts, config.prompt, context.clock.now_ms())
        version = (
            prompts.latest(config.prompt)
            if config.prompt_version is None
            else prompts.version(config.prompt, config.prompt_version)
        )
        pinned = {"prompt_version": version.version, "prompt_sha256": version.sha256}
    elif isinstance(config, PortfolioAgentConfig):
        # Learned once, from backtests that had ended before the season starts: no hindsight.
        tuned = season.profile()  # the season's regime thresholds and portfolio scoring
        thresholds = tuned.regime.thresholds()
        weights = portfolio_weights(context, config.top_n, season.exchange, season.start,
                                    thresholds, tuned.portfolio.scoring())  # fmt: skip
        pinned = {"weights": _weights_json(weights)}
        if thresholds != DEFAULT_THRESHOLDS:  # only then: untuned entries keep fingerprints
            pinned["regime"] = tuned.regime.model_dump()
    elif isinstance(config, RemoteAgentConfig):
        agent_secret(context, agent.id, agent.name)  # found out now, not when the season runs
    off = registry.disabled(context.settings.disabled_strategies)
    registry.check_enabled(_strategy_names(config, pinned), off)  # a new season: none disabled
    if season.mode is SeasonMode.LIVE:
        registry.check_live_trading(agent.name, _strategy_names(config, pinned))
    return _entry(agent.name, config, pinned, agent_id=agent.id)


def _strategy_names(config: AnyAgentConfig, pinned: dict[str, Any]) -> list[str]:
    """Every library strategy an entry would run (a portfolio: those its pinned weights name)."""
    if isinstance(config, StrategyAgentConfig):
        return [config.strategy]
    if isinstance(config, SelectorAgentConfig):
        return list(config.strategies)
    if isinstance(config, PortfolioAgentConfig):
        return [name for _, chosen in _weights(pinned) for name, _ in chosen]
    return []


def entry_warning(entry: NewEntry) -> str | None:
    """What a person should know about a pinned entry before its season runs: a portfolio
    whose learned weights leave it flat (it would silently never trade)."""
    if entry.kind != "portfolio":
        return None
    warning = portfolio_warning(_weights(entry.config["pinned"]))
    return None if warning is None else f"{entry.name}: {warning}"


def baseline_entries(season: SeasonConfig) -> list[NewEntry]:
    """BTC buy-and-hold and an equal-weight buy-and-hold of the season's coins."""
    quote = season.symbols[0].partition("/")[2] or "USDT"
    btc = StrategyAgentConfig(
        strategy="buy_and_hold", symbols=[f"BTC/{quote}"], timeframe=season.timeframe
    )
    equal = StrategyAgentConfig(strategy="buy_and_hold", timeframe=season.timeframe)
    return [
        _entry(BTC_BASELINE, btc, {}, baseline=True),
        _entry(EQUAL_WEIGHT_BASELINE, equal, {}, baseline=True),
    ]


def _entry(
    name: str,
    config: AnyAgentConfig,
    pinned: dict[str, Any],
    agent_id: int | None = None,
    baseline: bool = False,
) -> NewEntry:
    values = {"agent": config.model_dump(mode="json"), "pinned": pinned}
    return NewEntry(name, config.kind, values, fingerprint(values), baseline, agent_id)


def fingerprint(values: dict[str, Any]) -> str:
    """12 hex digits of SHA-256 over the canonical JSON of the pinned configuration."""
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def describe(entry: EntryRecord) -> str:
    """One line saying what the entry is: kind, model, prompt version, parameters, and its
    decision cadence where it is not the default 1h."""
    timeframe = entry.config["agent"].get("timeframe", "1h")
    return _what(entry) + ("" if timeframe == "1h" else f", decides every {timeframe}")


def _what(entry: EntryRecord) -> str:
    agent = entry.config["agent"]
    pinned = entry.config.get("pinned", {})
    kind = agent["kind"]
    if kind == "strategy":
        params = " ".join(f"{k}={v}" for k, v in sorted(agent.get("params", {}).items()))
        where = f" on {','.join(agent['symbols'])}" if agent.get("symbols") else ""
        return f"strategy {agent['strategy']}{where} {params} {agent['leverage']:g}x".replace(
            "  ", " "
        )
    if kind == "llm":
        return (
            f"llm {agent['provider']}/{agent['model']}{_at(agent)} prompt {agent['prompt']} "
            f"v{pinned.get('prompt_version', '?')} t={agent['temperature']:g}"
        )
    if kind == "selector":
        return (
            f"selector {agent['provider']}/{agent['model']}{_at(agent)} "
            f"every {agent['reselect_every']}"
        )
    if kind == "remote":
        return f"remote at {urlsplit(agent['url']).netloc} within {agent['deadline_s']:g} s"
    return f"portfolio top {agent['top_n']} {agent['leverage']:g}x"


def _at(agent: dict[str, Any]) -> str:
    """`` at host:port`` of an agent's own endpoint (never its path or query), or nothing."""
    base_url = agent.get("base_url")
    if not base_url:
        return ""
    return f" at {urlsplit(base_url).netloc}"


# -- participants, at run time -----------------------------------------------------------------


class GatedProvider:
    """A model client that answers only once opened. While a resumed runner re-executes the
    ticks already stored, answers must come from the response cache: a request that reaches
    the network there fails (and holds), exactly as the original missing answer did."""

    def __init__(self, inner: LlmProvider) -> None:
        self._inner = inner
        self.opened = False

    @property
    def name(self) -> str:
        return self._inner.name

    async def complete(self, request: LlmRequest) -> LlmResponse:
        if not self.opened:
            raise TemporaryError("no answer in the response cache while catching up")
        return await self._inner.complete(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class Lineup:
    participants: list[Participant]
    providers: list[GatedProvider]
    # Hand the rule strategies the newly closed bars of a season following the market.
    followers: list[Callable[[SeasonMarket], None]] = field(default_factory=list)

    def follow(self, market: SeasonMarket) -> None:
        """Go on with ``market``: the season's market with newly closed bars at its end."""
        for follower in self.followers:
            follower(market)


def warmup_needed(entries: Sequence[EntryRecord], timeframe: str) -> int:
    """Warm-up bars the rule strategies of ``entries`` need before the first bar of a season
    ticking every ``timeframe``."""
    bars = [
        warmup_bars(strategy) for entry in entries for strategy in _strategies(entry, timeframe)
    ]
    return max(bars, default=0)


def build_lineup(
    context: AppContext,
    entries: Sequence[EntryRecord],
    season: SeasonConfig,
    market: SeasonMarket,
    data: DataService,
    clock: Clock,
) -> Lineup:
    participants: list[Participant] = []
    providers: list[GatedProvider] = []
    followers: list[Callable[[SeasonMarket], None]] = []
    tape = season_tape(season, market)
    for entry in entries:
        config = parse_config(entry.config["agent"])
        pinned = entry.config.get("pinned", {})
        cadence = Cadence.of(season.timeframe, config.timeframe)
        # A repeated window of a season series is another draw: its answers are its own.
        cache = LlmCache(context.engine, sample=pinned.get("sample"))
        if isinstance(config, StrategyAgentConfig | PortfolioAgentConfig):
            (strategy,) = _strategies(entry, season.timeframe)
            symbols = getattr(config, "symbols", None) or season.symbols
            sizing = Sizing(
                config.leverage, getattr(config, "stop_loss", None),
                getattr(config, "take_profit", None), fee_rate=_entry_fee(season, market),
            )  # fmt: skip
            inputs, offsets = _own_warmup(market, symbols, [strategy])
            agent = rule_agent(entry.name, strategy, inputs, sizing, offsets, cadence)
            participants.append(agent)
            followers.append(_follower(agent, symbols, [strategy]))
            continue
        if isinstance(config, RemoteAgentConfig):
            deadline = remote_deadline(config, season.decision_timeout_s)
            endpoint = remote_endpoint(context, entry.agent_id, entry.name, config, deadline)
            gated = GatedProvider(endpoint)
            providers.append(gated)
            remote = remote_trader(
                context, entry.agent_id, config, gated, CacheMode.READWRITE, deadline, tape, cache
            )
            participants.append(
                LlmParticipant(
                    entry.name, remote, data, season.symbols, season.capital,
                    _entry_fee(season, market), config.timeframe, cadence,
                )
            )  # fmt: skip
            continue
        provider = GatedProvider(
            configured_provider(
                config.provider, context.settings, base_url=config.base_url,
                api_key_env=config.api_key_env, price=config.price(),
            )
        )  # fmt: skip
        providers.append(provider)
        deadline_s = season.decision_timeout_s  # a call cut off there is replayed as cut off
        spec = get_spec(config.provider)
        if isinstance(config, LlmAgentConfig):
            version = PromptStore(context.engine).version(config.prompt, pinned["prompt_version"])
            settings = TraderSettings(
                provider=config.provider, model=config.model, template=version.template,
                prompt_version_id=version.id, temperature=config.temperature,
                max_tokens=config.max_tokens, json_mode=spec.supports_json_mode,
                max_leverage=config.max_leverage, exchange=season.exchange,
                leverage_cap=season.limits().max_leverage,
            )  # fmt: skip
            mode = CacheMode.READWRITE
            trader = LlmTrader(settings, provider, cache, mode, clock, entry.agent_id,
                               deadline_s, config.base_url, tape=tape)  # fmt: skip
            fee = _entry_fee(season, market)
            participant = LlmParticipant(
                entry.name, trader, data, season.symbols, season.capital, fee,
                config.timeframe, cadence,
            )  # fmt: skip
            participants.append(participant)
        else:
            call_settings = CallSettings(
                config.provider, config.model, config.temperature, 500, spec.supports_json_mode,
                endpoint=config.base_url,
            )  # fmt: skip
            caller = LlmCaller(
                call_settings, provider, cache, CacheMode.READWRITE, clock, entry.agent_id,
                deadline_s,
            )  # fmt: skip
            strategies = dict(
                zip(config.strategies, _strategies(entry, season.timeframe), strict=True)
            )
            inputs, offsets = _own_warmup(market, season.symbols, list(strategies.values()))
            selector = StrategySelector(
                entry.name, caller, strategies, inputs,
                Sizing(config.leverage, fee_rate=_entry_fee(season, market)), offsets,
                config.reselect_every, tape=tape, cadence=cadence,
                thresholds=season.profile().regime.thresholds(),
            )  # fmt: skip
            participants.append(selector)
            followers.append(_follower(selector, season.symbols, list(strategies.values())))
    return Lineup(participants, providers, followers)


#: A season following the market cannot know its price range ahead: its tape keeps masked
#: prices away from within this ratio of each coin's first price.
FOLLOWING_BAND = 1.5


def season_tape(season: SeasonConfig, market: SeasonMarket) -> TapeMask | None:
    """The anonymized tape an anonymized season's LLM-driven agents see (None for a season
    that is not): from its stored secret, the season's coins' price ticks, and the real price
    ranges to keep masked prices away from. A replay's range is its whole market (fixed); a
    season following the market takes a band around each coin's first price in the season,
    so that the tape is the same every time the season is rebuilt."""
    if not season.anonymize:
        return None
    if season.tape_seed is None:
        raise ConfigurationError(
            f"season {season.name!r} is anonymized but has no tape secret; create it again"
        )
    ranges: dict[str, tuple[float, float]] = {}
    for symbol, inputs in market.inputs.items():
        candles = inputs.candles
        if season.mode is SeasonMode.REPLAY:
            ranges[symbol] = (float(candles.low.min()), float(candles.high.max()))
        else:
            first = float(candles.open[market.offsets[symbol]])
            ranges[symbol] = (first / FOLLOWING_BAND, first * FOLLOWING_BAND)
    ticks = {symbol: market.instruments[symbol].price_tick for symbol in season.symbols}
    return TapeMask.create(season.tape_seed, ticks, ranges)


def _follower(
    participant: StrategyAgent | GridAgent | StrategySelector,
    symbols: Sequence[str],
    strategies: Sequence[Strategy],
) -> Callable[[SeasonMarket], None]:
    def follow(market: SeasonMarket) -> None:
        participant.extend(_own_warmup(market, symbols, strategies)[0])

    return follow


def _own_warmup(
    market: SeasonMarket, symbols: Sequence[str], strategies: Sequence[Strategy]
) -> tuple[dict[str, StrategyInput], dict[str, int]]:
    """Each symbol's input cut to the warm-up these strategies need: recursive indicators
    (EMA, RSI) depend on their seed bar, so an entry must not see more history because a
    rival in the season needs more; its ledger is then the same whoever it competes with."""
    own = max((warmup_bars(strategy) for strategy in strategies), default=0)
    inputs, offsets = {}, {}
    for symbol in symbols:
        full, offset = market.inputs[symbol], market.offsets[symbol]
        cut = max(offset - own, 0)
        candles = full.candles.slice(cut, len(full.candles))
        inputs[symbol] = StrategyInput(symbol, full.timeframe, candles, full.funding_rate[cut:])
        offsets[symbol] = offset - cut
    return inputs, offsets


def _strategies(entry: EntryRecord, timeframe: str) -> list[Strategy]:
    """The rules ``entry`` runs in a season ticking every ``timeframe``: on bars of the agent's
    own timeframe where that is longer."""
    config = parse_config(entry.config["agent"])
    rules: list[Strategy] = []
    if isinstance(config, StrategyAgentConfig):
        rules = [registry.create(config.strategy, config.params)]
    elif isinstance(config, PortfolioAgentConfig):
        rules = [RegimePortfolio(_portfolio_params(entry.config["pinned"]))]
    elif isinstance(config, SelectorAgentConfig):
        rules = [registry.create(name) for name in config.strategies]
    if config.timeframe == timeframe:
        return rules
    # A grid has no targets to resample: it tops up its ladder at its own bars' closes.
    return [
        rule if isinstance(rule, Grid) else ResampledStrategy(rule, config.timeframe, timeframe)
        for rule in rules
    ]


def _weights_json(weights: Weights) -> list[Any]:
    return [[regime, [list(pair) for pair in chosen]] for regime, chosen in weights]


def _portfolio_params(pinned: dict[str, Any]) -> RegimePortfolioParams:
    """A pinned portfolio: its learned weights and the regime thresholds it learned them by."""
    regime = pinned.get("regime")
    thresholds = DEFAULT_THRESHOLDS if regime is None else RegimeThresholds(**regime)
    return RegimePortfolioParams(_weights(pinned), thresholds)


def _weights(pinned: dict[str, Any]) -> Weights:
    return tuple(
        (regime, tuple((name, float(weight)) for name, weight in chosen))
        for regime, chosen in pinned["weights"]
    )


def _entry_fee(season: SeasonConfig, market: SeasonMarket) -> float:
    return entry_fee(season.fee_rate, market.instruments.values())
