"""One decision by a registered agent outside any season (``POST /agents/{name}/decide``,
``arena agent decide``): ``decide_once`` (the context a season builds, from a flat account) at a
given moment, or by default at the newest moment every chosen symbol has a closed bar for. It
records its LLM calls like any other and never places an order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alpha_arena.agents.config import parse_config
from alpha_arena.agents.llm.caller import CacheMode
from alpha_arena.core.errors import NotFoundError
from alpha_arena.core.time import timeframe_ms
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.agents import AgentDecision, decide_once
from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_store import AgentStore

#: The coins an agent is asked about when none are named: the arena's six perpetuals.
DEFAULT_SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "BNB/USDT:USDT",
                   "DOGE/USDT:USDT", "XRP/USDT:USDT")  # fmt: skip


@dataclass(frozen=True, slots=True)
class OneOffDecision:
    agent: str
    timeframe: str
    symbols: tuple[str, ...]
    result: AgentDecision


def decide_now(
    context: AppContext,
    name: str,
    ts: int | None = None,
    symbols: Sequence[str] | None = None,
    exchange: str = "binance",
    capital: float = 10_000.0,
    cache_mode: CacheMode = CacheMode.READWRITE,
) -> OneOffDecision:
    """Ask agent ``name`` for a decision at ``ts`` (default: the newest close of the stored
    bars of its timeframe) on ``symbols`` (default: those of DEFAULT_SYMBOLS stored on
    ``exchange``). NotFoundError for an unknown agent or when nothing is stored to decide on."""
    config = parse_config(AgentStore(context.engine).get(name).config)
    timeframe = config.timeframe
    data = DataService(context.market, exchange)
    chosen = list(dict.fromkeys(symbols)) if symbols else _stored(data, timeframe)
    if not chosen:
        raise NotFoundError(
            f"no {timeframe} bars of {', '.join(DEFAULT_SYMBOLS)} are stored under exchange "
            f"{exchange!r}; ingest some (`arena data ingest`, POST /data/ingest) or name symbols"
        )
    moment = ts if ts is not None else newest_close(data, timeframe, chosen)
    result = decide_once(context, name, moment, chosen, capital, exchange, cache_mode)
    return OneOffDecision(name, timeframe, tuple(chosen), result)


def _stored(data: DataService, timeframe: str) -> list[str]:
    stored = []
    for symbol in DEFAULT_SYMBOLS:
        try:
            if len(data.candles(symbol, timeframe, last=1)):
                stored.append(symbol)
        except NotFoundError:  # neither stored nor resampled from a shorter timeframe
            continue
    return stored


def newest_close(data: DataService, timeframe: str, symbols: Sequence[str]) -> int:
    """The latest moment by which every symbol's newest stored bar had closed."""
    closes = []
    for symbol in symbols:
        last = data.candles(symbol, timeframe, last=1)  # NotFoundError when none is stored
        if not len(last):
            raise NotFoundError(
                f"no {timeframe} bars of {symbol} are stored under exchange {data.exchange!r}"
            )
        closes.append(int(last.ts[-1]) + timeframe_ms(timeframe))
    return min(closes)
