"""One request to a language model through the response cache, with its audit record.

Shared by every LLM-driven agent: the request is hashed (provider, model, parameters and
messages, and the agent's own endpoint when it names one), answered from the cache when the
mode allows, sent to the provider otherwise, and always recorded as an ``LlmCall``; a
transport failure is recorded, never raised, its message cleared of anything key-like.

A call cut off at the decision deadline (the engine cancels the participant) is recorded too,
and the cache keeps a cut-off marker for its request, ``{"text": null, "cut_off": {"after_ms",
"deadline_s"}}``: a replay under the same or a shorter deadline raises ``DeadlineMissedError`` at
that point, without a request, so the engine records the same hold; under a longer deadline
(or none) the model is asked, and its answer is kept next to the marker.

Every answered call names its ``ModelVersion``: the model as the response named it and the price
in effect, both kept in the cache with the answer, so a replay names the same version (an
answer cached before versions were kept names the model asked for)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from alpha_arena.agents.llm.providers import LlmMessage, LlmProvider, LlmRequest
from alpha_arena.core.clock import Clock
from alpha_arena.core.errors import ArenaError
from alpha_arena.core.redact import redact
from alpha_arena.domain.decisions import DeadlineMissedError
from alpha_arena.domain.llm import LlmCall, ModelVersion


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
    ) -> None:
        """Store ``response`` unless the hash has one already (the first answer wins)."""
        ...

    def replace(self, request_hash: str, response: dict[str, Any]) -> None:
        """Overwrite the stored response (a cut-off marker extended, never an answer lost)."""
        ...


@dataclass(frozen=True, slots=True)
class CallSettings:
    provider: str
    model: str
    temperature: float = 0.0
    max_tokens: int = 2000
    json_mode: bool = True
    prompt_version_id: int | None = None
    endpoint: str | None = None  # the agent's own base URL: another server, another answer


class LlmCaller:
    def __init__(
        self,
        settings: CallSettings,
        provider: LlmProvider | None,
        cache: ResponseCache | None,
        cache_mode: CacheMode,
        clock: Clock,
        agent_id: int | None = None,
        deadline_s: float | None = None,
    ) -> None:
        """``deadline_s``: the decision deadline the calls run under (a season's), or None."""
        self._settings = settings
        self._provider = provider
        self._cache = cache
        self._mode = cache_mode
        self._clock = clock
        self._agent_id = agent_id
        self._deadline_s = deadline_s

    async def ask(self, messages: list[LlmMessage], calls: list[LlmCall]) -> str | None:
        """The model's answer to ``messages`` (None when there is none); the call is appended
        to ``calls`` with ``error`` set until the caller records a parsed result. Raise
        ``DeadlineMissedError`` when the cache holds this request as cut off at a deadline no
        shorter than ours; a cancellation (the deadline) is recorded and re-raised."""
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
        digest = request_hash(
            settings.provider, settings.model, parameters, as_dicts, settings.endpoint
        )
        base: dict[str, Any] = {
            "ts": self._clock.now_ms(), "provider": settings.provider, "model": settings.model,
            "parameters": parameters, "request_hash": digest, "messages": as_dicts,
            "agent_id": self._agent_id, "prompt_version_id": settings.prompt_version_id,
        }  # fmt: skip
        cached = self._cache.get(digest) if self._cache is not None and self._mode.reads else None
        cut_off = cached.get("cut_off") if cached is not None else None
        if cut_off is not None and self._replays(cut_off):
            calls.append(LlmCall(**base, raw_response=None, parsed_decision=None,
                                 error=_cut_off_error(cut_off), cached=True))  # fmt: skip
            raise DeadlineMissedError(
                f"cut off at the {cut_off['deadline_s']:g} s deadline when it ran (replayed)"
            )
        if cached is not None and cached.get("text") is not None:
            calls.append(_call(base, cached, cached=True))
            return str(cached["text"])
        if self._mode is CacheMode.READ or self._provider is None:
            missing = "not in the response cache" if cut_off is None else (
                f"only cut off at the {float(cut_off['deadline_s']):g} s deadline in the response "
                "cache")  # fmt: skip
            calls.append(LlmCall(**base, raw_response=None, parsed_decision=None,
                                 error=f"{missing} (cache mode read)"))  # fmt: skip
            return None
        started = time.perf_counter()
        try:
            response = await self._provider.complete(request)
        except ArenaError as error:
            calls.append(LlmCall(**base, raw_response=None, parsed_decision=None,
                                 error=redact(str(error))))  # fmt: skip
            return None
        except asyncio.CancelledError:
            self._cut_off(base, cached, (time.perf_counter() - started) * 1000, calls)
            raise
        stored = {
            "text": response.text, "reasoning": response.reasoning,
            "input_tokens": response.input_tokens, "output_tokens": response.output_tokens,
            "latency_ms": response.latency_ms, "cost_usd": response.cost_usd,
            "model": response.model, "price": None if response.price is None else [
                response.price.input_usd_per_mtok, response.price.output_usd_per_mtok],
        }  # fmt: skip
        if self._cache is not None and self._mode.writes:
            if cut_off is None:
                self._cache.put(digest, settings.provider, settings.model, stored, base["ts"])
            else:  # keep the cut-off next to the answer: replays of that season still hold
                self._cache.replace(digest, {**stored, "cut_off": cut_off})
        calls.append(_call(base, stored, cached=False))
        return response.text

    def _replays(self, cut_off: dict[str, Any]) -> bool:
        """Whether a call cut off as ``cut_off`` says would be cut off under our deadline."""
        return self._deadline_s is not None and self._deadline_s <= float(cut_off["deadline_s"])

    def _cut_off(
        self,
        base: dict[str, Any],
        cached: dict[str, Any] | None,
        after_ms: float,
        calls: list[LlmCall],
    ) -> None:
        """Record a call cancelled after ``after_ms``, and, under a deadline, its cut-off
        marker in the cache, so that a replay holds there without asking."""
        if self._deadline_s is None:
            calls.append(LlmCall(**base, raw_response=None, parsed_decision=None,
                                 error=f"cancelled after {after_ms:.0f} ms",
                                 latency_ms=after_ms))  # fmt: skip
            return
        cut_off = {"after_ms": round(after_ms, 3), "deadline_s": self._deadline_s}
        calls.append(LlmCall(**base, raw_response=None, parsed_decision=None,
                             error=_cut_off_error(cut_off), latency_ms=after_ms))  # fmt: skip
        if self._cache is None or not self._mode.writes:
            return
        marker = {"text": None, "cut_off": cut_off}
        if cached is None:
            settings = self._settings
            self._cache.put(base["request_hash"], settings.provider, settings.model, marker,
                            base["ts"])  # fmt: skip
        else:  # cut off before under a shorter deadline: now under ours
            self._cache.replace(base["request_hash"], {**cached, "cut_off": cut_off})


def request_hash(
    provider: str,
    model: str,
    parameters: dict[str, Any],
    messages: list[dict[str, str]],
    endpoint: str | None = None,
) -> str:
    """The cache key: everything that shapes the answer, in a canonical JSON form. An agent's
    own endpoint is part of it only when it names one (the keys of earlier runs stay valid)."""
    shaping: dict[str, Any] = {
        "provider": provider, "model": model, "parameters": parameters, "messages": messages,
    }  # fmt: skip
    if endpoint is not None:
        shaping["endpoint"] = endpoint
    canonical = json.dumps(shaping, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _cut_off_error(cut_off: dict[str, Any]) -> str:
    return (
        f"deadline: no answer within the {float(cut_off['deadline_s']):g} s decision deadline "
        f"(cut off after {float(cut_off['after_ms']):.0f} ms)"
    )


def _call(base: dict[str, Any], stored: dict[str, Any], cached: bool) -> LlmCall:
    # A replay from the cache costs nothing: its tokens and cost are recorded as zero. A fresh
    # call of a model whose price is unknown has an unknown cost (None).
    cost = stored["cost_usd"]
    return LlmCall(
        **base,
        raw_response=stored["text"],
        parsed_decision=None,
        error="output did not parse",
        input_tokens=0 if cached else int(stored["input_tokens"]),
        output_tokens=0 if cached else int(stored["output_tokens"]),
        latency_ms=0.0 if cached else float(stored["latency_ms"]),
        cost_usd=0.0 if cached else None if cost is None else float(cost),
        cached=cached,
        reasoning=stored.get("reasoning"),
        version=_version(stored, base["model"]),
    )


def _version(stored: dict[str, Any], asked: str) -> ModelVersion:
    """The version that gave the ``stored`` answer; ``asked`` names it when the answer was
    cached before versions were kept (as the migration named the calls made until then)."""
    price = stored.get("price")
    label = str(stored.get("model") or asked)
    if price is None:
        return ModelVersion(label)
    return ModelVersion(label, float(price[0]), float(price[1]))
