"""One request to a language model through the response cache, with its audit record.

Shared by every LLM-driven agent: the request is hashed (provider, model, parameters and
messages), answered from the cache when the mode allows, sent to the provider otherwise, and
always recorded as an ``LlmCall``; a transport failure is recorded, never raised."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from alpha_arena.agents.llm.providers import LlmMessage, LlmProvider, LlmRequest
from alpha_arena.core.clock import Clock
from alpha_arena.core.errors import ArenaError
from alpha_arena.domain.llm import LlmCall


class CacheMode(StrEnum):
    OFF = "off"
    READ = "read"  # answers only from the cache: no network call, a miss is an invalid decision
    WRITE = "write"  # always ask the model, store the answer
    READWRITE = "readwrite"  # the cache when it has the answer, the model otherwise

    @property
    def reads(self) -> bool:
        return self in (CacheMode.READ, CacheMode.READWRITE)

    @property
    def writes(self) -> bool:
        return self in (CacheMode.WRITE, CacheMode.READWRITE)


class ResponseCache(Protocol):
    def get(self, request_hash: str) -> dict[str, Any] | None: ...

    def put(
        self, request_hash: str, provider: str, model: str, response: dict[str, Any], ts: int
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class CallSettings:
    provider: str
    model: str
    temperature: float = 0.0
    max_tokens: int = 2000
    json_mode: bool = True
    prompt_version_id: int | None = None


class LlmCaller:
    def __init__(
        self,
        settings: CallSettings,
        provider: LlmProvider | None,
        cache: ResponseCache | None,
        cache_mode: CacheMode,
        clock: Clock,
        agent_id: int | None = None,
    ) -> None:
        self._settings = settings
        self._provider = provider
        self._cache = cache
        self._mode = cache_mode
        self._clock = clock
        self._agent_id = agent_id

    async def ask(self, messages: list[LlmMessage], calls: list[LlmCall]) -> str | None:
        """The model's answer to ``messages`` (None when there is none); the call is appended
        to ``calls`` with ``error`` set until the caller records a parsed result."""
        settings = self._settings
        request = LlmRequest(
            tuple(messages), settings.model, settings.temperature, settings.max_tokens,
            settings.json_mode,
        )  # fmt: skip
        parameters = {
            "temperature": settings.temperature,
            "max_tokens": settings.max_tokens,
            "json_mode": settings.json_mode,
        }
        as_dicts = [{"role": m.role, "content": m.content} for m in messages]
        digest = request_hash(settings.provider, settings.model, parameters, as_dicts)
        base: dict[str, Any] = {
            "ts": self._clock.now_ms(), "provider": settings.provider, "model": settings.model,
            "parameters": parameters, "request_hash": digest, "messages": as_dicts,
            "agent_id": self._agent_id, "prompt_version_id": settings.prompt_version_id,
        }  # fmt: skip
        cached = self._cache.get(digest) if self._cache is not None and self._mode.reads else None
        if cached is not None:
            calls.append(_call(base, cached, cached=True))
            return str(cached["text"])
        if self._mode is CacheMode.READ or self._provider is None:
            calls.append(LlmCall(**base, raw_response=None, parsed_decision=None,
                                 error="not in the response cache (cache mode read)"))  # fmt: skip
            return None
        try:
            response = await self._provider.complete(request)
        except ArenaError as error:
            calls.append(LlmCall(**base, raw_response=None, parsed_decision=None,
                                 error=str(error)))  # fmt: skip
            return None
        stored = {
            "text": response.text, "reasoning": response.reasoning,
            "input_tokens": response.input_tokens, "output_tokens": response.output_tokens,
            "latency_ms": response.latency_ms, "cost_usd": response.cost_usd,
        }  # fmt: skip
        if self._cache is not None and self._mode.writes:
            self._cache.put(digest, settings.provider, settings.model, stored, base["ts"])
        calls.append(_call(base, stored, cached=False))
        return response.text


def request_hash(
    provider: str, model: str, parameters: dict[str, Any], messages: list[dict[str, str]]
) -> str:
    """The cache key: everything that shapes the answer, in a canonical JSON form."""
    canonical = json.dumps(
        {"provider": provider, "model": model, "parameters": parameters, "messages": messages},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _call(base: dict[str, Any], stored: dict[str, Any], cached: bool) -> LlmCall:
    # A replay from the cache costs nothing: its tokens and cost are recorded as zero.
    return LlmCall(
        **base,
        raw_response=stored["text"],
        parsed_decision=None,
        error="output did not parse",
        input_tokens=0 if cached else int(stored["input_tokens"]),
        output_tokens=0 if cached else int(stored["output_tokens"]),
        latency_ms=0.0 if cached else float(stored["latency_ms"]),
        cost_usd=0.0 if cached else float(stored["cost_usd"]),
        cached=cached,
    )
