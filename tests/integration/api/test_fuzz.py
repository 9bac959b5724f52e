"""Every operation of the OpenAPI spec, fuzzed by schemathesis on both databases.

Schemathesis builds requests from the spec: the documented examples, the boundaries and
violations of every constraint (its coverage phase), and random ones (Hypothesis). The real app
answers them on a database holding the sample's perpetuals, a finished season, agents and a
backtest, with the bearer token on every request so writes run too. Every answer must be a
documented, non-5xx status whose body matches its documented schema, and every error the
unified body. Hypothesis is derandomized, so CI fuzzes the same requests on every run."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import positive_data_acceptance

from alpha_arena.api.app import create_app
from alpha_arena.api.spec import openapi_text
from alpha_arena.core.time import parse_ts
from alpha_arena.services import backtests
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.seasons import create_season, run_season
from tests.integration.api.conftest import AUTH, BTC, ETH

#: A closed port on loopback: a fuzzed repair or model call fails at once and never leaves the
#: machine (the exchange and the model are reached only through these base URLs).
CLOSED = "http://127.0.0.1:9"
#: Writes that do real work per request (a backtest, a scan of every series, a refetch).
SLOW_WRITES = [
    "/api/v1/backtests", "/api/v1/backtests/sweeps", "/api/v1/data/scan", "/api/v1/data/repair",
]  # fmt: skip
FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip
FUZZ_SLOW = settings(FUZZ, max_examples=6)
FUZZ_NUL = settings(FUZZ, max_examples=3)
#: A schema-valid request may still mean nothing (an unknown timeframe, a date that is not
#: one, a template without its separator): the API answers those 400 by design.
EXCLUDED_CHECKS = [positive_data_acceptance]

SPEC: dict[str, Any] = json.loads(openapi_text())
schema = schemathesis.openapi.from_dict(copy.deepcopy(SPEC))


@pytest.fixture(scope="module")
def fuzz_app(market: AppContext) -> Iterator[FastAPI]:
    """The app on ``market`` with the exchange and the model out of reach, no write rate limit
    (fuzzing writes far more than 120 a minute), and data for reads to find: agents named as
    the spec's examples, a finished season (id 1) and a backtest (id 1)."""
    settings_ = market.settings.model_copy(update={
        "exchange_base_url": CLOSED, "exchange_max_retries": 0, "exchange_timeout_s": 2.0,
        "llm_base_url": CLOSED, "llm_max_retries": 0, "llm_timeout_s": 2.0,
        "api_writes_per_minute": 100_000,
        # A configured server: remote agents' secrets are encrypted with the master key.
        "secret_key": SecretStr(Fernet.generate_key().decode()),
    })  # fmt: skip
    context = open_context(settings_, clock=market.clock)
    try:
        for name in ("ema-fast", "ema-trend"):
            add_agent(context, name, {"kind": "strategy", "strategy": "ema_trend",
                                      "params": {"fast": "5", "slow": "20"}})  # fmt: skip
        season = create_season(context, {
            "name": "fuzzed", "symbols": [BTC, ETH], "start": parse_ts("2024-03-01"),
            "end": parse_ts("2024-03-03"), "participants": ["ema-fast"],
        })  # fmt: skip
        run_season(context, season.id)
        config = backtests.build_config("ema_trend", [BTC], "1h", "2024-01-01", "2024-01-15")
        backtests.run(context, config)
        yield create_app(context=context, embedded_runner=False)
    finally:
        context.close()


def assert_unified_error(response: Any) -> None:
    if response.status_code < 400:
        return
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    for key in ("code", "message"):
        assert isinstance(body["error"][key], str) and body["error"][key], body


def call_and_check(case: Any, app: FastAPI) -> None:
    response = case.call(app=app, headers=AUTH)
    documented = SPEC["paths"][case.path].get(case.method.lower(), {}).get("responses", {})
    # The exchange and the model are out of reach on purpose: a route that reaches them may
    # answer the 502 or 503 it documents for that; any other 5xx is a fault.
    upstream = response.status_code in (502, 503) and str(response.status_code) in documented
    assert response.status_code < 500 or upstream, (case.as_curl_command(), response.text)
    assert_unified_error(response)
    if response.status_code == 413:
        # Refused unread, whatever the schema says of it: the body must really be too large.
        sent = response.request.body or b""
        assert len(sent) > app.state.arena.context.settings.api_max_body_bytes, len(sent)
        assert response.json()["error"]["code"] == "body_too_large"
        return
    excluded = [*EXCLUDED_CHECKS, not_a_server_error] if upstream else EXCLUDED_CHECKS
    case.validate_response(
        response, headers=AUTH, excluded_checks=excluded, transport_kwargs={"app": app}
    )


