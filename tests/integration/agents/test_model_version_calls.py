"""Each answered call names the model version that answered (the model the provider's response
named, with the price in effect), through the Anthropic SDK against a loopback server speaking
its protocol; a replay from the response cache names the same version without a request, and an
answer cached before versions were kept names the model that was asked for."""

from __future__ import annotations

import asyncio
from typing import Any

from alpha_arena.agents.llm.caller import CacheMode, CallSettings, LlmCaller
from alpha_arena.agents.llm.providers import LlmMessage, create_provider
from alpha_arena.core.clock import SimClock
from alpha_arena.domain.llm import LlmCall, ModelVersion
from tests.support.fake_llm import FakeAnswer, FakeLlmServer

ASKED = "claude-haiku-4-5"  # priced in the provider table at USD 1.00 in, 5.00 out per M tokens
SNAPSHOT = "claude-haiku-4-5-20251001"
MESSAGES = [LlmMessage("system", "You trade."), LlmMessage("user", "Decide.")]


class MemoryCache:
    """A response cache held in a dict (the first answer stored for a hash wins)."""

    def __init__(self) -> None:
        self.responses: dict[str, dict[str, Any]] = {}

    def get(self, request_hash: str) -> dict[str, Any] | None:
        return self.responses.get(request_hash)

    def put(
        self, request_hash: str, provider: str, model: str, response: dict[str, Any], ts: int
    ) -> None:
        self.responses.setdefault(request_hash, response)

    def replace(self, request_hash: str, response: dict[str, Any]) -> None:
        self.responses[request_hash] = response


def ask(server: FakeLlmServer | None, cache: MemoryCache, mode: CacheMode) -> LlmCall:
    async def run() -> LlmCall:
        provider = None
        if server is not None:
            provider = create_provider(
                "anthropic", base_url=server.anthropic_base_url, api_key="k", max_retries=0
            )
        caller = LlmCaller(CallSettings("anthropic", ASKED, json_mode=False), provider, cache,
                           mode, SimClock(1_767_225_600_000))  # fmt: skip
        calls: list[LlmCall] = []
        try:
            await caller.ask(MESSAGES, calls)
        finally:
            if provider is not None:
                await provider.aclose()
        [call] = calls
        return call

    return asyncio.run(run())


def test_an_answer_names_the_snapshot_that_gave_it_and_a_replay_names_the_same() -> None:
    cache = MemoryCache()
    with FakeLlmServer() as server:
        server.reply(FakeAnswer("{}", model=SNAPSHOT))
        asked = ask(server, cache, CacheMode.READWRITE)
        assert asked.version == ModelVersion(SNAPSHOT, 1.0, 5.0)
        assert asked.model == ASKED and not asked.cached

        server.served_model = "claude-haiku-4-5-20260101"  # a later snapshot: not asked
        replayed = ask(server, cache, CacheMode.READ)
        assert server.count == 1
    assert replayed.cached and replayed.version == asked.version


def test_an_answer_cached_before_versions_were_kept_names_the_model_asked_for() -> None:
    cache = MemoryCache()
    with FakeLlmServer() as server:
        ask(server, cache, CacheMode.WRITE)
    [digest] = cache.responses
    old = {key: value for key, value in cache.responses[digest].items()
           if key not in ("model", "price")}  # fmt: skip
    cache.responses[digest] = old
    assert ask(None, cache, CacheMode.READ).version == ModelVersion(ASKED)


def test_a_call_no_model_answered_names_no_version() -> None:
    with FakeLlmServer() as server:
        server.fail_next(500)
        failed = ask(server, MemoryCache(), CacheMode.OFF)
    assert failed.error is not None and failed.version is None
    missed = ask(None, MemoryCache(), CacheMode.READ)  # not in the cache
    assert missed.error is not None and missed.version is None
