"""The model-version registry as the CLI and the API read it: every version, or one agent's."""

from __future__ import annotations

from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.model_versions import ModelVersionRecord, ModelVersionStore


def model_versions(context: AppContext, agent: str | None = None) -> list[ModelVersionRecord]:
    """Every model version that answered a call (or those that answered agent ``agent``'s, with
    its calls counted), the latest used first; an unknown agent is a one-line error."""
    agent_id = None if agent is None else AgentStore(context.engine).get(agent).id
    return ModelVersionStore(context.engine).versions(agent_id)
