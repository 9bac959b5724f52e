"""The read-only database browser: every table with its row count, pages of rows in primary-key
order, column filters bound as parameters (an injection attempt is only a value, or a 400), and
the columns that may hold secrets never served."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Table, func, insert, select, text

from alpha_arena.services.context import AppContext
from alpha_arena.storage.database_browser import (
    COUNT_CAP,
    DENIED_COLUMNS,
    ColumnFilter,
    DatabaseBrowser,
    RowCount,
    is_secret_column,
)
from alpha_arena.storage.tables import Base
from tests.integration.api.conftest import BTC, assert_error

TABLES = "/api/v1/system/database/tables"
SECRET = "sk-browser-TESTSECRET-0123456789"


def rows_url(table: str) -> str:
    return f"{TABLES}/{table}/rows"


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def count_in_database(market: AppContext, name: str, *where: Any) -> int:
    with market.engine.connect() as connection:
        query = select(func.count()).select_from(table(name)).where(*where)
        return int(connection.execute(query).scalar_one())


def instrument_id(market: AppContext, symbol: str) -> int:
    instruments = table("instruments")
    with market.engine.connect() as connection:
        query = select(instruments.c.id).where(instruments.c.symbol == symbol)
        return int(connection.execute(query).scalar_one())


def add_agent_with_secret(market: AppContext, name: str) -> None:
    """An agent whose configuration holds a key (stored config never should; if one did, the
    browser must still not serve it)."""
    config = json.dumps({"api_key": SECRET, "base_url": f"https://user:{SECRET}@example.com"})
    with market.engine.begin() as connection:
        connection.execute(
            insert(table("agents")).values(
                name=name, kind="llm", config=config, enabled=True, ts_created=1, ts_updated=1
            )
        )


# -- tables and counts -------------------------------------------------------------------------


def test_tables_are_the_schema_with_their_row_counts(
    client: TestClient, market: AppContext
) -> None:
    body = client.get(TABLES).json()
    assert body["backend"] == market.engine.dialect.name
    assert [item["name"] for item in body["tables"]] == sorted(Base.metadata.tables)
    for item in body["tables"]:
        real = count_in_database(market, item["name"])
        if item["count"] == "exact":
            assert item["rows"] == real, item["name"]
        else:  # a bulk table: bounded, said so
            assert real > COUNT_CAP, item["name"]
            assert item["rows"] >= COUNT_CAP


def test_the_candles_count_is_bounded_and_says_so(market: AppContext) -> None:
    """Past the cap the total is PostgreSQL's estimate, or else the cap as a lower bound."""
    real = count_in_database(market, "candles")
    cap = real // 10
    if market.engine.dialect.name == "postgresql":
        with market.engine.begin() as connection:
            connection.execute(text("ANALYZE candles"))  # the statistics the estimate reads
    browser = DatabaseBrowser(market.engine, count_cap=cap)
    candles = next(item for item in browser.tables() if item.name == "candles")
    if market.engine.dialect.name == "postgresql":
        assert candles.count.kind == "estimate"
        assert abs(candles.count.rows - real) <= real * 0.1
    else:
        assert candles.count == RowCount(cap, "at_least")
    page = browser.rows("candles", [ColumnFilter("timeframe", "eq", "1h")], 3, 0)
    assert page.count == RowCount(cap, "at_least")  # a filter has no estimate: a lower bound
    assert len(page.rows) == 3
    narrow = browser.rows("candles", [ColumnFilter("ts", "eq", str(page.rows[0]["ts"]))], 3, 0)
    assert narrow.count.kind == "exact"


# -- paging ------------------------------------------------------------------------------------


def test_rows_page_in_primary_key_order(client: TestClient, market: AppContext) -> None:
    candles = table("candles")
    with market.engine.connect() as connection:
        expected = connection.execute(
            select(candles.c.instrument_id, candles.c.timeframe, candles.c.ts)
            .order_by(candles.c.instrument_id, candles.c.timeframe, candles.c.ts)
            .limit(20)
        ).all()
    first = client.get(rows_url("candles"), params={"limit": 10, "offset": 0}).json()
    second = client.get(rows_url("candles"), params={"limit": 10, "offset": 10}).json()
    assert first["order_by"] == ["instrument_id", "timeframe", "ts"]
    assert (first["limit"], first["offset"], second["offset"]) == (10, 0, 10)
    got = [
        (row["instrument_id"], row["timeframe"], row["ts"])
        for row in first["items"] + second["items"]
    ]
    assert got == [tuple(row) for row in expected]
    assert [c["name"] for c in first["columns"]] == [c.name for c in candles.columns]


def test_rows_newest_first_when_asked(client: TestClient) -> None:
    newest = client.get(rows_url("candles"), params={"limit": 5, "order": "desc"}).json()["items"]
    keys = [(row["instrument_id"], row["timeframe"], row["ts"]) for row in newest]
    assert keys == sorted(keys, reverse=True)


def test_a_small_table_pages_with_an_exact_total(client: TestClient, market: AppContext) -> None:
    body = client.get(rows_url("instruments"), params={"limit": 1, "offset": 1}).json()
    assert body["count"] == "exact"
    assert body["total"] == count_in_database(market, "instruments") >= 2
    assert len(body["items"]) == 1
    assert set(body) >= {"items", "total", "limit", "offset"}


# -- filters -----------------------------------------------------------------------------------


def test_an_equality_filter_narrows_the_rows(client: TestClient, market: AppContext) -> None:
    btc = instrument_id(market, BTC)
    funding = table("funding_rates")
    body = client.get(
        rows_url("funding_rates"), params={"filter": f"instrument_id:eq:{btc}", "limit": 1000}
    ).json()
    assert body["count"] == "exact"
    assert body["total"] == count_in_database(
        market, "funding_rates", funding.c.instrument_id == btc
    )
    assert 0 < body["total"] < count_in_database(market, "funding_rates")
    assert {row["instrument_id"] for row in body["items"]} == {btc}


