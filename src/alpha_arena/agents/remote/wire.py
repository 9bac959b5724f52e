"""What goes over the wire to a remote agent, and the published JSON Schemas of it.

The request is the decision context the LLM prompt is rendered from (``DecisionContext``),
wrapped with the format's version and the agent's limits, as canonical JSON (sorted keys, no
spaces): the same context always gives the same bytes, so the response cache finds the answer
of a replayed season. A number that cannot be computed (an indicator still warming up) is
``null``. The answer is the decision JSON LLM traders write (``agents/llm/schema.py``'s
``Answer``), parsed and validated by the same code.

Both schemas are generated from these definitions; ``docs/schemas/`` holds them committed
(``python -m alpha_arena.agents.remote.wire docs/schemas`` writes them)."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from alpha_arena.agents.context import DecisionContext
from alpha_arena.agents.llm.schema import Answer

#: The request format's version; a change a bot must know of increments it.
FORMAT_VERSION = 1
REQUEST_SCHEMA_FILE = "remote-request.schema.json"
DECISION_SCHEMA_FILE = "decision.schema.json"


@dataclass(frozen=True, slots=True)
class RemoteRequest:
    """What a remote agent is sent at each decision: ``context`` (the coins with their series,
    the account, the open positions with their exit plans), the leverage above which an entry
    is clamped, and the deadline it must answer within."""

    version: int
    max_leverage: float
    deadline_s: float
    context: DecisionContext


_REQUEST = TypeAdapter(RemoteRequest)


def request_body(context: DecisionContext, max_leverage: float, deadline_s: float) -> str:
    """The canonical JSON body of the request at ``context``."""
    data = _REQUEST.dump_python(
        RemoteRequest(FORMAT_VERSION, max_leverage, deadline_s, context), mode="json"
    )
    return json.dumps(_finite(data), sort_keys=True, separators=(",", ":"), allow_nan=False)


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


class _NullableNumbers(GenerateJsonSchema):
    """Every number may be null: what ``_finite`` sends for a value not computable yet."""

    def float_schema(self, schema: core_schema.FloatSchema) -> JsonSchemaValue:
        return {"type": ["number", "null"]}


def request_schema() -> dict[str, Any]:
    """The JSON Schema of the request body, generated from ``RemoteRequest``."""
    schema = _REQUEST.json_schema(schema_generator=_NullableNumbers)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "Alpha Arena remote agent request",
        "description": (
            "POSTed to a remote agent at each decision, signed (X-Arena-Timestamp, "
            "X-Arena-Signature: sha256=HMAC-SHA256(secret, timestamp + '.' + body)). Timestamps "
            "in the context are UTC epoch milliseconds; series run oldest to newest; a number "
            "that cannot be computed yet is null."
        ),
    }


def decision_schema() -> dict[str, Any]:
    """The JSON Schema of the answer, generated from the LLM traders' ``Answer``."""
    schema = Answer.model_json_schema(mode="validation")
    coin = schema["$defs"]["CoinDecision"]
    coin["properties"].pop("__key__", None)  # internal: the key of a decision keyed by coin
    coin["description"] = (
        "One coin's decision. 'coin' names it (BTC or the full symbol). buy_to_enter and "
        "sell_to_enter need a size: 'quantity' (coins) or 'notional' (USD), not both; "
        "leverage at least 1; for a long the stop_loss is below the profit_target (above for a "
        "short). hold and close need no size. confidence is in 0..1."
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "Alpha Arena decision",
        "description": (
            "The answer of a remote agent (and the format LLM traders write): optional "
            "reasoning and at most one decision per coin; a coin not mentioned is held."
        ),
    }


def schema_text(schema: dict[str, Any]) -> str:
    """A schema as committed: indented, keys in generation order, a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write both schemas into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in ((REQUEST_SCHEMA_FILE, request_schema()),
                         (DECISION_SCHEMA_FILE, decision_schema())):  # fmt: skip
        path = folder / name
        path.write_text(schema_text(schema))
        written.append(path)
    return written


if __name__ == "__main__":  # python -m alpha_arena.agents.remote.wire docs/schemas
    for path in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(path)