@schema.exclude(method="POST", path=SLOW_WRITES).parametrize()
@FUZZ
def test_fuzz(case: Any, fuzz_app: FastAPI) -> None:
    call_and_check(case, fuzz_app)


@schema.include(method="POST", path=SLOW_WRITES).parametrize()
@FUZZ_SLOW
def test_fuzz_slow_writes(case: Any, fuzz_app: FastAPI) -> None:
    call_and_check(case, fuzz_app)


# -- NUL ---------------------------------------------------------------------------------------

NUL = "\x00"
#: The routers that refuse NUL at the boundary with ``refuse_nul``.
REFUSING_TAGS = {"agents", "prompts", "seasons", "season ledger", "strategies"}


def with_nul(value: Any) -> Iterator[Any]:
    """``value`` once per text in it (a string, a key) with a NUL appended to that text."""
    if isinstance(value, str):
        yield value + NUL
    elif isinstance(value, dict):
        for key, item in value.items():
            yield {(name + NUL if name == key else name): v for name, v in value.items()}
            for variant in with_nul(item):
                yield {**value, key: variant}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for variant in with_nul(item):
                yield [*value[:index], variant, *value[index + 1 :]]


def example_body(path: str, method: str) -> dict[str, Any] | None:
    """The body the spec's examples make (each property's first example), if it takes one."""
    body = SPEC["paths"][path][method.lower()].get("requestBody")
    if body is None:
        return None
    shape = body["content"]["application/json"]["schema"]  # a $ref, or anyOf [$ref, null]
    ref = next(choice["$ref"] for choice in [shape, *shape.get("anyOf", [])] if "$ref" in choice)
    properties = SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    return {name: prop["examples"][0] for name, prop in properties.items() if "examples" in prop}


def refuses_nul(operation: dict[str, Any]) -> bool:
    return bool(REFUSING_TAGS & set(operation["tags"]))


#: Every operation that takes any input (a parameter or a body), and whether its router refuses
#: NUL at the boundary (``refuse_nul``); the others check their text themselves.
INPUT_OPERATIONS = [
    pytest.param(method.upper(), path, refuses_nul(operation), id=f"{method.upper()} {path}")
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if operation.get("parameters") or operation.get("requestBody")
]


@pytest.mark.parametrize(("method", "path", "refusing"), INPUT_OPERATIONS)
def test_a_nul_anywhere_is_refused(
    fuzz_app: FastAPI, method: str, path: str, refusing: bool
) -> None:
    """PostgreSQL cannot hold NUL in text and random fuzzing seldom sends one: every path
    parameter, query parameter and body text (values and keys) of valid requests, each in turn
    with a NUL added, is refused with 400 at the boundary by the routers that check it, and
    never a 500 anywhere."""
    operation = schema[path][method]
    parameters = SPEC["paths"][path][method.lower()].get("parameters", [])
    declared = [parameter["name"] for parameter in parameters if parameter["in"] == "query"]
    sent = 0

    def send(client: TestClient, params: dict[str, Any], query: dict[str, Any], body: Any) -> None:
        nonlocal sent
        url = path.format(**{name: quote(str(value), safe="") for name, value in params.items()})
        kwargs: dict[str, Any] = {} if body is NOT_SET else {"json": body}
        response = client.request(method, url, params=query, headers=AUTH, **kwargs)
        assert response.status_code < 500, (method, url, query, body, response.text)
        assert_unified_error(response)
        if refusing:
            assert response.status_code == 400, (method, url, query, body, response.text)
            assert response.json()["error"]["code"] == "invalid_input", response.text
        sent += 1

    @FUZZ_NUL
    @given(case=operation.as_strategy())
    def sweep(case: Any) -> None:
        path_params, query, body = case.path_parameters, case.query, case.body
        with TestClient(fuzz_app) as client:
            for name, value in path_params.items():
                send(client, {**path_params, name: f"{value}{NUL}"}, query, body)
            for name in declared:
                send(client, path_params, {**query, name: f"{query.get(name, 'x')}{NUL}"}, body)
            for whole in (body, example_body(path, method)):
                for variant in with_nul(whole) if isinstance(whole, dict | list) else ():
                    send(client, path_params, query, variant)

    sweep()
    assert sent > 0