def test_filters_combine_and_contains_ignores_case(client: TestClient) -> None:
    body = client.get(
        rows_url("instruments"),
        params=[("filter", "symbol:contains:eth"), ("filter", "market_type:eq:swap")],
    ).json()
    assert body["total"] >= 1
    assert all("ETH" in row["symbol"] and row["market_type"] == "swap" for row in body["items"])


def test_a_filter_value_with_colons_is_kept_whole(client: TestClient) -> None:
    body = client.get(rows_url("instruments"), params={"filter": f"symbol:eq:{BTC}"}).json()
    assert [row["symbol"] for row in body["items"]] == [BTC]


def test_an_injection_attempt_as_a_value_is_only_a_value(
    client: TestClient, market: AppContext
) -> None:
    before = count_in_database(market, "instruments")
    for value in ("x' OR '1'='1", "1; DROP TABLE instruments; --", "%", "_", "' OR 1=1 --"):
        body = client.get(rows_url("instruments"), params={"filter": f"symbol:contains:{value}"})
        assert body.status_code == 200, body.text
        assert body.json()["total"] == 0, value
        equal = client.get(rows_url("instruments"), params={"filter": f"symbol:eq:{value}"})
        assert equal.json()["total"] == 0, value
    assert count_in_database(market, "instruments") == before


def test_an_injection_attempt_as_a_column_name_is_refused(client: TestClient) -> None:
    for column in ("symbol) OR (1=1", "1=1; DROP TABLE instruments; --", "instruments.symbol", ""):
        response = client.get(rows_url("instruments"), params={"filter": f"{column}:eq:x"})
        assert_error(response, 400, "invalid_input", "cannot filter instruments")


def test_an_unknown_table_is_a_404_naming_the_tables(client: TestClient) -> None:
    response = client.get(rows_url("candles; DROP TABLE candles"))
    assert_error(response, 404, "not_found", "no table", "candles")
    assert_error(client.get(rows_url("alembic_version")), 404, "not_found")


def test_a_malformed_or_mistyped_filter_is_a_400(client: TestClient) -> None:
    assert_error(
        client.get(rows_url("candles"), params={"filter": "ts:gt:5"}), 400, "invalid_input",
        "column:eq:value",
    )  # fmt: skip
    assert_error(
        client.get(rows_url("candles"), params={"filter": "ts:eq:yesterday"}), 400,
        "invalid_input", "ts holds integers",
    )  # fmt: skip
    assert_error(
        client.get(rows_url("agents"), params={"filter": "enabled:eq:maybe"}), 400, "invalid_input"
    )
    too_many = [("filter", "ts:eq:1")] * 11
    assert client.get(rows_url("candles"), params=too_many).status_code == 422


def test_numbers_and_booleans_filter_by_their_type(client: TestClient, market: AppContext) -> None:
    enabled = client.get(rows_url("agents"), params={"filter": "enabled:eq:true"}).json()
    agents = table("agents")
    assert enabled["total"] == count_in_database(market, "agents", agents.c.enabled.is_(True))
    tick = client.get(rows_url("instruments"), params={"filter": "price_tick:contains:0.1"})
    assert tick.status_code == 200


# -- secrets -----------------------------------------------------------------------------------


def test_secret_columns_are_never_listed_or_served(client: TestClient, market: AppContext) -> None:
    add_agent_with_secret(market, "browser-secret-agent")
    listing = client.get(TABLES)
    assert SECRET not in listing.text
    hidden_somewhere = 0
    for item in listing.json()["tables"]:
        schema = table(item["name"])
        secret = {c.name for c in schema.columns if is_secret_column(schema.name, c.name)}
        assert secret.isdisjoint(c["name"] for c in item["columns"]), item["name"]
        assert item["hidden_columns"] == len(secret)
        hidden_somewhere += len(secret)
        page = client.get(rows_url(item["name"]), params={"limit": 50, "order": "desc"})
        assert page.status_code == 200, page.text
        assert SECRET not in page.text and "TESTSECRET" not in page.text
        for row in page.json()["items"]:
            assert secret.isdisjoint(row), item["name"]
    assert hidden_somewhere >= sum(len(columns) for columns in DENIED_COLUMNS.values())


def test_the_deny_list_and_the_name_rule_both_hide(client: TestClient) -> None:
    served = {
        item["name"]: {c["name"] for c in item["columns"]}
        for item in client.get(TABLES).json()["tables"]
    }
    assert "config" not in served["agents"] and "config" not in served["season_entries"]
    assert {"error", "raw_response"}.isdisjoint(served["llm_calls"])
    assert "response" not in served["llm_cache"]
    assert "error" not in served["ingestion_runs"] and "error" not in served["repair_jobs"]
    assert "message" not in served["seasons"]
    # the name rule: token counts are hidden too (better one column too many than a key)
    assert {"input_tokens", "output_tokens"}.isdisjoint(served["llm_calls"])
    assert is_secret_column("anything", "api_key_env") and is_secret_column("x", "PASSWORD")
    assert not is_secret_column("candles", "close")


def test_a_secret_column_cannot_be_filtered_on(client: TestClient, market: AppContext) -> None:
    add_agent_with_secret(market, "browser-secret-filter")
    for column in ("config", "api_key"):
        response = client.get(rows_url("agents"), params={"filter": f"{column}:contains:sk-"})
        message = assert_error(response, 400, "invalid_input", "cannot filter agents")
        assert "config" not in message.split("columns:")[1]
