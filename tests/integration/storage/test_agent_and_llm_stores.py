"""Agents, prompt versions, the LLM call audit and the response cache, on both databases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.domain.llm import LlmCall
from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_store import AgentStore, PromptStore
from alpha_arena.storage.llm_store import LlmCache, LlmCallStore


def call(
    agent_id: int | None, parsed: bool, tokens: int, cost: float | None, latency: float
) -> LlmCall:
    return LlmCall(
        ts=1_700_000_000_000,
        provider="deepseek",
        model="deepseek-chat",
        parameters={"temperature": 0.0},
        request_hash="h" * 64,
        messages=[{"role": "user", "content": "decide"}],
        raw_response='{"decisions": []}' if parsed else "not json",
        parsed_decision={"actions": []} if parsed else None,
        error=None if parsed else "no JSON object found",
        input_tokens=tokens,
        output_tokens=tokens // 10,
        latency_ms=latency,
        cost_usd=cost,
        agent_id=agent_id,
    )


def test_agents_are_unique_by_name_and_can_be_disabled(context: AppContext) -> None:
    agents = AgentStore(context.engine)
    added = agents.add("ema", "strategy", {"strategy": "ema_trend", "params": {"fast": 12}}, 1)
    assert added.config == {"strategy": "ema_trend", "params": {"fast": 12}}
    assert added.enabled
    with pytest.raises(InvalidInputError, match="exists already"):
        agents.add("ema", "strategy", {}, 2)
    assert not agents.set_enabled("ema", False, 3).enabled
    assert agents.all(enabled_only=True) == []
    with pytest.raises(NotFoundError, match="known: ema"):
        agents.get("nope")


def test_prompt_versions_count_up_and_an_unchanged_template_is_not_duplicated(
    context: AppContext,
) -> None:
    prompts = PromptStore(context.engine)
    first = prompts.add("trader", "Price: {{ price }}", 1)
    again = prompts.add("trader", "Price: {{ price }}", 2)
    second = prompts.add("trader", "Price now: {{ price }}", 3)
    assert (first.version, again.version, second.version) == (1, 1, 2)
    assert again.id == first.id
    assert prompts.latest("trader").template == "Price now: {{ price }}"
    assert prompts.version("trader", 1).sha256 == first.sha256 != second.sha256
    with pytest.raises(NotFoundError):
        prompts.version("trader", 9)


def test_calls_are_recorded_whole_and_summed_per_agent(context: AppContext) -> None:
    agent = AgentStore(context.engine).add("llm", "llm", {"provider": "deepseek"}, 1)
    store = LlmCallStore(context.engine)
    store.record(call(agent.id, True, 1000, 0.002, 400.0))
    store.record(call(agent.id, False, 3000, 0.004, 800.0))
    [stats] = store.stats()
    assert (stats.agent_id, stats.calls, stats.invalid) == (agent.id, 2, 1)
    assert (stats.input_tokens, stats.output_tokens) == (4000, 400)
    assert stats.cost_usd == pytest.approx(0.006)
    assert stats.mean_latency_ms == pytest.approx(600.0)
    newest = store.calls(agent.id)[0]
    assert newest.error == "no JSON object found" and newest.parsed_decision is None
    assert newest.messages == [{"role": "user", "content": "decide"}]


def test_the_cache_keeps_the_first_response_for_a_hash(context: AppContext) -> None:
    cache = LlmCache(context.engine)
    assert cache.get("a" * 64) is None
    cache.put("a" * 64, "openai", "gpt", {"text": "first", "input_tokens": 5}, 1)
    cache.put("a" * 64, "openai", "gpt", {"text": "second", "input_tokens": 6}, 2)
    assert cache.get("a" * 64) == {"text": "first", "input_tokens": 5}


def test_an_unknown_price_makes_the_agents_total_cost_unknown(context: AppContext) -> None:
    agent = AgentStore(context.engine).add("unpriced", "llm", {"provider": "deepseek"}, 1)
    store = LlmCallStore(context.engine)
    store.record(call(agent.id, True, 1000, 0.002, 400.0))
    store.record(call(agent.id, True, 1000, None, 400.0))
    assert store.calls(agent.id)[0].cost_usd is None
    [stats] = [s for s in store.stats() if s.agent_id == agent.id]
    assert stats.cost_usd is None  # not the known part passed off as the whole


def test_a_cut_off_marker_is_replaced_by_what_the_caller_keeps(context: AppContext) -> None:
    cache = LlmCache(context.engine)
    marker = {"text": None, "cut_off": {"after_ms": 2000.0, "deadline_s": 2.0}}
    cache.put("b" * 64, "openai", "gpt", marker, 1)
    cache.replace("b" * 64, {"text": "answer", "cut_off": marker["cut_off"]})
    assert cache.get("b" * 64) == {"text": "answer", "cut_off": marker["cut_off"]}


def test_names_differing_only_by_case_are_different_agents_and_prompts(
    context: AppContext,
) -> None:
    # MySQL's and MariaDB's default collations compare without case; the tables' must not.
    agents = AgentStore(context.engine)
    agents.add("Ema", "strategy", {"fast": 12}, 1)
    agents.add("ema", "strategy", {"fast": 26}, 2)
    stored = sorted((agent.name, agent.config["fast"]) for agent in agents.all())
    assert stored == [("Ema", 12), ("ema", 26)]
    with pytest.raises(NotFoundError):
        agents.get("EMA")
    prompts = PromptStore(context.engine)
    assert prompts.add("Trader", "a", 1).version == prompts.add("trader", "b", 2).version == 1


def test_a_long_call_in_any_script_round_trips_exactly(context: AppContext) -> None:
    # Longer than the 64 KB of MySQL's TEXT, with characters outside the 3-byte utf8.
    content = "BTC 🚀 比特币 " * 20_000
    long = replace(
        call(None, True, 10, 0.000123456789, 1234.5),
        messages=[{"role": "user", "content": content}],
        raw_response=content,
        reasoning="🤔 " + content,
    )
    store = LlmCallStore(context.engine)
    store.record(long)
    [stored] = store.calls()
    assert stored == long
    cache = LlmCache(context.engine)
    cache.put("c" * 64, "openai", "gpt", {"text": content}, 1)
    assert cache.get("c" * 64) == {"text": content}
