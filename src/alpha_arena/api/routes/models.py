"""The model-version registry: each concrete model version that answered an LLM call, as
`arena agent versions` lists it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.pagination import Page, Window, page, window
from alpha_arena.api.security import refuse_nul, require_reader
from alpha_arena.api.state import context_of
from alpha_arena.core.time import to_iso
from alpha_arena.services.context import AppContext
from alpha_arena.services.model_versions import model_versions
from alpha_arena.storage.model_versions import ModelVersionRecord

router = APIRouter(prefix="/models", tags=["agents"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip


class ModelVersionOut(BaseModel):
    id: int = Field(examples=[2])
    provider: str = Field(examples=["openai"])
    model: str = Field(examples=["gpt-4o"], description="The model the agents asked for.")
    version: str = Field(
        examples=["gpt-4o-2024-11-20"],
        description="The model as the provider's answers named it. Calls made before versions "
        "were kept are labelled with the model's name.",
    )
    first_seen: str = Field(
        examples=["2026-11-21T10:00:00Z"], description="When an answer first named it."
    )
    input_usd_per_mtok: float | None = Field(
        examples=[2.5],
        description="USD per million input tokens when it was first seen; null: unknown.",
    )
    output_usd_per_mtok: float | None = Field(
        examples=[10.0],
        description="USD per million output tokens when it was first seen; null: unknown.",
    )
    calls: int = Field(
        examples=[120], description="Calls it answered (of the agent, when one is asked for)."
    )
    last_used: str | None = Field(examples=["2026-12-01T08:00:00Z"])


def _version_out(record: ModelVersionRecord) -> ModelVersionOut:
    return ModelVersionOut(
        id=record.id, provider=record.provider, model=record.model, version=record.version,
        first_seen=to_iso(record.ts_first_seen), input_usd_per_mtok=record.input_usd_per_mtok,
        output_usd_per_mtok=record.output_usd_per_mtok, calls=record.calls,
        last_used=None if record.ts_last_used is None else to_iso(record.ts_last_used),
    )  # fmt: skip


@router.get(
    "/versions",
    response_model=Page[ModelVersionOut],
    summary="Every model version that answered an LLM call, the latest used first",
)
def list_model_versions(
    at: Annotated[Window, Depends(window)],
    context: Annotated[AppContext, Depends(context_of)],
    agent: Annotated[
        str | None,
        Query(
            max_length=64,
            examples=["gpt-trader"],
            description="Only the versions that answered this agent's calls.",
        ),
    ] = None,
) -> Page[ModelVersionOut]:
    return page([_version_out(record) for record in model_versions(context, agent)], at)
