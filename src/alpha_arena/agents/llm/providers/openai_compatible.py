"""Any OpenAI-compatible chat-completions endpoint through the official ``openai`` SDK."""

from __future__ import annotations

from typing import Any

import openai
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)

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

# Keys under which OpenAI-compatible servers return reasoning apart from the answer:
# DeepSeek, SiliconFlow and Qwen use ``reasoning_content``; OpenRouter and vLLM ``reasoning``.
_REASONING_KEYS = ("reasoning_content", "reasoning")


class OpenAiCompatibleProvider(SdkProvider):
    """Chat completions on ``spec.base_url``; JSON mode only where ``spec`` supports it.

    The SDK's own retries are off (``max_retries=0``): the shared policy retries, so that every
    attempt is counted and the back-off is configurable."""

    def __init__(self, spec: ProviderSpec, config: ProviderConfig, api_key: str) -> None:
        super().__init__(spec, config)
        self._api_key = api_key
        self._client = openai.AsyncOpenAI(
            base_url=spec.base_url,
            api_key=api_key,
            timeout=config.timeout_s,
            max_retries=0,
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def _attempt(self, request: LlmRequest, model: str, timeout_s: float) -> Completion:
        messages = [_message(m.role, m.content) for m in request.messages]
        json_mode = request.json_mode and self.spec.supports_json_mode
        try:
            response = await self._client.chat.completions.create(
                model=model,
                messages=messages,
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                response_format={"type": "json_object"} if json_mode else openai.omit,
                timeout=timeout_s,
            )
        except openai.APIStatusError as e:
            raise status_error(
                self.spec,
                e.status_code,
                e.message,
                e.response.headers.get("retry-after"),
                self._api_key,
            ) from e
        except openai.APITimeoutError as e:
            raise RetryableCallError(f"no answer within {timeout_s:g} s") from e
        except openai.APIConnectionError as e:
            raise RetryableCallError(redact(f"connection failed: {e}", [self._api_key])) from e
        except openai.APIError as e:  # an unreadable answer
            raise AgentError(
                redact(f"LLM provider {self.name}: bad response: {e.message}", [self._api_key])
            ) from e
        return _completion(self.name, response, model)


def _message(role: str, content: str) -> ChatCompletionMessageParam:
    if role == "system":
        return ChatCompletionSystemMessageParam(role="system", content=content)
    if role == "assistant":
        return ChatCompletionAssistantMessageParam(role="assistant", content=content)
    return ChatCompletionUserMessageParam(role="user", content=content)


def _completion(provider: str, response: ChatCompletion, model: str) -> Completion:
    if not response.choices:
        raise AgentError(f"LLM provider {provider} answered without any choice")
    message = response.choices[0].message
    extra: dict[str, Any] = message.model_extra or {}
    reasoning = next(
        (v for key in _REASONING_KEYS if isinstance(v := extra.get(key), str) and v), None
    )
    usage = response.usage
    return Completion(
        text=message.content or "",
        input_tokens=usage.prompt_tokens if usage else 0,
        output_tokens=usage.completion_tokens if usage else 0,
        model=response.model or model,
        raw=response.model_dump(mode="json"),
        reasoning=reasoning,
    )
