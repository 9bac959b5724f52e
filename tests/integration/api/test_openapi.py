"""The OpenAPI spec is the API's contract: the committed ``openapi.json`` is the app's own, and
every operation is documented well enough to call it without reading the code (a summary, a
success schema with examples, errors in the unified body)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alpha_arena.api.spec import openapi_text

COMMITTED = Path(__file__).parents[3] / "openapi.json"
ERROR_BODY = "#/components/schemas/ErrorBody"
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}

Schema = dict[str, Any]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(openapi_text())
    return loaded


def operations(spec: dict[str, Any]) -> list[tuple[str, Schema]]:
    """Every operation as ("GET /path", its object)."""
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def component(spec: dict[str, Any], ref: str) -> tuple[str, Schema]:
    name = ref.removeprefix("#/components/schemas/")
    found: Schema = spec["components"]["schemas"][name]
    return name, found


def has_example(schema: Schema) -> bool:
    return bool(schema.get("examples")) or "example" in schema


def refs_within(schema: Schema) -> list[str]:
    """The components a property stands for: itself, its items, or the branches of a union."""
    if "$ref" in schema:
        return [schema["$ref"]]
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return refs_within(schema["items"])
    found = []
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            found += refs_within(branch)
    return found


def missing_examples(spec: dict[str, Any], schema: Schema, where: str, seen: set[str]) -> list[str]:
    """Where ``schema`` (a response body) shows a reader no example: properties with neither an
    example of their own nor a documented component behind them, followed through ``$ref``s."""
    if has_example(schema):
        return []
    refs = refs_within(schema)
    if refs:
        missing = []
        for ref in refs:
            name, target = component(spec, ref)
            if name not in seen:
                seen.add(name)
                missing += missing_examples(spec, target, name, seen)
        return missing
    properties: dict[str, Schema] = schema.get("properties", {})
    if not properties:
        return [where]  # a bare value, or an object whose shape nothing documents
    missing = []
    for name, prop in properties.items():
        if has_example(prop):
            continue
        if refs_within(prop):
            missing += missing_examples(spec, prop, f"{where}.{name}", seen)
        else:
            missing.append(f"{where}.{name}")
    return missing


def test_the_committed_spec_is_the_apps_own() -> None:
    expected = openapi_text()
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert committed == expected, (
        "openapi.json differs from the app's spec: run `arena openapi --out openapi.json` "
        "and commit the result"
    )


def test_every_operation_has_a_summary(spec: dict[str, Any]) -> None:
    found = operations(spec)
    assert len(found) >= 40, [label for label, _ in found]
    offenders = [label for label, op in found if not str(op.get("summary", "")).strip()]
    assert offenders == [], f"operations without a summary: {offenders}"


def test_every_operation_documents_a_success_body(spec: dict[str, Any]) -> None:
    """A 2xx with a JSON schema, or a declared non-JSON media type (CSV, Prometheus text)."""
    offenders = []
    for label, op in operations(spec):
        documented = False
        for status, response in op["responses"].items():
            if not status.startswith("2"):
                continue
            for media_type, content in response.get("content", {}).items():
                if media_type == "application/json":
                    documented = documented or bool(content.get("schema"))
                else:
                    documented = True
        if not documented:
            offenders.append(label)
    assert offenders == [], f"operations without a documented success body: {offenders}"


def test_every_json_response_shows_examples(spec: dict[str, Any]) -> None:
    offenders = []
    for label, op in operations(spec):
        for status, response in op["responses"].items():
            content = response.get("content", {}).get("application/json")
            if content is None or has_example(content):
                continue
            schema = content.get("schema", {})
            for where in missing_examples(spec, schema, f"{status}", set()):
                offenders.append(f"{label} {status}: {where}")
    assert offenders == [], "response fields without examples:\n" + "\n".join(
        sorted(set(offenders))
    )


def test_every_documented_error_is_the_unified_body(spec: dict[str, Any]) -> None:
    offenders = []
    errors = 0
    for label, op in operations(spec):
        for status, response in op["responses"].items():
            if status[0] not in "45":
                continue
            errors += 1
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema != {"$ref": ERROR_BODY}:
                offenders.append(f"{label} {status}: {schema}")
    assert errors >= 5 * len(operations(spec)), errors  # 400, 404, 422, 429, 500 at least
    assert offenders == [], "error responses not in the unified body:\n" + "\n".join(offenders)


def test_the_error_body_is_code_message_details(spec: dict[str, Any]) -> None:
    _, body = component(spec, ERROR_BODY)
    _, detail = component(spec, body["properties"]["error"]["$ref"])
    assert set(detail["properties"]) == {"code", "message", "details"}
    assert set(detail["required"]) == {"code", "message"}
    assert body["required"] == ["error"]
