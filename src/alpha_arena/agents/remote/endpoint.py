"""A remote agent's endpoint as a model client: the request's one message is the JSON body,
POSTed signed with httpx; the response body is the answer text.

It speaks ``LlmProvider`` so that ``LlmCaller`` records every request as an LLM call
(provider ``remote``, model the host, cost 0) and caches the answers by request hash exactly
as it does a model's. Any failure (connection, HTTP status, an oversized answer) is an
``AgentError`` with one line, which the caller records as the decision's error; redirects are
not followed (the signed body goes to the registered URL only)."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from alpha_arena.agents.llm.providers.base import LlmRequest, LlmResponse
from alpha_arena.agents.remote.signing import (
    AGENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)
from alpha_arena.core.errors import AgentError
from alpha_arena.core.redact import redact, remember_secret

PROVIDER = "remote"
#: A decision is a few kilobytes; more is a bot gone wrong.
MAX_ANSWER_BYTES = 1_000_000


def endpoint_host(url: str) -> str:
    """The host (and port) of ``url``: the ``model`` its calls are recorded under."""
    return urlsplit(url).netloc


class RemoteEndpoint:
    def __init__(
        self,
        agent: str,
        url: str,
        secret: str,
        timeout_s: float,
        now_s: Callable[[], float] = time.time,
    ) -> None:
        """``timeout_s``: httpx's timeout (the agent's deadline); ``now_s``: the wall clock
        the timestamp is read from (the bot compares it with its own)."""
        remember_secret(secret)  # never in a recorded error or a log line
        self._agent = agent
        self._url = url
        self._secret = secret
        self._now_s = now_s
        self._client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

    @property
    def name(self) -> str:
        return PROVIDER

    async def complete(self, request: LlmRequest) -> LlmResponse:
        body = request.messages[-1].content.encode()
        timestamp = int(self._now_s())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "alpha-arena",
            AGENT_HEADER: self._agent,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(self._secret, timestamp, body),
        }
        host = endpoint_host(self._url)
        started = time.perf_counter()
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise AgentError(f"remote agent at {host}: timed out") from None
        except httpx.HTTPError as error:
            reason = redact(str(error) or type(error).__name__)
            raise AgentError(f"remote agent at {host}: {reason}") from None
        latency_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise AgentError(
                f"remote agent at {host} answered HTTP {response.status_code}{_excerpt(response)}"
            )
        if len(response.content) > MAX_ANSWER_BYTES:
            raise AgentError(
                f"remote agent at {host}: an answer of {len(response.content):,} bytes "
                f"(at most {MAX_ANSWER_BYTES:,})"
            )
        text = response.content.decode("utf-8", errors="replace")
        return LlmResponse(
            text=text, input_tokens=0, output_tokens=0, latency_ms=latency_ms, cost_usd=0.0,
            model=host, provider=PROVIDER, raw={"status": response.status_code},
        )  # fmt: skip

    async def aclose(self) -> None:
        await self._client.aclose()


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.content[:200].decode("utf-8", errors="replace").split())
    return f": {redact(text)}" if text else ""
