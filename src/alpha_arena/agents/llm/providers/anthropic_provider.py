"""Anthropic's Messages API through the official ``anthropic`` SDK."""

from __future__ import annotations

import anthropic
from anthropic.types import Message, MessageParam

from alpha_arena.agents.llm.providers.base import (
    Completion,
    LlmRequest,
    ProviderConfig,
    RetryableCallError,
    SdkProvider,
    status_error,
)
from alpha_arena.agents.llm.providers.registry import ProviderSpec
from alpha_arena.core.errors import AgentError
from alpha_arena.core.redact import redact


class AnthropicProvider(SdkProvider):
    """Messages on ``spec.base_url``; system messages go in the ``system`` parameter.

    The API has no JSON mode (only schema-bound structured output), so ``json_mode`` is left to
    the prompt, and no temperature (SDK 2.x has no such parameter), so ``temperature`` is not
    sent. The SDK's own retries are
    off (``max_retries=0``): the shared policy retries and counts every attempt."""

    def __init__(self, spec: ProviderSpec, config: ProviderConfig, api_key: str) -> None:
        super().__init__(spec, config)
        self._api_key = api_key
        self._client = anthropic.AsyncAnthropic(
            base_url=spec.base_url,
            api_key=api_key,
            timeout=config.timeout_s,
            max_retries=0,
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def _attempt(self, request: LlmRequest, model: str, timeout_s: float) -> Completion:
        turns: list[MessageParam] = [
            {"role": "assistant", "content": m.content}
            if m.role == "assistant"
            else {"role": "user", "content": m.content}
            for m in request.turns
        ]
        try:
            # No temperature: the Messages API of SDK 2.x has no such parameter.
            response = await self._client.messages.create(
                model=model,
                system=request.system or anthropic.omit,
                messages=turns,
                max_tokens=request.max_tokens,
                timeout=timeout_s,
            )
        except anthropic.APIStatusError as e:
            raise status_error(
                self.spec,
                e.status_code,
                e.message,
                e.response.headers.get("retry-after"),
                self._api_key,
            ) from e
        except anthropic.APITimeoutError as e:
            raise RetryableCallError(f"no answer within {timeout_s:g} s") from e
        except anthropic.APIConnectionError as e:
            raise RetryableCallError(redact(f"connection failed: {e}", [self._api_key])) from e
        except anthropic.APIError as e:  # an unreadable answer
            raise AgentError(
                redact(f"LLM provider {self.name}: bad response: {e.message}", [self._api_key])
            ) from e
        return _completion(response, model)


def _completion(response: Message, model: str) -> Completion:
    texts: list[str] = []
    thoughts: list[str] = []
    for block in response.content:
        if block.type == "text":
            texts.append(block.text)
        elif block.type == "thinking":
            thoughts.append(block.thinking)
    return Completion(
        text="".join(texts),
        input_tokens=response.usage.input_tokens,
        output_tokens=response.usage.output_tokens,
        model=response.model or model,
        raw=response.model_dump(mode="json"),
        reasoning="\n".join(thoughts) or None,
    )
