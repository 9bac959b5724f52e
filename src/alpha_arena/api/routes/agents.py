"""Agents (register, reconfigure, enable, delete, their LLM audit trail) and versioned prompts.

The app includes one ``router`` per module, so this one holds two: ``/agents`` and
``/prompts`` (prompts are what LLM agents are configured with)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError

from alpha_arena.agents.config import parse_config
from alpha_arena.agents.llm.prompts import (
    _SEPARATOR,
    DEFAULT_PROMPT,
    validate_template,
)
from alpha_arena.agents.remote.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from alpha_arena.agents.remote.wire import decision_schema, request_schema
from alpha_arena.api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from alpha_arena.api.pagination import Page, Window, page, window
from alpha_arena.api.security import refuse_nul, require_reader, require_writer
from alpha_arena.api.state import context_of
from alpha_arena.core.errors import ConflictError, InvalidInputError, NotFoundError
from alpha_arena.core.redact import redact
from alpha_arena.domain.llm import LlmCall
from alpha_arena.services.agents import (
    add_agent,
    delete_agent,
    require_stored_prompt,
    store_shipped_prompts,
)
from alpha_arena.services.context import AppContext
from alpha_arena.services.remote_agents import add_remote_agent, rotate_secret
from alpha_arena.storage.agent_store import AgentRecord, AgentStore, PromptStore, PromptVersion
from alpha_arena.storage.llm_store import LlmCallStore

agents_router = APIRouter(prefix="/agents", tags=["agents"], responses=ERROR_RESPONSES,
                          dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip
prompts_router = APIRouter(prefix="/prompts", tags=["prompts"], responses=ERROR_RESPONSES,
                           dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip

Context = Annotated[AppContext, Depends(context_of)]
At = Annotated[Window, Depends(window)]
AgentName = Annotated[str, Path(min_length=1, max_length=64, examples=["ema-fast"])]
PromptName = Annotated[str, Path(min_length=1, max_length=64, examples=[DEFAULT_PROMPT])]
AgentKind = Literal["strategy", "llm", "portfolio", "selector", "remote"]

#: Body bounds: a configuration has about ten fields, a template a few kilobytes. Bodies are
#: strict: a value of another JSON type than documented (``0`` for a boolean) is refused.
MAX_CONFIG_FIELDS = 32
MAX_TEMPLATE_CHARS = 100_000
MAX_DESCRIPTION_CHARS = 1_000
NAME_PATTERN = r"^[A-Za-z0-9._-]+$"

_CONFIG_EXAMPLE: dict[str, Any] = {
    "kind": "strategy", "strategy": "ema_trend", "params": {"fast": "12", "slow": "26"},
    "leverage": 2.0,
}  # fmt: skip
_LLM_CONFIG_EXAMPLE: dict[str, Any] = {
    "kind": "llm", "provider": "deepseek", "model": "deepseek-chat", "temperature": 0.2,
}  # fmt: skip
_REMOTE_CONFIG_EXAMPLE: dict[str, Any] = {
    "kind": "remote", "url": "https://bot.example.com/decide", "deadline_s": 30.0,
}  # fmt: skip
_TS_EXAMPLE = 1_780_272_000_000  # 2026-06-01T00:00Z
_SECRET_EXAMPLE = "arsk_Hq3v0bC1m8p2Jx6sY4tK9wZr7eN5aD0uL2gF8hVq1oE"


# --- models -------------------------------------------------------------------------------


class AgentOut(BaseModel):
    id: int = Field(examples=[3])
    name: str = Field(examples=["ema-fast"])
    kind: str = Field(examples=["strategy"])
    enabled: bool = Field(examples=[True], description="Disabled agents join no new season.")
    config: dict[str, Any] = Field(
        examples=[_CONFIG_EXAMPLE], description="The validated configuration (never a key)."
    )
    ts_created: int = Field(examples=[_TS_EXAMPLE], description="Epoch milliseconds, UTC.")
    ts_updated: int = Field(examples=[_TS_EXAMPLE], description="Epoch milliseconds, UTC.")


class AgentCreated(AgentOut):
    secret: str | None = Field(
        default=None, examples=[_SECRET_EXAMPLE], exclude_if=lambda value: value is None,
        description="A remote agent's signing secret, shown in this response only (never "
        "again: `POST /agents/{name}/rotate-secret` makes a new one); absent for other kinds.",
    )  # fmt: skip


class RemoteSecretOut(BaseModel):
    name: str = Field(examples=["my-bot"])
    secret: str = Field(
        examples=[_SECRET_EXAMPLE], description="The new signing secret, shown once."
    )


class RemoteSchemasOut(BaseModel):
    """What a remote agent is sent and must answer (docs/remote-agents.md)."""

    request: dict[str, Any] = Field(
        examples=[{"title": "Alpha Arena remote agent request", "type": "object"}],
        description="JSON Schema of the POSTed body: the decision context.",
    )
    decision: dict[str, Any] = Field(
        examples=[{"title": "Alpha Arena decision", "type": "object"}],
        description="JSON Schema of the answer expected within the deadline.",
    )
    signature: str = Field(
        examples=[f"{SIGNATURE_HEADER}: sha256=hex(HMAC-SHA256(secret, timestamp + '.' + body))"],
        description="How requests are signed.",
    )


class AgentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(
        min_length=1, max_length=64, examples=["ema-fast"],
        description="Unique: letters, digits, '-', '_' or '.'.",
    )  # fmt: skip
    config: dict[str, Any] = Field(
        max_length=MAX_CONFIG_FIELDS,
        examples=[_CONFIG_EXAMPLE, _LLM_CONFIG_EXAMPLE, _REMOTE_CONFIG_EXAMPLE],
        description="What `arena agent add` builds: `kind` plus that kind's fields "
        "(strategy parameters as strings).",
    )  # fmt: skip


class AgentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    config: dict[str, Any] | None = Field(
        default=None, max_length=MAX_CONFIG_FIELDS, examples=[_CONFIG_EXAMPLE],
        description="A whole new configuration of the same kind (`kind` may be left out).",
    )  # fmt: skip
    enabled: bool | None = Field(default=None, examples=[False])


class AgentLlmCallOut(BaseModel):
    """The full audit record (the season ledger's LlmCallOut is its slimmer cousin)."""

    ts: int = Field(examples=[_TS_EXAMPLE], description="Epoch milliseconds, UTC.")
    provider: str = Field(examples=["deepseek"])
    model: str = Field(examples=["deepseek-chat"])
    parameters: dict[str, Any] = Field(examples=[{"temperature": 0.0, "max_tokens": 2000}])
    prompt_version_id: int | None = Field(examples=[1])
    request_hash: str = Field(examples=["9f2c1e…"])
    messages: list[dict[str, Any]] = Field(
        examples=[[{"role": "system", "content": "You are…"}, {"role": "user", "content": "…"}]]
    )
    raw_response: str | None = Field(examples=['{"reasoning": "…", "decisions": []}'])
    parsed_decision: dict[str, Any] | None = Field(
        examples=[{"reasoning": "…", "decisions": []}], description="None: it did not parse."
    )
    error: str | None = Field(examples=[None])
    input_tokens: int = Field(examples=[1834])
    output_tokens: int = Field(examples=[212])
    latency_ms: float = Field(examples=[1420.5])
    cost_usd: float | None = Field(
        examples=[0.00061], description="Null when the model's price is unknown."
    )
    cached: bool = Field(examples=[False], description="Answered from the response cache.")
    model_version: str | None = Field(
        default=None,
        examples=["gpt-4o-2024-08-06"],
        description="The model version that answered, as the provider's response named it "
        "(`GET /models/versions`); null when no model answered.",
    )
    reasoning: str | None = Field(
        examples=["Funding is flat and RSI neutral: no edge."],
        description="The model's separate reasoning channel (thinking), when it has one.",
    )


class PromptSummary(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=[DEFAULT_PROMPT])
    version: int = Field(examples=[1])
    sha256: str = Field(
        examples=["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]
    )
    description: str = Field(examples=["shipped default"])
    ts_created: int = Field(examples=[_TS_EXAMPLE], description="Epoch milliseconds, UTC.")


class PromptOut(PromptSummary):
    template: str = Field(
        examples=["You trade {{ coins | join(', ') }}.\n----- user -----\nIt is {{ now }}."]
    )


class PromptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN, examples=["my_trader"])
    template: str = Field(
        min_length=1, max_length=MAX_TEMPLATE_CHARS,
        examples=["You trade {{ coins | join(', ') }}.\n----- user -----\nIt is {{ now }}."],
        description="Jinja2: a system part and a user part separated by the line "
        f"`{_SEPARATOR.strip()}`.",
    )  # fmt: skip
    description: str = Field(
        default="", max_length=MAX_DESCRIPTION_CHARS, examples=["terser risk rules"]
    )


# --- agents -------------------------------------------------------------------------------


def _agent_out(record: AgentRecord) -> AgentOut:
    return AgentOut(
        id=record.id, name=record.name, kind=record.kind, enabled=record.enabled,
        config=record.config, ts_created=record.ts_created, ts_updated=record.ts_updated,
    )  # fmt: skip


@contextmanager
def _config_errors_are_input_errors() -> Iterator[None]:
    """parse_config turns its own validation into InvalidInputError already; this backstop
    keeps any pydantic error from deeper down a one-line 400, never a 500."""
    try:
        yield
    except ValidationError as error:
        problems = error.errors()
        where = ".".join(str(part) for part in problems[0]["loc"]) if problems else ""
        message = problems[0]["msg"] if problems else "is invalid"
        raise InvalidInputError(f"agent {where or 'configuration'}: {message}") from None


def _new_config(record: AgentRecord, values: dict[str, Any]) -> dict[str, Any]:
    """Validate a replacement configuration: seasons pin an agent's kind, so it must stay."""
    with _config_errors_are_input_errors():
        config = parse_config({"kind": record.kind, **values})
    if config.kind != record.kind:
        raise ConflictError(
            f"agent {record.name!r} is a {record.kind} agent and cannot become {config.kind}; "
            "register a new agent instead"
        )
    return config.model_dump(mode="json")


@agents_router.get("", response_model=Page[AgentOut], summary="List the registered agents")
def list_agents(
    context: Context,
    at: At,
    enabled: Annotated[bool | None, Query(description="Only enabled (or disabled) ones.")] = None,
    kind: Annotated[AgentKind | None, Query(description="Only agents of this kind.")] = None,
) -> Page[AgentOut]:
    records = [
        record
        for record in AgentStore(context.engine).all()
        if (enabled is None or record.enabled == enabled) and (kind is None or record.kind == kind)
    ]
    return page([_agent_out(record) for record in records], at)


@agents_router.post(
    "", response_model=AgentCreated, status_code=status.HTTP_201_CREATED,
    summary="Register an agent (a remote agent's signing secret is in this response only)",
    dependencies=[Depends(require_writer)], responses=WRITE_RESPONSES,
)  # fmt: skip
def create_agent(body: AgentCreate, context: Context) -> AgentCreated:
    with _config_errors_are_input_errors():
        if body.config.get("kind") == "remote":
            registered = add_remote_agent(context, body.name, body.config)
            out = _agent_out(registered.agent)
            return AgentCreated(**out.model_dump(), secret=registered.secret)
        return AgentCreated(**_agent_out(add_agent(context, body.name, body.config)).model_dump())


@agents_router.get(
    "/remote/schema", response_model=RemoteSchemasOut,
    summary="The JSON Schemas of a remote agent's request and decision, and the signing",
)  # fmt: skip
def remote_schemas() -> RemoteSchemasOut:
    return RemoteSchemasOut(
        request=request_schema(), decision=decision_schema(),
        signature=f"{TIMESTAMP_HEADER}: epoch seconds; {SIGNATURE_HEADER}: sha256=hex("
        "HMAC-SHA256(secret, timestamp + '.' + body)); refuse timestamps older than 300 s or "
        "in the future",
    )  # fmt: skip


@agents_router.post(
    "/{name}/rotate-secret", response_model=RemoteSecretOut,
    summary="Make a remote agent's new signing secret (shown once; the old one stops working)",
    dependencies=[Depends(require_writer)], responses=WRITE_RESPONSES,
)  # fmt: skip
def rotate_agent_secret(name: AgentName, context: Context) -> RemoteSecretOut:
    rotated = rotate_secret(context, name)
    return RemoteSecretOut(name=rotated.agent.name, secret=rotated.secret)


@agents_router.get("/{name}", response_model=AgentOut, summary="One agent")
def get_agent(name: AgentName, context: Context) -> AgentOut:
    return _agent_out(AgentStore(context.engine).get(name))


@agents_router.patch(
    "/{name}", response_model=AgentOut, summary="Change an agent's configuration or enable it",
    dependencies=[Depends(require_writer)], responses=WRITE_RESPONSES,
)  # fmt: skip
def patch_agent(name: AgentName, body: AgentPatch, context: Context) -> AgentOut:
    if body.config is None and body.enabled is None:
        raise InvalidInputError("nothing to change: give `config`, `enabled` or both")
    store = AgentStore(context.engine)
    record = store.get(name)
    # Validate everything before writing anything, so a refused request changes nothing.
    config = None if body.config is None else _new_config(record, body.config)
    if config is not None:
        require_stored_prompt(context, parse_config(config))
    now = context.clock.now_ms()
    if config is not None:
        record = store.update_config(name, config, now)
    if body.enabled is not None:
        record = store.set_enabled(name, body.enabled, now)
    return _agent_out(record)


@agents_router.delete(
    "/{name}", response_model=AgentOut,
    summary="Delete an agent that never competed (one that did: 409, disable it instead)",
    dependencies=[Depends(require_writer)], responses=WRITE_RESPONSES,
)  # fmt: skip
def remove_agent(name: AgentName, context: Context) -> AgentOut:
    """Answer the deleted agent as it was; a remote agent's signing secret goes with it."""
    return _agent_out(delete_agent(context, name))


@agents_router.post(
    "/{name}/disable", response_model=AgentOut, summary="Disable an agent (no new seasons)",
    dependencies=[Depends(require_writer)], responses=WRITE_RESPONSES,
)  # fmt: skip
def disable_agent(name: AgentName, context: Context) -> AgentOut:
    return _agent_out(AgentStore(context.engine).set_enabled(name, False, context.clock.now_ms()))


@agents_router.post(
    "/{name}/enable", response_model=AgentOut, summary="Enable an agent again",
    dependencies=[Depends(require_writer)], responses=WRITE_RESPONSES,
)  # fmt: skip
def enable_agent(name: AgentName, context: Context) -> AgentOut:
    return _agent_out(AgentStore(context.engine).set_enabled(name, True, context.clock.now_ms()))


def _call_out(call: LlmCall) -> AgentLlmCallOut:
    # Errors are redacted before they are stored; again here for rows stored before that.
    error = None if call.error is None else redact(call.error)
    return AgentLlmCallOut(
        ts=call.ts, provider=call.provider, model=call.model, parameters=call.parameters,
        prompt_version_id=call.prompt_version_id, request_hash=call.request_hash,
        messages=call.messages, raw_response=call.raw_response,
        parsed_decision=call.parsed_decision, error=error, input_tokens=call.input_tokens,
        output_tokens=call.output_tokens, latency_ms=call.latency_ms, cost_usd=call.cost_usd,
        cached=call.cached, reasoning=call.reasoning,
        model_version=None if call.version is None else call.version.label,
    )  # fmt: skip


@agents_router.get(
    "/{name}/llm-calls", response_model=Page[AgentLlmCallOut],
    summary="An agent's language-model calls, newest first: prompt, answer, cost",
)  # fmt: skip
def agent_llm_calls(name: AgentName, context: Context, at: At) -> Page[AgentLlmCallOut]:
    agent = AgentStore(context.engine).get(name)
    store = LlmCallStore(context.engine)
    calls = store.calls(agent.id, limit=at.limit, offset=at.offset)
    return Page(
        items=[_call_out(call) for call in calls], total=store.count(agent.id),
        limit=at.limit, offset=at.offset,
    )  # fmt: skip


# --- prompts ------------------------------------------------------------------------------

#: Two requests storing the same new version at once would collide on (name, version).
_PROMPT_WRITES = threading.Lock()


def _prompt_store(context: AppContext) -> PromptStore:
    """The store with the shipped prompts in it (the default and the competition modes'), as
    `arena prompt list` does: LLM agents use them by name, so they must be readable before any
    of them has run (unchanged: a no-op)."""
    store = PromptStore(context.engine)
    with _PROMPT_WRITES:
        store_shipped_prompts(store, context.clock.now_ms())
    return store


def _summary(prompt: PromptVersion) -> PromptSummary:
    return PromptSummary(
        id=prompt.id, name=prompt.name, version=prompt.version, sha256=prompt.sha256,
        description=prompt.description, ts_created=prompt.ts_created,
    )  # fmt: skip


def _prompt_out(prompt: PromptVersion) -> PromptOut:
    return PromptOut(
        id=prompt.id, name=prompt.name, version=prompt.version, sha256=prompt.sha256,
        description=prompt.description, ts_created=prompt.ts_created, template=prompt.template,
    )  # fmt: skip


@prompts_router.get(
    "", response_model=Page[PromptSummary], summary="Every stored prompt version (no templates)"
)
def list_prompts(
    context: Context,
    at: At,
    name: Annotated[str | None, Query(max_length=64, description="Only this prompt.")] = None,
) -> Page[PromptSummary]:
    prompts = _prompt_store(context).all()
    return page([_summary(p) for p in prompts if name is None or p.name == name], at)


@prompts_router.get("/{name}", response_model=PromptOut, summary="A prompt's newest version")
def latest_prompt(name: PromptName, context: Context) -> PromptOut:
    return _prompt_out(_prompt_store(context).latest(name))


@prompts_router.get(
    "/{name}/versions/{version}", response_model=PromptOut, summary="One version of a prompt"
)
def prompt_version(
    name: PromptName, version: Annotated[int, Path(ge=1, le=1_000_000)], context: Context
) -> PromptOut:
    return _prompt_out(_prompt_store(context).version(name, version))


@prompts_router.post(
    "", response_model=PromptOut, status_code=status.HTTP_201_CREATED,
    summary="Store a template as a prompt's next version",
    dependencies=[Depends(require_writer)],
    responses={**WRITE_RESPONSES, 200: {
        "model": PromptOut, "description": "The template is stored already: that version"}},
)  # fmt: skip
def add_prompt(body: PromptCreate, context: Context, response: Response) -> PromptOut:
    validate_template(body.template)  # parses, has both parts, renders a sample context
    store = PromptStore(context.engine)
    try:
        with _PROMPT_WRITES:
            newest = _newest_version(store, body.name)
            prompt = store.add(body.name, body.template, context.clock.now_ms(), body.description)
    except IntegrityError:  # another process stored a version of this prompt at the same time
        raise ConflictError(f"prompt {body.name!r} changed meanwhile; retry") from None
    if prompt.version <= newest:  # an unchanged template: add() returned its stored version
        response.status_code = status.HTTP_200_OK
    return _prompt_out(prompt)


def _newest_version(store: PromptStore, name: str) -> int:
    try:
        return store.latest(name).version
    except NotFoundError:
        return 0


router = APIRouter()
router.include_router(agents_router)
router.include_router(prompts_router)
