"""The provider-neutral LLM call: request and response values, the client interface, and the
retry, concurrency and timeout policy every SDK adapter shares."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Protocol, Self

from alpha_arena.agents.llm.providers.registry import ModelPrice, ProviderSpec
from alpha_arena.core.errors import AgentError, ArenaError, ConfigurationError, TemporaryError
from alpha_arena.core.redact import redact

logger = logging.getLogger(__name__)

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class LlmMessage:
    """One turn of the conversation."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class LlmRequest:
    """One completion request. ``model`` ``None`` means the provider's default model;
    ``timeout_s`` ``None`` means the provider's total timeout (covering every retry)."""

    messages: tuple[LlmMessage, ...]
    model: str | None = None
    temperature: float = 0.0
    max_tokens: int = 1024
    json_mode: bool = False
    timeout_s: float | None = None

    def __post_init__(self) -> None:
        if not any(message.role == "user" for message in self.messages):
            raise ValueError("an LLM request needs at least one user message")
        if self.max_tokens <= 0:
            raise ValueError(f"max_tokens must be positive, got {self.max_tokens}")
        if self.timeout_s is not None and self.timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {self.timeout_s}")

    @property
    def system(self) -> str:
        """Return the system messages joined, or an empty string."""
        return "\n\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def turns(self) -> tuple[LlmMessage, ...]:
        """Return the user and assistant turns, in order."""
        return tuple(m for m in self.messages if m.role != "system")


@dataclass(frozen=True, slots=True)
class LlmResponse:
    """The answer of one call. ``raw`` is the provider's response as JSON-able data;
    ``reasoning`` the reasoning text when the API returns it apart from the answer;
    ``attempts`` how many HTTP requests the call took (1 + retries); ``latency_ms`` the time
    from the first attempt to the answer, retries and back-off included; ``cost_usd`` the
    tokens priced with the spec's (published, unverified) price of the model, None when the
    model's price is unknown, and ``price`` that price; ``model`` the model as the provider's
    response names it (a concrete snapshot such as ``gpt-4o-2024-08-06``), its version label."""

    text: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    cost_usd: float | None
    model: str
    provider: str
    raw: Mapping[str, object] = field(repr=False)
    reasoning: str | None = None
    attempts: int = 1
    price: ModelPrice | None = None


