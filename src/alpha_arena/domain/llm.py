"""The audit record of one language-model call, and the model version that answered it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """The concrete model that answered, as the provider named it in its response (OpenAI's
    ``gpt-4o`` answers as ``gpt-4o-2024-08-06``), with the price in effect (USD per million
    input and output tokens; None: unknown) when that label was first seen. A provider that
    silently updates a model answers with a new label: results stay comparable by version."""

    label: str
    input_usd_per_mtok: float | None = None
    output_usd_per_mtok: float | None = None


@dataclass(frozen=True, slots=True)
class LlmCall:
    """One call as recorded: what was asked, what came back, what it cost."""

    ts: int
    provider: str
    model: str
    parameters: dict[str, Any]
    request_hash: str
    messages: list[dict[str, Any]]
    raw_response: str | None
    parsed_decision: dict[str, Any] | None
    error: str | None
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float | None = 0.0  # None: the model's price is unknown
    cached: bool = False
    agent_id: int | None = None
    prompt_version_id: int | None = None
    reasoning: str | None = None  # a separate reasoning channel (thinking), when the API has one
    version: ModelVersion | None = None  # None: no model answered (a failure, a cache miss)
