"""Remote agents' use cases: register one with a new signing secret, rotate the secret, read
it where requests are signed.

A secret is shown once, when it is made (the CLI prints it, the API returns it in the create
response); it is stored only encrypted with ``ARENA_SECRET_KEY`` and never part of the agent's
configuration, a log line or any later response."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from alpha_arena.agents.config import RemoteAgentConfig, parse_config
from alpha_arena.agents.context import account_context, build_context
from alpha_arena.agents.llm.caller import CacheMode
from alpha_arena.agents.llm.providers.base import LlmProvider
from alpha_arena.agents.llm.trader import TraderOutcome
from alpha_arena.agents.remote.endpoint import RemoteEndpoint
from alpha_arena.agents.remote.signing import new_secret
from alpha_arena.agents.remote.trader import ContextMask, RemoteTrader
from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.redact import remember_secret
from alpha_arena.domain.decisions import Decision
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_secrets import AgentSecretStore, agent_cipher
from alpha_arena.storage.agent_store import AgentRecord, AgentStore
from alpha_arena.storage.llm_store import LlmCache, LlmCallStore


@dataclass(frozen=True, slots=True)
class RemoteRegistration:
    agent: AgentRecord
    secret: str  # shown once


def add_remote_agent(context: AppContext, name: str, values: dict[str, Any]) -> RemoteRegistration:
    """Register a remote agent and make its signing secret (refused, before anything is
    stored, without a usable master key)."""
    config = parse_config(values)
    if not isinstance(config, RemoteAgentConfig):
        raise InvalidInputError(f"agent kind {config.kind!r} is not remote")
    key = context.settings.secret_key
    agent_cipher(key)  # no master key: one line saying how to make one, nothing stored
    record = add_agent(context, name, values)
    secret = new_secret()
    remember_secret(secret)
    AgentSecretStore(context.engine).put(record.id, secret, key, context.clock.now_ms())
    return RemoteRegistration(record, secret)


def rotate_secret(context: AppContext, name: str) -> RemoteRegistration:
    """Replace remote agent ``name``'s secret with a new one (the old one stops working)."""
    record = AgentStore(context.engine).get(name)
    if record.kind != "remote":
        raise InvalidInputError(f"agent {name!r} is a {record.kind} agent; only remote agents sign")
    secret = new_secret()
    remember_secret(secret)
    AgentSecretStore(context.engine).put(
        record.id, secret, context.settings.secret_key, context.clock.now_ms()
    )
    return RemoteRegistration(record, secret)


def agent_secret(context: AppContext, agent_id: int | None, name: str) -> str:
    """Decrypt remote agent ``name``'s secret, to sign its requests."""
    if agent_id is None:
        raise InvalidInputError(f"remote entry {name!r} has no registered agent to sign with")
    secret = AgentSecretStore(context.engine).get(agent_id, name, context.settings.secret_key)
    remember_secret(secret)
    return secret


def remote_deadline(config: RemoteAgentConfig, season_deadline_s: float | None) -> float:
    """How long the bot may take per decision: its own deadline, or the season's if shorter."""
    if season_deadline_s is None:
        return config.deadline_s
    return min(config.deadline_s, season_deadline_s)


def remote_endpoint(
    context: AppContext,
    agent_id: int | None,
    name: str,
    config: RemoteAgentConfig,
    deadline_s: float,
) -> RemoteEndpoint:
    """The client of remote agent ``name``'s endpoint, signing with its secret."""
    return RemoteEndpoint(name, config.url, agent_secret(context, agent_id, name), deadline_s)


def remote_trader(
    context: AppContext,
    agent_id: int | None,
    config: RemoteAgentConfig,
    endpoint: LlmProvider | None,
    cache_mode: CacheMode,
    deadline_s: float,
    tape: ContextMask | None = None,
    cache: LlmCache | None = None,
) -> RemoteTrader:
    """Remote agent ``agent_id``'s trader, asking ``endpoint`` (None: only the cache), shown
    the anonymized market through ``tape`` in a season that has one; ``cache``: where its
    answers are kept (another draw's, in a repeated window of a series)."""
    return RemoteTrader(
        config.url, endpoint, cache or LlmCache(context.engine), cache_mode, context.clock,
        deadline_s,
        config.max_leverage, agent_id, tape,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class RemoteDecision:
    decision: Decision
    body: str  # the request body sent (or that would have been)
    valid: bool
    calls: int


def decide_remote_once(
    context: AppContext,
    record: AgentRecord,
    config: RemoteAgentConfig,
    ts: int,
    symbols: list[str],
    capital: float,
    exchange: str,
    cache_mode: CacheMode,
) -> RemoteDecision:
    """Ask remote agent ``record`` what it would do at ``ts`` with a flat account."""
    data = DataService(context.market, exchange)
    account = account_context(capital, capital, capital, {}, {}, 0.0005)
    decision_context = build_context(data, symbols, ts, account, config.timeframe)
    if not decision_context.coins:
        raise NotFoundError(f"no {config.timeframe} bar of {', '.join(symbols)} had closed by then")

    async def ask() -> TraderOutcome:
        endpoint = None
        if cache_mode is not CacheMode.READ:
            endpoint = remote_endpoint(context, record.id, record.name, config, config.deadline_s)
        trader = remote_trader(context, record.id, config, endpoint, cache_mode, config.deadline_s)
        try:
            return await trader.decide(decision_context)
        finally:
            if endpoint is not None:
                await endpoint.aclose()

    outcome = asyncio.run(ask())
    store = LlmCallStore(context.engine)
    for call in outcome.calls:
        store.record(call)
    return RemoteDecision(outcome.decision, outcome.prompt, outcome.valid, len(outcome.calls))
