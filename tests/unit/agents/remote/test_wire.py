"""The published schemas are generated, never hand-edited: the committed files equal what the
definitions give today; the request body is canonical JSON, valid under its schema."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from alpha_arena.agents.context import AccountContext, CoinContext, DecisionContext, HigherTimeframe
from alpha_arena.agents.remote.wire import (
    DECISION_SCHEMA_FILE,
    REQUEST_SCHEMA_FILE,
    decision_schema,
    request_body,
    request_schema,
    schema_text,
)

SCHEMAS = Path(__file__).parents[4] / "docs" / "schemas"
REGENERATE = "regenerate with `.venv/bin/python -m alpha_arena.agents.remote.wire docs/schemas`"


@pytest.mark.parametrize(
    ("name", "schema"),
    [(REQUEST_SCHEMA_FILE, request_schema), (DECISION_SCHEMA_FILE, decision_schema)],
)
def test_the_committed_schema_equals_the_generated_one(name: str, schema: object) -> None:
    assert callable(schema)
    assert (SCHEMAS / name).read_text() == schema_text(schema()), REGENERATE


_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
          "null": type(None), "boolean": bool}  # fmt: skip


def _fits(value: object, name: str) -> bool:
    if name == "boolean":
        return isinstance(value, bool)
    return not isinstance(value, bool) and isinstance(value, _TYPES[name])


def problems(value: object, schema: dict, root: dict, where: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (the subset of JSON Schema pydantic generates)."""
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        branches = [problems(value, branch, root, where) for branch in schema["anyOf"]]
        return [] if any(not found for found in branches) else branches[0]
    found: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = kinds if isinstance(kinds, list) else [kinds]
        if not any(_fits(value, name) for name in names):
            return [f"{where}: {value!r} is not {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in {schema['enum']}"]
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                found.append(f"{where}: missing {key}")
        for key, item in value.items():
            if key in schema.get("properties", {}):
                found += problems(item, schema["properties"][key], root, f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{where}: unexpected {key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += problems(item, schema["items"], root, f"{where}[{index}]")
    return found


def validate(value: object, schema: dict) -> None:
    assert problems(value, schema, schema) == []


def context(ema50: float) -> DecisionContext:
    coin = CoinContext(
        "BTC/USDT:USDT", 1_717_400_000_000, 67_000.5, (66_900.0, 67_000.5), (66_800.0, 66_850.0),
        (12.5, 13.0), (55.0, 57.0), (52.0, 53.0),
        HigherTimeframe("4h", 66_000.0, ema50, 300.0, 280.0, 1_000.0, 900.0), 0.0001, 5.0e4,
    )  # fmt: skip
    account = AccountContext(10_000.0, 10_000.0, 10_000.0, 0.0, None, 0.0005, ())
    return DecisionContext(1_717_400_000_000, "1h", (coin,), account)


def test_the_body_is_canonical_json_valid_under_the_request_schema() -> None:
    body = request_body(context(65_000.0), 5.0, 30.0)
    assert body == json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    data = json.loads(body)
    validate(data, request_schema())
    assert data["version"] == 1 and data["max_leverage"] == 5.0 and data["deadline_s"] == 30.0
    assert data["context"]["coins"][0]["closes"] == [66_900.0, 67_000.5]


def test_a_number_not_computable_yet_is_sent_as_null() -> None:
    data = json.loads(request_body(context(math.nan), 5.0, 30.0))
    assert data["context"]["coins"][0]["higher"]["ema50"] is None
    validate(data, request_schema())


def test_the_example_answer_of_the_docs_is_valid_under_the_decision_schema() -> None:
    answer = {"reasoning": "trend up", "decisions": [
        {"coin": "BTC", "signal": "buy_to_enter", "notional": 1000, "leverage": 2,
         "profit_target": 70_000, "stop_loss": 64_000, "invalidation_condition": "close < EMA20",
         "confidence": 0.6, "justification": "above EMA20"}]}  # fmt: skip
    validate(answer, decision_schema())
    bad = {"decisions": [{"coin": "BTC", "signal": "moon"}]}
    assert problems(bad, decision_schema(), decision_schema()) == [
        "$.decisions[0].signal: 'moon' not in ['buy_to_enter', 'sell_to_enter', 'hold', 'close']"
    ]
    assert problems({"decisions": [{"coin": "BTC"}]}, decision_schema(), decision_schema()) == [
        "$.decisions[0]: missing signal"
    ]
