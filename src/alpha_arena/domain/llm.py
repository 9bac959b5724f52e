"""The audit record of one language-model call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