class LlmProvider(Protocol):
    """Anything that answers LLM requests (an SDK adapter, a replay cache, a scripted fake)."""

    @property
    def name(self) -> str: ...

    async def complete(self, request: LlmRequest) -> LlmResponse: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """How a provider calls its API: ``timeout_s`` per HTTP attempt, ``total_timeout_s`` for the
    whole call including retries and back-off (not the wait for a concurrency slot),
    ``max_retries`` on 429, 5xx, timeouts and connection errors, ``concurrency`` calls in flight
    at most, back-off ``backoff_s * 2**retry`` (with jitter) capped at ``max_backoff_s``, or the
    server's Retry-After when it sends one."""

    timeout_s: float = 60.0
    total_timeout_s: float = 180.0
    max_retries: int = 2
    concurrency: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0

    def __post_init__(self) -> None:
        for name in ("timeout_s", "total_timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"LLM provider {name} must be positive")
        if self.max_retries < 0:
            raise ConfigurationError("LLM provider max_retries must be >= 0")
        if self.concurrency < 1:
            raise ConfigurationError("LLM provider concurrency must be >= 1")
        if self.backoff_s < 0 or self.max_backoff_s < 0:
            raise ConfigurationError("LLM provider back-off must be >= 0 seconds")


class RetryableCallError(TemporaryError):
    """One attempt failed in a way worth retrying; ``retry_after_s`` is the server's hint."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class Completion:
    """What one successful attempt returns to the shared policy."""

    text: str
    input_tokens: int
    output_tokens: int
    model: str
    raw: Mapping[str, object]
    reasoning: str | None = None


def one_line(text: str, limit: int = 200) -> str:
    """Return ``text`` on one line, shortened to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parse_retry_after(value: str | None) -> float | None:
    """Return the seconds of a numeric Retry-After header, or ``None``."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def status_error(
    spec: ProviderSpec, status: int, message: str, retry_after: str | None, secret: str | None
) -> ArenaError:
    """Return the error for an HTTP error status: retryable for 408/409/429/5xx, configuration
    for 401/403/404, the agent's fault otherwise. ``secret`` (and any 8+ character prefix of
    it) and key-like strings are removed from the message, and a refused key's message is not
    repeated at all (some APIs echo part of the key)."""
    if status in (401, 403):
        where = f"set a valid key in {spec.api_key_env}" if spec.api_key_env else "check api_key"
        return ConfigurationError(
            f"LLM provider {spec.name} refused the credentials (HTTP {status}); {where}"
        )
    text = one_line(redact(message, [secret]))
    if status == 404:
        return ConfigurationError(
            f"LLM provider {spec.name}: HTTP 404 ({text}); check the base URL and the model name"
        )
    if status in (408, 409, 429) or status >= 500:
        return RetryableCallError(f"HTTP {status}: {text}", parse_retry_after(retry_after))
    return AgentError(f"LLM provider {spec.name} rejected the request (HTTP {status}): {text}")


class SdkProvider(ABC):
    """Shared policy around one SDK call: concurrency slot, total timeout, retries, costing.

    Subclasses implement ``_attempt`` and translate every SDK error there: retryable ones to
    ``RetryableCallError``, the others to ``ConfigurationError`` or ``AgentError``."""

    def __init__(self, spec: ProviderSpec, config: ProviderConfig) -> None:
        self.spec = spec
        self.config = config
        self._slots = asyncio.Semaphore(config.concurrency)

    @property
    def name(self) -> str:
        return self.spec.name

    async def complete(self, request: LlmRequest) -> LlmResponse:
        """Answer ``request``, retrying transient failures; raise ``TemporaryError`` when the
        retries or the total timeout run out."""
        model = request.model or self.spec.default_model
        total_s = self.config.total_timeout_s if request.timeout_s is None else request.timeout_s
        async with self._slots:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + total_s
            attempts = 0
            started = time.perf_counter()
            try:
                async with asyncio.timeout_at(deadline):
                    while True:
                        attempts += 1
                        try:
                            remaining_s = max(deadline - loop.time(), 0.001)
                            timeout_s = min(self.config.timeout_s, remaining_s)
                            completion = await self._attempt(request, model, timeout_s)
                            break
                        except RetryableCallError as e:
                            if attempts > self.config.max_retries:
                                raise TemporaryError(
                                    f"LLM provider {self.name}: gave up after {attempts} "
                                    f"attempts: {e}"
                                ) from e
                            delay = self._backoff(attempts, e.retry_after_s)
                            logger.info(
                                "retrying LLM call",
                                extra={
                                    "provider": self.name,
                                    "model": model,
                                    "attempt": attempts,
                                    "delay_s": round(delay, 3),
                                    "reason": str(e),
                                },
                            )
                            await asyncio.sleep(delay)
            except TimeoutError as e:
                raise TemporaryError(
                    f"LLM provider {self.name}: no answer within {total_s:g} s "
                    f"({attempts} attempts)"
                ) from e
        latency_ms = (time.perf_counter() - started) * 1000.0
        return LlmResponse(
            text=completion.text,
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
            latency_ms=latency_ms,
            cost_usd=self.spec.cost_usd(completion.input_tokens, completion.output_tokens, model),
            model=completion.model,
            provider=self.name,
            raw=completion.raw,
            reasoning=completion.reasoning,
            attempts=attempts,
            price=self.spec.price(model),
        )

    def _backoff(self, attempts: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None and retry_after_s > 0:
            return min(retry_after_s, self.config.max_backoff_s)
        delay = self.config.backoff_s * 2.0 ** (attempts - 1) * (1.0 - 0.25 * random.random())
        return min(delay, self.config.max_backoff_s)

    @abstractmethod
    async def _attempt(self, request: LlmRequest, model: str, timeout_s: float) -> Completion:
        """Make one HTTP request; translate SDK errors as the class docstring says."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close the SDK client and its connections."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
